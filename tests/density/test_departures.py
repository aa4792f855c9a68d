"""Trip runs and departures: frequency-based trips expanded, service past midnight included."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from civic.city import city
from density.daytypes import DayType, day_type
from density.models import Feed, Stop
from density.seed import BUS_HEADWAY_FACTOR, SERVICES, seed_density
from density.selectors import departures_from, trip_runs
from tests.density.feeds import GTFS_DIR, rows, seconds

pytestmark = pytest.mark.django_db


def a_weekday() -> date:
    day = date(timezone.localdate().year, 3, 3)
    while day_type(day) != DayType.WEEKDAY or day.weekday() != 1:  # a plain Tuesday
        day += timedelta(days=1)
    return day


def at(day: date, clock: str) -> datetime:
    hours, minutes = clock.split(":")
    return datetime.combine(day, time(int(hours), int(minutes)), tzinfo=ZoneInfo(city().time_zone))


def test_it_expands_the_frequency_based_trips_of_demo_transit_authority() -> None:
    folder = GTFS_DIR / "demo-transit-authority"
    call_command("import_gtfs", str(folder), stdout=StringIO())
    feed = Feed.objects.get()
    expected = {
        (row["trip_id"], start)
        for row in rows(folder, "frequencies.txt")
        for start in range(
            seconds(row["start_time"]), seconds(row["end_time"]), int(row["headway_secs"])
        )
    }

    runs = trip_runs(feed=feed, day=date(2008, 6, 3))

    frequency_runs = {(run.gtfs_trip_id, run.start) for run in runs if run.frequency_based}
    assert frequency_runs == expected
    first = min((run for run in runs if run.gtfs_trip_id == "CITY1"), key=lambda r: r.start)
    assert (first.start_time, first.start_date) == (
        rows(folder, "frequencies.txt")[1]["start_time"].zfill(8),
        "20080603",
    )


def test_it_lists_the_trams_every_headway_from_the_first_stop() -> None:
    seed_density(stdout=StringIO())
    day = a_weekday()
    pont = Stop.objects.get(gtfs_id="PONT")
    begin, _end, headway = next(w for w in SERVICES["semaine"][1] if w[0] == "07:00")

    departures = departures_from(stop=pont, since=at(day, begin), until=at(day, "08:00"))

    tram = [d for d in departures if d.run.frequency_based]
    assert [d.at for d in tram] == [
        at(day, begin) + timedelta(minutes=m) for m in range(0, 60, headway)
    ]
    assert all(d.run.start_date == f"{day:%Y%m%d}" for d in tram)


def test_it_counts_the_last_trams_after_midnight_in_the_previous_service_day() -> None:
    seed_density(stdout=StringIO())
    day = a_weekday()
    pont = Stop.objects.get(gtfs_id="PONT")
    late = next(w for w in SERVICES["semaine"][1] if w[1] == "24:30")

    departures = departures_from(stop=pont, since=at(day, "00:00"), until=at(day, "01:00"))

    monday = day - timedelta(days=1)
    tram = [d for d in departures if d.run.frequency_based]
    assert tram and all(d.run.service_day == monday for d in tram)
    assert [d.at for d in tram] == [
        at(day, "00:00") + timedelta(minutes=m) for m in range(0, 30, late[2])
    ]


def test_it_lists_timetabled_bus_departures_at_a_middle_stop() -> None:
    seed_density(stdout=StringIO())
    day = a_weekday()
    hotel_de_ville = Stop.objects.get(gtfs_id="HDV")
    _begin, _end, headway = next(w for w in SERVICES["semaine"][1] if w[0] == "09:30")

    departures = departures_from(
        stop=hotel_de_ville, since=at(day, "10:00"), until=at(day, "11:00")
    )

    bus: dict[tuple[int, int], list[datetime]] = {}
    for departure in departures:
        if not departure.run.frequency_based:
            key = (departure.run.route_id, departure.run.direction_id)
            bus.setdefault(key, []).append(departure.at)
    gaps = {b - a for moments in bus.values() for a, b in itertools.pairwise(moments)}
    assert len(bus) == 2 and gaps == {timedelta(minutes=headway * BUS_HEADWAY_FACTOR)}
    assert all(at(day, "10:00") <= d.at < at(day, "11:00") for d in departures)
