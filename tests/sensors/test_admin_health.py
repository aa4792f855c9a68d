"""The sensors team's list: each sensor's name, when it last sent, whether it fell silent
(longer than its send interval allows) and its latest value per quantity, in a fixed number of
queries; and the team keeps its alert rules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sensors.models import DeviceHealth, Reading
from tests.sensors.conftest import make_device

pytestmark = pytest.mark.django_db


def readings(sensor: Any, *rows: tuple[str, float, timedelta]) -> None:
    now = timezone.now()
    Reading.objects.bulk_create(
        Reading(sensor=sensor, quantity=quantity, value=value, time=now - ago)
        for quantity, value, ago in rows
    )


def test_it_shows_last_seen_silence_and_latest_values_per_quantity(
    client: Client, sensor_operator: Any, districts: Any
) -> None:
    fresh = make_device("river-1", "native", "water_level", name="Pont Neuf").sensor
    readings(
        fresh,
        ("water_level", 120.0, timedelta(minutes=40)),
        ("water_level", 131.5, timedelta(minutes=2)),
        ("temperature", 11.25, timedelta(minutes=3)),
    )
    quiet = make_device("esp8266-77", "airrohr", "air_quality", name="École Jaurès").sensor
    readings(quiet, ("pm10", 18.0, timedelta(hours=5)))
    DeviceHealth.objects.create(sensor=quiet, received_at=timezone.now(), interval_ms=145_000)
    # Sends every 145 s: 4 minutes without news is within three intervals, not silent.
    patient = make_device("esp8266-78", "airrohr", "air_quality", name="Parc").sensor
    readings(patient, ("pm10", 9.0, timedelta(minutes=4)))
    DeviceHealth.objects.create(sensor=patient, received_at=timezone.now(), interval_ms=145_000)
    make_device("bin-1", "native", "bin", name="Place du marché")

    client.force_login(sensor_operator)
    page = client.get("/admin/sensors/sensor/")
    assert page.status_code == 200
    rows = {sensor.device_id: sensor for sensor in page.context["cl"].result_list}
    latest = {quantity: value for quantity, value, _time in rows["river-1"].latest_values}
    assert latest == {"water_level": 131.5, "temperature": 11.25}  # the newest of each
    html = page.content.decode()
    assert "Pont Neuf" in html and "131,5\u00a0cm" in html and "11,2\u00a0°C" in html
    silent = html.split('class="sensor-silent"')
    assert len(silent) == 3  # the one quiet for five hours and the one that never sent
    assert "muet depuis" in html and "jamais" in html
    admin = page.context["cl"].model_admin
    assert admin.health(rows["esp8266-78"]) == "émet"


def test_it_lists_sensors_in_a_fixed_number_of_queries(
    client: Client, sensor_operator: Any, districts: Any
) -> None:
    client.force_login(sensor_operator)
    first = make_device("river-0", "native", "water_level").sensor
    readings(first, ("water_level", 1.0, timedelta(minutes=1)))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/admin/sensors/sensor/").status_code == 200
        return len(queries)

    few = count()
    for n in range(12):
        sensor = make_device(f"river-{n + 1}", "native", "water_level").sensor
        readings(
            sensor,
            ("water_level", float(n), timedelta(minutes=1)),
            ("temperature", float(n), timedelta(minutes=2)),
        )
        DeviceHealth.objects.create(sensor=sensor, received_at=timezone.now(), interval_ms=60_000)
    assert count() == few


def test_it_lets_the_sensors_team_keep_its_alert_rules_and_not_the_reports(
    client: Client, sensor_operator: Any
) -> None:
    client.force_login(sensor_operator)
    assert client.get("/admin/sensors/alertrule/add/").status_code == 200
    assert client.get("/admin/sensors/alert/").status_code == 200
    assert client.get("/admin/reports/report/").status_code == 403


def test_it_puts_the_sensors_list_in_the_sensors_teams_menu(
    client: Client, sensor_operator: Any, triager: Any
) -> None:
    client.force_login(sensor_operator)
    assert 'href="/admin/sensors/sensor/">Capteurs et leur état</a>' in (
        client.get("/admin/").content.decode()
    )
    client.force_login(triager)
    assert "Capteurs et leur état" not in client.get("/admin/").content.decode()
