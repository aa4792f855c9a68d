"""Sensors of each format with their secrets, an API key with the sensors scope, and a helper
that pushes and runs the worker as the broker would."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import pytest

from civic.actors import Actor
from civic.services import api_client_create
from sensors.services import sensor_register

# Inside the first district of the demo grid (Vieux-Port).
LAT, LON = 47.375, 0.66


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run with ``-p no:playwright``, the browser tests are skipped rather than errors."""
    if config.pluginmanager.hasplugin("playwright"):
        return
    skip = pytest.mark.skip(reason="needs the playwright plugin")
    for item in items:
        if "browser" in item.keywords and "sensors" in str(item.path):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _aqi_scales(request: pytest.FixtureRequest) -> None:
    """The index scales come from a data migration, which a transactional test's flush
    removes: put them back for every database test."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    transactional = marker.kwargs.get("transaction", False)
    request.getfixturevalue("transactional_db" if transactional else "db")
    from sensors.aqi import scales_install

    scales_install()


@dataclass
class Device:
    sensor: Any
    secret: str

    @property
    def device_id(self) -> str:
        return str(self.sensor.device_id)


def make_device(device_id: str, device_format: str, kind: str, **extra: Any) -> Device:
    extra.setdefault("latitude", LAT)
    extra.setdefault("longitude", LON)
    sensor, secret = sensor_register(
        actor=Actor.system(), device_id=device_id, device_format=device_format, kind=kind, **extra
    )
    return Device(sensor, secret)


@pytest.fixture
def airrohr_device(districts: list[Any]) -> Device:
    return make_device("esp8266-13463419", "airrohr", "air_quality")


@pytest.fixture
def native_device(districts: list[Any]) -> Device:
    return make_device("bin-0042", "native", "bin")


@pytest.fixture
def ttn_device(districts: list[Any]) -> Device:
    device = make_device("70b3d57ed0001234", "ttn", "water_level")
    device.sensor.payload_map = {"level_cm": "water_level", "temp": "temperature"}
    device.sensor.quantities = ["water_level", "temperature"]
    device.sensor.save()
    return device


@pytest.fixture
def sensors_key(db: None) -> str:
    _client, key = api_client_create(actor=Actor.system(), name="Gateway", scopes=["sensors"])
    return key


@pytest.fixture
def reports_key(db: None) -> str:
    _client, key = api_client_create(actor=Actor.system(), name="Open311 app", scopes=["reports"])
    return key


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture
def push(client: Any, run_on_commit: Any, tasks: Any) -> Any:
    """POST like a device; the enqueued ingest runs afterwards, as a worker would."""

    def _push(path: str, body: str | bytes, *, run: bool = True, **headers: str) -> Any:
        with run_on_commit():
            response = client.post(
                path,
                data=body,
                content_type=headers.pop("content_type", "application/json"),
                headers=headers,
            )
        if run:
            tasks.run()
        return response

    return _push
