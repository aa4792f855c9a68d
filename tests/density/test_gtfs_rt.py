"""The GTFS-Realtime occupancy feed, parsed back with gtfs_realtime_pb2."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from io import StringIO

import pytest
from django.test import Client
from django.utils import timezone
from google.transit import gtfs_realtime_pb2

from density import services
from density.daytypes import DayType, day_type
from density.gtfs_rt import occupancy_feed
from density.models import Feed, Forecast, Route, RouteStop, Stop, Trip
from density.seed import seed_density
from tests.density.test_forecast_rebuild import add_report

pytestmark = pytest.mark.django_db
FULL = gtfs_realtime_pb2.VehiclePosition.OccupancyStatus.Value("FULL")


def next_weekday_morning() -> datetime:
    day = timezone.localdate() + timedelta(days=1)
    while day_type(day) != DayType.WEEKDAY:
        day += timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(8, 0)))


@pytest.fixture
def crowded_tram() -> datetime:
    """A week of "maximum" on the tram towards the exhibition park around 8:00, then rebuilt."""
    seed_density(stdout=StringIO())
    tram = Route.objects.get(gtfs_id="T1")
    at = next_weekday_morning()
    for position, route_stop in enumerate(
        RouteStop.objects.filter(pattern__route=tram, pattern__direction_id=0)
    ):
        for device in range(5):
            for minutes in (0, 15, 30, 45):
                add_report(
                    route=tram.pk,
                    direction=0,
                    stop=route_stop.stop_id,
                    level=5,
                    at=at - timedelta(days=7) + timedelta(minutes=minutes + 2 * position),
                    device=f"phone-{device}",
                )
    services.forecast_rebuild()
    return at


def test_it_gives_each_trip_of_the_next_hour_its_stops_occupancy(crowded_tram: datetime) -> None:
    message = gtfs_realtime_pb2.FeedMessage()
    message.ParseFromString(
        occupancy_feed(now=crowded_tram, feeds=list(Feed.objects.all())).SerializeToString()
    )

    assert message.header.gtfs_realtime_version == "2.0"
    assert message.header.timestamp == int(crowded_tram.timestamp())
    updates = [entity.trip_update for entity in message.entity]
    assert updates, "the tram runs every 6 minutes at 8:00"
    trips = set(Trip.objects.values_list("gtfs_id", flat=True))
    stops = set(Stop.objects.values_list("gtfs_id", flat=True))
    for update in updates:
        assert update.trip.trip_id in trips and update.trip.route_id == "T1"
        assert update.trip.direction_id == 0
        # Tram T1 runs by frequencies: its runs are told apart by start time and date.
        assert update.trip.start_date == f"{crowded_tram:%Y%m%d}"
        start = datetime.strptime(update.trip.start_time, "%H:%M:%S").time()
        assert time(8, 0) <= start < time(9, 0)
        for stop_update in update.stop_time_update:
            assert stop_update.stop_id in stops
            assert stop_update.departure_occupancy_status == FULL
    assert Forecast.objects.filter(route__gtfs_id="B2").count() == 0
    assert {u.trip.route_id for u in updates} == {"T1"}


def test_it_serves_the_feed_as_protobuf_and_as_json(client: Client, crowded_tram: datetime) -> None:
    binary = client.get("/gtfs-rt/occupancy.pb")
    readable = client.get("/gtfs-rt/occupancy.pb", {"format": "json"})

    assert binary["Content-Type"] == "application/x-protobuf"
    message = gtfs_realtime_pb2.FeedMessage()
    message.ParseFromString(binary.content)
    assert message.header.gtfs_realtime_version == "2.0"
    assert readable.json()["header"]["gtfsRealtimeVersion"] == "2.0"
