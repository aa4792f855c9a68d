"""The demo city's sensors: a day of readings, rolled up, and idempotent."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest

from sensors.models import Aggregate, Reading, Sensor
from sensors.seed import DEMO_SENSORS, seed_sensors

pytestmark = pytest.mark.django_db


def test_it_seeds_sensors_with_a_day_of_readings_twice_without_doubling(
    districts: list[Any],
) -> None:
    seed_sensors(stdout=StringIO())
    readings = Reading.objects.count()

    seed_sensors(stdout=StringIO())

    assert Sensor.objects.count() == len(DEMO_SENSORS)
    assert Reading.objects.count() == readings > 1000
    assert Aggregate.objects.filter(period="hour", sensor__isnull=True).exists()
    assert all(sensor.district for sensor in Sensor.objects.all())
