"""Registering sensors, their secrets, and the personal data of residents who host one."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civic.actors import Actor, Channel
from consent import registry
from consent.checks import personal_data_check
from sensors.models import Sensor
from tests.sensors.conftest import make_device

pytestmark = pytest.mark.django_db


def sensor_add(*args: str) -> list[str]:
    out = StringIO()
    call_command("sensor_add", *args, stdout=out)
    return out.getvalue().splitlines()


def test_it_prints_the_secret_alone_on_the_last_line_and_keeps_only_its_hash(
    districts: list[Any],
) -> None:
    lines = sensor_add(
        "--device-id",
        "esp8266-13463419",
        "--format",
        "airrohr",
        "--kind",
        "air_quality",
        "--lat",
        "47.375",
        "--lon",
        "0.66",
    )

    secret = lines[-1]
    sensor = Sensor.objects.get(device_id="esp8266-13463419")
    assert len(secret) >= 43 and " " not in secret
    assert secret not in sensor.secret_hash and len(sensor.secret_hash) == 64
    assert sensor.check_secret(secret) and not sensor.check_secret(secret + "x")
    assert sensor.district == districts[0]
    assert "pm25" in sensor.quantities


def test_it_refuses_an_existing_device_unless_rotating(districts: list[Any]) -> None:
    args = [
        "--device-id",
        "70b3d57ed0001234",
        "--format",
        "ttn",
        "--kind",
        "water_level",
        "--lat",
        "47.38",
        "--lon",
        "0.67",
    ]
    old = sensor_add(*args)[-1]

    with pytest.raises(CommandError, match="exists already"):
        sensor_add(*args)
    new = sensor_add(*args, "--rotate")[-1]

    sensor = Sensor.objects.get()
    assert sensor.device_id == "70B3D57ED0001234"  # a DevEUI as TTN sends it
    assert sensor.check_secret(new) and not sensor.check_secret(old)


def test_it_shows_a_residents_sensor_about_100_m_off(districts: list[Any], resident: Any) -> None:
    hosted = make_device(
        "esp8266-1", "airrohr", "air_quality", latitude=47.37654, longitude=0.66321, owner=resident
    ).sensor
    city = make_device(
        "esp8266-2", "airrohr", "air_quality", latitude=47.37654, longitude=0.66321
    ).sensor

    assert hosted.public_position == (47.377, 0.663)
    assert city.public_position == (47.37654, 0.66321)


def test_it_registers_hosts_as_personal_data_exported_and_erased(
    districts: list[Any], resident: Any
) -> None:
    sensor = make_device(
        "esp8266-1", "airrohr", "air_quality", latitude=47.37654, longitude=0.66321, owner=resident
    ).sensor

    assert registry.registration_for(Sensor).app_label == "sensors"  # type: ignore[union-attr]
    assert set(registry.personal_fields(Sensor)) >= {"owner", "latitude", "longitude"}
    assert personal_data_check(None) == []
    export = registry.export_for(resident)["sensors"]
    assert export["hosted_sensors"][0]["device_id"] == "esp8266-1"

    receipt = registry.erase_for(resident, actor=Actor(channel=Channel.WEB, user=resident))

    sensor.refresh_from_db()
    assert sensor.owner is None and (sensor.latitude, sensor.longitude) == (47.377, 0.663)
    assert receipt["sensors"]["kept"]
