"""Counters tied to the network: at a stop (one direction) or on a vehicle, never both."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from density.models import CounterLink, Route, RouteStop
from sensors.models import Sensor
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
