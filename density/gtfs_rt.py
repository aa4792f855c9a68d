"""The GTFS-Realtime occupancy feed: each trip departing in the next hour, with the expected
crowding when leaving each stop (``departure_occupancy_status``), from the stored forecasts.

Trip, route and stop ids are those of the imported GTFS, so any GTFS-Realtime consumer joins
them to the static feed. A frequency-based trip is identified, as the specification requires,
by its ``start_time`` and ``start_date`` too. A trip without any forecast is left out (a
TripUpdate needs at least one StopTimeUpdate).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta

from google.transit import gtfs_realtime_pb2

from density.cells import cell_key
from density.daytypes import day_type
from density.forecast import OCCUPANCY_STATUS, SLOT_COUNT, rounded_level, slot_for
from density.models import Feed, Forecast, StopTime
from density.selectors import feed_timezone, trip_runs

HORIZON = timedelta(hours=1)


def occupancy_feed(*, now: datetime, feeds: list[Feed]) -> gtfs_realtime_pb2.FeedMessage:
    message = gtfs_realtime_pb2.FeedMessage()
    message.header.gtfs_realtime_version = "2.0"
    message.header.incrementality = gtfs_realtime_pb2.FeedHeader.FULL_DATASET
    message.header.timestamp = int(now.timestamp())
    for feed in feeds:
        _add_feed(message, feed=feed, now=now)
    return message


def _add_feed(message: gtfs_realtime_pb2.FeedMessage, *, feed: Feed, now: datetime) -> None:
    zone = feed_timezone(feed)
    local = now.astimezone(zone)
    runs = []
    for day in (local.date() - timedelta(days=1), local.date()):
        midnight = datetime.combine(day, time(), tzinfo=zone)
        since = int((local - midnight).total_seconds())
        horizon = int(HORIZON.total_seconds())
        runs += [
            (run, midnight)
            for run in trip_runs(feed=feed, day=day, since=since, until=since + horizon)
        ]
    if not runs:
        return
    trip_ids = {run.trip_id for run, _midnight in runs}
    calls: dict[int, list[tuple[int, int, int, str]]] = defaultdict(list)
    for trip, sequence, departure, stop_id, stop_gtfs in (
        StopTime.objects.filter(trip_id__in=trip_ids, departure__isnull=False)
        .order_by("trip_id", "stop_sequence")
        .values_list("trip_id", "stop_sequence", "departure", "stop_id", "stop__gtfs_id")
    ):
        if departure is not None:  # filtered above; for the type checker
            calls[trip].append((sequence, departure, stop_id, stop_gtfs))
    firsts = {trip: rows[0][1] for trip, rows in calls.items() if rows}
    routes = {run.route_id for run, _midnight in runs}
    route_ids = dict(feed.routes.filter(pk__in=routes).values_list("pk", "gtfs_id"))
    forecasts = {
        cell: level
        for cell, level in Forecast.objects.filter(route_id__in=routes).values_list("cell", "level")
    }
    for run, midnight in runs:
        kind = day_type(run.service_day)
        updates = []
        for sequence, departure, stop_id, stop_gtfs in calls.get(run.trip_id, [])[:-1]:
            moment = run.start + departure - firsts[run.trip_id]
            slot = min(slot_for(moment), SLOT_COUNT - 1)
            level = forecasts.get(
                cell_key(
                    route_id=run.route_id,
                    direction_id=run.direction_id,
                    stop_id=stop_id,
                    day_type=kind,
                    slot=slot,
                )
            )
            if level is not None:
                updates.append((sequence, stop_gtfs, midnight + timedelta(seconds=moment), level))
        if not updates:
            continue
        entity = message.entity.add()
        entity.id = f"{run.gtfs_trip_id}-{run.start_date}-{run.start_time}"
        trip_update = entity.trip_update
        trip_update.trip.trip_id = run.gtfs_trip_id
        trip_update.trip.route_id = route_ids[run.route_id]
        trip_update.trip.direction_id = run.direction_id
        trip_update.trip.start_date = run.start_date
        if run.frequency_based:
            trip_update.trip.start_time = run.start_time
        trip_update.trip.schedule_relationship = gtfs_realtime_pb2.TripDescriptor.SCHEDULED
        for sequence, stop_gtfs, at, level in updates:
            update = trip_update.stop_time_update.add()
            update.stop_sequence = sequence
            update.stop_id = stop_gtfs
            # The timetabled time: this feed predicts crowding, not delays.
            update.departure.time = int(at.timestamp())
            update.departure_occupancy_status = (
                gtfs_realtime_pb2.VehiclePosition.OccupancyStatus.Value(
                    OCCUPANCY_STATUS[rounded_level(level)]
                )
            )
