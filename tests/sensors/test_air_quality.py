"""The European Air Quality Index per district and hour, on versioned scales."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from sensors.models import AirQualityIndex, AqiScale
from sensors.rollups import aggregates_refresh
from tests.sensors.test_rollups import add

pytestmark = pytest.mark.django_db


@pytest.fixture
def now_hour() -> datetime:
    return timezone.now().astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def test_it_ships_the_revised_scale_as_default_and_keeps_the_earlier_one() -> None:
    default = AqiScale.objects.get(is_default=True)
    earlier = AqiScale.objects.get(code="eaqi-2017")

    assert default.code == "eaqi-2024"
    assert default.bands[0]["label"] == "good" and len(default.bands) == 6
    assert default.level("pm25", 5) == 1 and default.level("pm25", 5.1) == 2
    assert earlier.level("pm25", 12) == 2 and default.level("pm25", 12) == 2
    assert default.level("no2", 30) == 3 and earlier.level("no2", 30) == 1
    assert default.level("temperature", 30) is None


def test_it_indexes_a_district_hour_on_pm_running_means_and_hourly_gases(
    airrohr_device: Any, now_hour: datetime
) -> None:
    sensor = airrohr_device.sensor
    hours = [now_hour - timedelta(hours=h) for h in range(24)]
    add(sensor, "pm25", [(hour, 12.0) for hour in hours])
    add(sensor, "no2", [(now_hour, 30.0)])

    aggregates_refresh()

    latest = AirQualityIndex.objects.get(scale__code="eaqi-2024", hour=now_hour)
    assert latest.district == sensor.district
    assert (latest.level, latest.pollutant) == (3, "no2")
    assert latest.values == {
        "pm25": {"value": 12.0, "level": 2},
        "no2": {"value": 30.0, "level": 3},
    }
    earlier = AirQualityIndex.objects.get(scale__code="eaqi-2017", hour=now_hour)
    assert (earlier.level, earlier.pollutant) == (2, "pm25")
    # Six hours into the series the PM window is too thin: no index from PM alone.
    assert not AirQualityIndex.objects.filter(hour=now_hour - timedelta(hours=18)).exists()
