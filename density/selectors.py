"""Reads of the density domain: services on a date, trip runs, departures and forecasts."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Max, Min, Q, QuerySet

from density import forecast, forecast_db
from density.cells import DAY_TYPES, cell_key, day_type_and_slot
from density.daytypes import services_running
from density.gtfs import format_time
from density.models import (
    Calendar,
    CalendarDate,
    CounterLink,
    CrowdReport,
    FavouriteLine,
    Feed,
    Forecast,
    Frequency,
    Route,
    RouteStop,
    Stop,
    StopTime,
    Trip,
    WeeklyAccuracy,
)
from sensors.selectors import readings_between

if TYPE_CHECKING:
    from civic.models import User

# GTFS times run past 24:00 into the next morning; no feed we know runs a trip past 48:00.
SERVICE_DAY_SECONDS = 48 * 3600


def feed_services_on(*, feed: Feed, day: date) -> set[str]:
    """The service ids of ``feed`` that run on ``day`` (its calendar and exceptions)."""
    calendars = [
        (calendar.service_id, calendar.weekdays, calendar.start_date, calendar.end_date)
        for calendar in Calendar.objects.filter(feed=feed, start_date__lte=day, end_date__gte=day)
    ]
    exceptions = CalendarDate.objects.filter(feed=feed, date=day).values_list(
        "service_id", "date", "exception_type"
    )
    return services_running(day, calendars=calendars, exceptions=exceptions)


def trips_on(*, feed: Feed, day: date) -> QuerySet[Trip]:
    """The trips of ``feed`` that run on ``day``."""
    return Trip.objects.filter(feed=feed, service_id__in=feed_services_on(feed=feed, day=day))


def route_direction_stops(*, route_id: int, direction_id: int) -> QuerySet[RouteStop]:
    """The stops of a route in one direction, in the order a passenger meets them."""
    return (
        RouteStop.objects.filter(pattern__route_id=route_id, pattern__direction_id=direction_id)
        .select_related("stop")
        .order_by("position")
    )


@dataclass(frozen=True)
class TripRun:
    """One run of a trip on a service day: a timetabled trip, or one repetition of a
    frequency-based trip (which GTFS-Realtime identifies by its start time and date)."""

    trip_id: int
    gtfs_trip_id: str
    route_id: int
    direction_id: int
    service_day: date
    start: int  # seconds since the service day's midnight, at the first stop
    frequency_based: bool

    @property
    def start_time(self) -> str:
        return format_time(self.start)

    @property
    def start_date(self) -> str:
        return f"{self.service_day:%Y%m%d}"


def frequency_starts(*, start: int, end: int, headway: int) -> range:
    """The start times of a frequency window's runs: every headway from start, before end."""
    return range(start, end, headway)


def trip_runs(
    *,
    feed: Feed,
    day: date,
    since: int = 0,
    until: int = SERVICE_DAY_SECONDS,
    trip_ids: Collection[int] | None = None,
) -> list[TripRun]:
    """The runs of ``feed``'s trips (or of ``trip_ids`` only) on service day ``day`` that start
    in [since, until) seconds after its midnight, in order."""
    trips = trips_on(feed=feed, day=day)
    if trip_ids is not None:
        trips = trips.filter(pk__in=trip_ids)
    firsts = dict(
        StopTime.objects.filter(trip__in=trips)
        .values("trip")
        .annotate(first=Min("departure"))
        .values_list("trip", "first")
    )
    windows: dict[int, list[Frequency]] = defaultdict(list)
    for frequency in Frequency.objects.filter(trip__in=trips):
        windows[frequency.trip_id].append(frequency)
    runs = []
    for trip in trips.only("id", "gtfs_id", "route_id", "direction_id"):
        first = firsts.get(trip.pk)
        if first is None:
            continue
        if trip.pk in windows:
            starts = [
                moment
                for window in windows[trip.pk]
                for moment in frequency_starts(
                    start=window.start, end=window.end, headway=window.headway
                )
            ]
        else:
            starts = [first]
        runs += [
            TripRun(
                trip_id=trip.pk,
                gtfs_trip_id=trip.gtfs_id,
                route_id=trip.route_id,
                direction_id=trip.direction_id,
                service_day=day,
                start=moment,
                frequency_based=trip.pk in windows,
            )
            for moment in starts
            if since <= moment < until
        ]
    return sorted(runs, key=lambda run: (run.start, run.gtfs_trip_id))


@dataclass(frozen=True)
class Departure:
    run: TripRun
    stop_sequence: int
    at: datetime


def feed_timezone(feed: Feed) -> ZoneInfo:
    agency = feed.agencies.order_by("pk").first()
    return ZoneInfo(agency.timezone if agency else "UTC")


def departures_from(*, stop: Stop, since: datetime, until: datetime) -> list[Departure]:
    """Every departure from ``stop`` between two instants, frequency-based runs expanded.

    A service day's midnight is taken as local midnight (GTFS says noon minus 12 h, which only
    differs on the two nights a year the clocks change).
    """
    zone = feed_timezone(stop.feed)
    local_since, local_until = since.astimezone(zone), until.astimezone(zone)
    departures = []
    day = local_since.date() - timedelta(days=1)  # yesterday's service runs past midnight
    while day <= local_until.date():
        midnight = datetime.combine(day, time(), tzinfo=zone)
        departures += _departures_on(
            stop=stop,
            day=day,
            midnight=midnight,
            since=int((local_since - midnight).total_seconds()),
            until=int((local_until - midnight).total_seconds()),
        )
        day += timedelta(days=1)
    return sorted(departures, key=lambda departure: departure.at)


def _departures_on(
    *, stop: Stop, day: date, midnight: datetime, since: int, until: int
) -> list[Departure]:
    if until <= 0 or since >= SERVICE_DAY_SECONDS:
        return []
    calls = {
        call.trip_id: call
        for call in StopTime.objects.filter(
            stop=stop,
            trip__in=trips_on(feed=stop.feed, day=day),
            departure__isnull=False,
            pickup_type__in=(0, 2, 3),
        )
    }
    if not calls:
        return []
    bounds = {
        trip: (first, last)
        for trip, first, last in StopTime.objects.filter(trip__in=calls)
        .values("trip")
        .annotate(first=Min("departure"), last=Max("stop_sequence"))
        .values_list("trip", "first", "last")
    }
    departures = []
    for run in trip_runs(feed=stop.feed, day=day, trip_ids=calls.keys()):
        call = calls[run.trip_id]
        first, last = bounds[run.trip_id]
        if call.departure is None or call.stop_sequence == last:  # a terminus: no departure
            continue
        moment = run.start + call.departure - first
        if since <= moment < until:
            departures.append(
                Departure(
                    run=run,
                    stop_sequence=call.stop_sequence,
                    at=midnight + timedelta(seconds=moment),
                )
            )
    return departures


@dataclass(frozen=True)
class CounterReading:
    """A passenger count placed on the network through its counter's link."""

    route_id: int
    direction_id: int | None  # None: a vehicle counter, either direction
    stop_id: int | None  # None: a vehicle counter
    vehicle: str
    time: datetime
    passengers: float


def counter_readings(
    *, since: datetime, until: datetime, route_id: int | None = None
) -> list[CounterReading]:
    """The ``passengers`` readings of every linked counter (of one route) in [since, until)."""
    links = CounterLink.objects.select_related("sensor").order_by("pk")
    if route_id is not None:
        links = links.filter(route_id=route_id)
    return [
        CounterReading(
            route_id=link.route_id,
            direction_id=link.direction_id,
            stop_id=link.stop_id,
            vehicle=link.vehicle,
            time=reading.time,
            passengers=reading.value,
        )
        for link in links
        for reading in readings_between(
            since=since, until=until, sensor=link.sensor, quantity="passengers"
        )
    ]


# Forecasts -----------------------------------------------------------------------------------

NOW_WINDOW = timedelta(minutes=20)


def forecast_for(
    *, route_id: int, direction_id: int, stop_id: int, at: datetime
) -> Forecast | None:
    """The stored forecast of the cell ``at`` falls in (its day type and quarter hour)."""
    day, slot = day_type_and_slot(at)
    key = cell_key(
        route_id=route_id, direction_id=direction_id, stop_id=stop_id, day_type=day, slot=slot
    )
    return Forecast.objects.filter(cell=key).first()


def line_forecasts(
    *, route_id: int, direction_id: int, day_type: str
) -> dict[int, dict[int, Forecast]]:
    """The forecasts of a line direction on a day type: stop id → slot → forecast."""
    result: dict[int, dict[int, Forecast]] = defaultdict(dict)
    for row in Forecast.objects.filter(
        route_id=route_id, direction_id=direction_id, day_type=day_type
    ).order_by():
        result[row.stop_id][row.slot] = row
    return dict(result)


def level_now(
    *, route_id: int, direction_id: int, stop_id: int, at: datetime
) -> forecast.NowLevel | None:
    """The level at a stop now: the forecast, moved by the last 20 minutes' reports and counts
    on the same line (when enough distinct devices sent them), see ``forecast.level_now``."""
    stops = [
        str(stop)
        for stop in route_direction_stops(route_id=route_id, direction_id=direction_id).values_list(
            "stop_id", flat=True
        )
    ]
    if str(stop_id) not in stops:
        return None
    line = (str(route_id), direction_id)
    network = forecast.Network({line: stops})
    day, slot = day_type_and_slot(at)
    engine_day = forecast.DAY_TYPES[[*DAY_TYPES].index(day)]
    cache: dict[int, Forecast | None] = {}

    def expected(cell: forecast.CellKey) -> forecast.CellForecast | None:
        observed_day = DAY_TYPES[[*forecast.DAY_TYPES].index(forecast.DayType(cell.day_type))]
        key = cell_key(
            route_id=int(cell.route),
            direction_id=cell.direction,
            stop_id=int(cell.stop),
            day_type=observed_day,
            slot=cell.slot,
        )
        if key not in cache:
            cache[key] = Forecast.objects.filter(cell=key).first()
        row = cache[key]
        return (
            None if row is None else forecast.CellForecast(row.level, row.confidence, row.samples)
        )

    def engine_cell(stop: int | None, moment: datetime) -> forecast.CellKey:
        observed_day, observed_slot = day_type_and_slot(moment)
        return forecast.CellKey(
            line[0],
            direction_id,
            str(stop),
            forecast.DAY_TYPES[[*DAY_TYPES].index(observed_day)],
            observed_slot,
        )

    reports = [
        forecast.Report(engine_cell(stop, observed_at), observed_at.timestamp(), level, device)
        for stop, level, observed_at, device in CrowdReport.objects.filter(
            route_id=route_id,
            direction_id=direction_id,
            observed_at__gt=at - NOW_WINDOW,
            observed_at__lte=at,
        ).values_list("stop_id", "level", "observed_at", "device_hash")
        if str(stop) in stops
    ]
    links = CounterLink.objects.filter(
        route_id=route_id, direction_id=direction_id, stop__isnull=False
    ).select_related("sensor")
    readings = [
        forecast.CounterReading(
            engine_cell(link.stop_id, moment), moment.timestamp(), passengers, str(link.pk)
        )
        for link in links
        if str(link.stop_id) in stops
        for moment, passengers in readings_between(
            since=at - NOW_WINDOW,
            until=at + timedelta(seconds=1),
            sensor=link.sensor,
            quantity="passengers",
        ).values_list("time", "value")
    ]
    return forecast.level_now(
        forecast.CellKey(line[0], direction_id, str(stop_id), engine_day, slot),
        at.timestamp(),
        forecast=expected,
        network=network,
        calibrations={line[0]: forecast_db.route_calibration(route_id)} if readings else {},
        reliability={str(link.pk): link.reliability for link in links},
        settings=forecast.ForecastSettings(k_anonymity=settings.CIVIC_DENSITY_K_ANONYMITY),
        reports=reports,
        counter_readings=readings,
    )


# Pages ---------------------------------------------------------------------------------------

FIRST_HOUR, LAST_HOUR = 5, 24


@dataclass(frozen=True)
class StopRow:
    stop: Stop
    hours: list[int | None]  # the rounded expected level of each hour, None: not enough data
    now: int | None


def line_day_table(
    *, route_id: int, direction_id: int, day_type: str, at: datetime | None = None
) -> list[StopRow]:
    """Each stop of a line direction, in order, with its expected level hour by hour (the mean
    of the hour's quarters) and, when ``at`` is given, the level now."""
    forecasts = line_forecasts(route_id=route_id, direction_id=direction_id, day_type=day_type)
    rows = []
    for route_stop in route_direction_stops(route_id=route_id, direction_id=direction_id):
        slots = forecasts.get(route_stop.stop_id, {})
        hours: list[int | None] = []
        for hour in range(FIRST_HOUR, LAST_HOUR):
            levels = [slots[s].level for s in range(hour * 4, hour * 4 + 4) if s in slots]
            hours.append(forecast.rounded_level(sum(levels) / len(levels)) if levels else None)
        now = None
        if at is not None:
            level = level_now(
                route_id=route_id, direction_id=direction_id, stop_id=route_stop.stop_id, at=at
            )
            now = level.rounded if level else None
        rows.append(StopRow(stop=route_stop.stop, hours=hours, now=now))
    return rows


@dataclass(frozen=True)
class RatedDeparture:
    departure: Departure
    level: int | None
    quieter: bool = False


def departures_with_levels(
    *,
    stop: Stop,
    since: datetime,
    until: datetime,
    route_id: int | None = None,
    direction_id: int | None = None,
) -> list[RatedDeparture]:
    """The departures from ``stop`` in [since, until) (of one line direction), each with the
    expected level when leaving the stop."""
    result = []
    for departure in departures_from(stop=stop, since=since, until=until):
        run = departure.run
        if route_id is not None and run.route_id != route_id:
            continue
        if direction_id is not None and run.direction_id != direction_id:
            continue
        row = forecast_for(
            route_id=run.route_id, direction_id=run.direction_id, stop_id=stop.pk, at=departure.at
        )
        result.append(RatedDeparture(departure, forecast.rounded_level(row.level) if row else None))
    return result


def quieter_departures(
    *, stop: Stop, route_id: int, direction_id: int, at: datetime
) -> tuple[RatedDeparture | None, list[RatedDeparture]]:
    """The departure nearest to ``at`` and every departure within ±30 minutes, those expected
    quieter than the nearest one marked."""
    window = timedelta(minutes=30)
    rated = departures_with_levels(
        stop=stop,
        since=at - window,
        until=at + window,
        route_id=route_id,
        direction_id=direction_id,
    )
    if not rated:
        return None, []
    nearest = min(rated, key=lambda r: abs((r.departure.at - at).total_seconds()))
    if nearest.level is None:
        return nearest, rated
    return nearest, [
        RatedDeparture(r.departure, r.level, r.level is not None and r.level < nearest.level)
        for r in rated
    ]


@dataclass(frozen=True)
class Accuracy:
    reports: int
    mean_absolute_error: float | None
    exact_share: float | None


def forecast_accuracy(*, since: datetime, route_id: int | None = None) -> Accuracy:
    """How far the current forecasts are from the reports made since ``since`` (in levels),
    and how often they name the same level."""
    reports = CrowdReport.objects.filter(observed_at__gte=since)
    if route_id is not None:
        reports = reports.filter(route_id=route_id)
    pairs = list(reports.values_list("cell", "level"))
    levels = (
        dict(
            Forecast.objects.filter(cell__in={cell for cell, _level in pairs}).values_list(
                "cell", "level"
            )
        )
        if len(pairs) < 20_000
        else {}
    )
    errors = [
        (abs(levels[cell] - level), forecast.rounded_level(levels[cell]) == level)
        for cell, level in pairs
        if cell in levels
    ]
    if not errors:
        return Accuracy(0, None, None)
    return Accuracy(
        len(errors),
        sum(e for e, _exact in errors) / len(errors),
        sum(1 for _e, exact in errors if exact) / len(errors),
    )


# Picking a line --------------------------------------------------------------------------------

NEAR_METRES = 1500


def distance_metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Equirectangular distance: exact enough within a city, and cheap."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6_371_000 * math.hypot(x, y)


def _near(latitude: float, longitude: float, metres: float, *, prefix: str = "") -> Q:
    """A box around a place, for the (latitude, longitude) index."""
    dlat = metres / 111_000
    dlon = metres / (111_000 * max(math.cos(math.radians(latitude)), 0.01))
    return Q(
        **{
            f"{prefix}latitude__range": (latitude - dlat, latitude + dlat),
            f"{prefix}longitude__range": (longitude - dlon, longitude + dlon),
        }
    )


@dataclass(frozen=True)
class NearbyLine:
    route: Route
    stop: Stop
    metres: int


def lines_near(
    *, latitude: float, longitude: float, limit: int = 5, metres: float = NEAR_METRES
) -> list[NearbyLine]:
    """The lines calling within ``metres`` of a place, nearest stop first."""
    rows = RouteStop.objects.filter(
        _near(latitude, longitude, metres, prefix="stop__")
    ).values_list("pattern__route_id", "stop_id", "stop__latitude", "stop__longitude")
    best: dict[int, tuple[float, int]] = {}
    for route_id, stop_id, lat, lon in rows:
        if lat is None or lon is None:
            continue
        distance = distance_metres(latitude, longitude, lat, lon)
        if distance <= metres and distance < best.get(route_id, (math.inf, 0))[0]:
            best[route_id] = (distance, stop_id)
    chosen = sorted(best.items(), key=lambda item: item[1][0])[:limit]
    routes = Route.objects.in_bulk([route_id for route_id, _best in chosen])
    stops = Stop.objects.in_bulk([stop_id for _route, (_d, stop_id) in chosen])
    return [
        NearbyLine(routes[route_id], stops[stop_id], round(distance))
        for route_id, (distance, stop_id) in chosen
    ]


def stops_by_distance(
    stops: list[Stop], *, latitude: float | None, longitude: float | None
) -> list[tuple[Stop, int | None]]:
    """The stops of a line, nearest first when the place is known (else in line order)."""
    if latitude is None or longitude is None:
        return [(stop, None) for stop in stops]
    measured = [
        (
            stop,
            None
            if stop.latitude is None or stop.longitude is None
            else round(distance_metres(latitude, longitude, stop.latitude, stop.longitude)),
        )
        for stop in stops
    ]
    return sorted(measured, key=lambda item: math.inf if item[1] is None else item[1])


def lines_matching(query: str) -> QuerySet[Route]:
    """The lines whose short or long name contains ``query`` (all of them when empty)."""
    routes = Route.objects.all()
    if query:
        routes = routes.filter(Q(short_name__icontains=query) | Q(long_name__icontains=query))
    return routes


def lines_by_ids(ids: list[int]) -> list[Route]:
    """The lines of ``ids`` that still exist, in that order."""
    found = Route.objects.in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def favourite_lines(*, user: User) -> list[Route]:
    return [
        favourite.route
        for favourite in FavouriteLine.objects.filter(user=user).select_related("route")
    ]


def is_favourite(*, user: User, route: Route) -> bool:
    return FavouriteLine.objects.filter(user=user, route=route).exists()


def weekly_accuracy(*, route_id: int | None = None, weeks: int = 8) -> list[WeeklyAccuracy]:
    """The last ``weeks`` weekly scores of the published forecast, latest first: of one line,
    or of every line together (``route_id`` None)."""
    scores = WeeklyAccuracy.objects.order_by("-week")
    scores = (
        scores.filter(route__isnull=True) if route_id is None else scores.filter(route_id=route_id)
    )
    return list(scores[:weeks])
