"""Hourly and daily roll-ups, per sensor and per district, recomputed for touched hours only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from sensors.models import Aggregate, PendingRollup, Reading
from sensors.rollups import aggregates_refresh
from sensors.storage import readings_write
from tests.sensors.conftest import make_device

pytestmark = pytest.mark.django_db


def add(sensor: Any, quantity: str, values: list[tuple[datetime, float]]) -> None:
    readings_write([(sensor.pk, quantity, moment, value) for moment, value in values])
    PendingRollup.objects.bulk_create(
        [
            PendingRollup(sensor=sensor, quantity=quantity, hour=moment.replace(minute=0, second=0))
            for moment, _value in values
        ],
        ignore_conflicts=True,
    )


@pytest.fixture
def hour() -> datetime:
    # Noon in the city yesterday, in UTC: well inside one local day.
    local = timezone.now().astimezone(ZoneInfo("Europe/Paris")) - timedelta(days=1)
    return local.replace(hour=12, minute=0, second=0, microsecond=0).astimezone(UTC)


def test_it_rolls_up_an_hour_per_sensor_and_per_district(
    airrohr_device: Any, districts: list[Any], hour: datetime
) -> None:
    other = make_device("esp8266-2", "airrohr", "air_quality").sensor
    add(airrohr_device.sensor, "pm25", [(hour, 10.0), (hour + timedelta(minutes=30), 20.0)])
    add(other, "pm25", [(hour + timedelta(minutes=10), 60.0)])

    assert aggregates_refresh() == 2

    mine = Aggregate.objects.get(period="hour", sensor=airrohr_device.sensor, quantity="pm25")
    assert (mine.start, mine.mean, mine.minimum, mine.maximum, mine.total, mine.count) == (
        hour,
        15.0,
        10.0,
        20.0,
        30.0,
        2,
    )
    district = Aggregate.objects.get(period="hour", sensor=None, quantity="pm25")
    assert district.district == airrohr_device.sensor.district
    assert (district.mean, district.minimum, district.maximum, district.count) == (
        30.0,
        10.0,
        60.0,
        3,
    )
    day = Aggregate.objects.get(period="day", sensor=airrohr_device.sensor)
    assert day.start == hour.astimezone(ZoneInfo("Europe/Paris")).replace(hour=0)
    assert (day.mean, day.count) == (15.0, 2)
    assert not PendingRollup.objects.exists()


def test_it_recomputes_only_the_hours_that_received_readings(
    airrohr_device: Any, hour: datetime
) -> None:
    sensor = airrohr_device.sensor
    add(sensor, "pm10", [(hour, 10.0), (hour + timedelta(hours=1), 30.0)])
    aggregates_refresh()
    # Tamper with the first hour: an untouched hour must keep whatever it holds.
    Aggregate.objects.filter(period="hour", start=hour, sensor=sensor).update(mean=-1)

    add(sensor, "pm10", [(hour + timedelta(hours=1, minutes=20), 50.0)])
    assert aggregates_refresh() == 1

    hours = dict(
        Aggregate.objects.filter(period="hour", sensor=sensor).values_list("start", "mean")
    )
    assert hours == {hour: -1, hour + timedelta(hours=1): 40.0}
    day = Aggregate.objects.get(period="day", sensor=sensor)
    assert (day.count, day.total, day.maximum) == (3, 90.0, 50.0)  # from the hourly figures


def test_it_rolls_up_what_the_worker_stored(native_device: Any, push: Any, hour: datetime) -> None:
    import json

    rows = [
        {
            "sensor": "bin-0042",
            "time": (hour + timedelta(minutes=m)).isoformat(),
            "quantity": "fill_level",
            "value": m,
        }
        for m in (0, 20, 40)
    ]
    push("/api/sensors/readings/", json.dumps(rows), Authorization=f"Bearer {native_device.secret}")

    aggregates_refresh()

    assert Reading.objects.count() == 3
    hourly = Aggregate.objects.get(period="hour", sensor=native_device.sensor)
    assert (hourly.mean, hourly.count) == (20.0, 3)
