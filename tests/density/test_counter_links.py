"""Counters tied to the network: at a stop (one direction) or on a vehicle, never both."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from density.models import CounterLink, Route, RouteStop
from density.selectors import counter_readings
from sensors.models import Sensor
from sensors.storage import readings_write
from tests.density.feeds import GTFS_DIR

pytestmark = pytest.mark.django_db


@pytest.fixture
def counter() -> Sensor:
    return Sensor.objects.create(
        device_id="apc-7",
        kind="passenger_counter",
        device_format="native",
        latitude=36.9,
        longitude=-116.8,
    )


@pytest.fixture
def route() -> Route:
    call_command("import_gtfs", str(GTFS_DIR / "demo-transit-authority"), stdout=StringIO())
    return Route.objects.get(gtfs_id="CITY")


def test_it_ties_a_counter_to_a_stop_of_a_line_in_one_direction(
    counter: Sensor, route: Route
) -> None:
    first = RouteStop.objects.filter(pattern__route=route).order_by("pattern", "position")[0]

    link = CounterLink.objects.create(
        sensor=counter, route=route, direction_id=first.pattern.direction_id, stop=first.stop
    )

    assert list(route.counter_links.all()) == [link]


@pytest.mark.parametrize(
    "fields",
    [
        {"vehicle": "bus 7", "with_stop": True, "direction_id": 0},
        {"vehicle": "", "with_stop": False, "direction_id": 0},
        {"vehicle": "", "with_stop": True, "direction_id": None},
    ],
    ids=["stop-and-vehicle", "neither", "stop-without-direction"],
)
def test_it_refuses_a_link_that_does_not_say_where_it_counts(
    counter: Sensor, route: Route, fields: dict[str, Any]
) -> None:
    stop = RouteStop.objects.filter(pattern__route=route)[0].stop if fields["with_stop"] else None

    with pytest.raises(IntegrityError), transaction.atomic():
        CounterLink.objects.create(
            sensor=counter,
            route=route,
            stop=stop,
            vehicle=fields["vehicle"],
            direction_id=fields["direction_id"],
        )


def test_it_places_a_counters_passenger_readings_on_its_line(counter: Sensor, route: Route) -> None:
    other = Route.objects.exclude(pk=route.pk).first()
    first = RouteStop.objects.filter(pattern__route=route).order_by("pattern", "position")[0]
    CounterLink.objects.create(
        sensor=counter, route=route, direction_id=first.pattern.direction_id, stop=first.stop
    )
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    readings_write(
        [
            (counter.pk, "passengers", hour, 31.0),
            (counter.pk, "passengers", hour + timedelta(minutes=15), 44.0),
            (counter.pk, "temperature", hour, 12.0),
        ]
    )

    placed = counter_readings(since=hour, until=hour + timedelta(hours=1), route_id=route.pk)

    assert [(r.stop_id, r.direction_id, r.passengers) for r in placed] == [
        (first.stop_id, first.pattern.direction_id, 31.0),
        (first.stop_id, first.pattern.direction_id, 44.0),
    ]
    assert counter_readings(since=hour, until=hour + timedelta(hours=1), route_id=other.pk) == []
