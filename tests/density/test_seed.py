"""The demo city's network: three lines around the map centre, loaded through the importer."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.utils import timezone

from civic.city import city
from density.daytypes import DayType, day_type, french_public_holidays
from density.models import Feed, Frequency, Route, RouteStop, Stop, Trip
from density.seed import FEED_CODE, LINES, STOPS, seed_density
from density.selectors import feed_services_on

pytestmark = pytest.mark.django_db


def test_it_seeds_a_tram_and_two_buses_twice_without_doubling() -> None:
    seed_density(stdout=StringIO())
    trips = set(Trip.objects.values_list("pk", flat=True))

    out = StringIO()
    seed_density(stdout=out)

    assert Route.objects.count() == len(LINES)
    assert Stop.objects.count() == len(STOPS)
    assert set(Trip.objects.values_list("pk", flat=True)) == trips
    assert sorted(Route.objects.values_list("route_type", flat=True)) == [0, 3, 3]
    assert "3 lines" in out.getvalue()


def test_it_places_every_line_around_the_map_centre_in_both_directions() -> None:
    seed_density(stdout=StringIO())
    lat0, lon0 = city().map_center

    for route_id, *_rest, stops, _gap in LINES:
        route = Route.objects.get(gtfs_id=route_id)
        for direction, expected in enumerate((stops, stops[::-1])):
            ordered = RouteStop.objects.filter(
                pattern__route=route, pattern__direction_id=direction
            ).order_by("position")
            assert [row.stop.gtfs_id for row in ordered] == expected
    assert all(
        abs(stop.latitude - lat0) < 0.03 and abs(stop.longitude - lon0) < 0.05
        for stop in Stop.objects.all()
    )


def test_it_runs_the_tram_by_frequencies_and_the_sunday_service_on_holidays() -> None:
    seed_density(stdout=StringIO())
    feed = Feed.objects.get(code=FEED_CODE)
    year = timezone.localdate().year
    holiday = next(day for day in sorted(french_public_holidays(year)) if day.weekday() < 5)
    ordinary = holiday + timedelta(days=7)
    while day_type(ordinary) != DayType.WEEKDAY:
        ordinary += timedelta(days=1)

    assert Frequency.objects.filter(trip__route__route_type=0).exists()
    assert not Frequency.objects.filter(trip__route__route_type=3).exists()
    assert feed_services_on(feed=feed, day=holiday) == {"dimanche"}
    assert feed_services_on(feed=feed, day=ordinary) == {"semaine"}
    assert feed_services_on(feed=feed, day=date(year + 3, 1, 5)) == set()
