"""Writes of the density domain: importing the network, crowd reports, forecast rebuilds."""

from __future__ import annotations

import hashlib
import time
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import connection, models, transaction
from django.db.models import Max
from django.db.models.deletion import ProtectedError
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from civic.actors import Actor
from civic.errors import CivicError, InvalidInput, NotAllowed
from density import forecast, forecast_db, gtfs
from density.bulk import insert_rows as _insert
from density.cells import EngineNetwork, cell_key, day_type_and_slot
from density.models import (
    Agency,
    Calendar,
    CalendarDate,
    CounterLink,
    CrowdReport,
    DirtyCell,
    ExcludedDevice,
    FavouriteLine,
    Feed,
    Forecast,
    ForecastRun,
    Frequency,
    PublishedForecast,
    Route,
    RoutePattern,
    RouteStop,
    Stop,
    StopTime,
    Trip,
    WeeklyAccuracy,
)
from sensors.selectors import readings_between

BATCH = 2000
M = TypeVar("M", bound=models.Model)


@dataclass
class TableCount:
    total: int
    # None for tables rebuilt whole at each import (stop times, frequencies, stops of a line).
    created: int | None = None
    removed: int | None = None


@dataclass
class ImportSummary:
    feed: Feed
    counts: dict[str, TableCount] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def feed_code_for(path: Path) -> str:
    """The default feed code: the folder's or the zip's name."""
    return slugify(path.stem if path.is_file() else path.name)[:64]


def gtfs_import(*, actor: Actor, path: Path, feed_code: str | None = None) -> ImportSummary:
    """Load the GTFS feed at ``path`` (a zip or a folder), updating the feed's rows in place.

    Rows are matched on their GTFS ids within the feed; rows the new feed no longer has are
    removed. The whole feed is read and checked before anything is written, in one transaction:
    a faulty feed (``gtfs.GtfsError``) changes nothing.
    """
    parsed = gtfs.read_feed(path)
    code = feed_code or feed_code_for(path)
    if not code:
        raise InvalidInput(_("A feed needs a code (letters, digits, dashes)."), field="feed_code")
    with transaction.atomic():
        summary = _write(parsed, code=code, source=str(path))
    summary.warnings = parsed.warnings
    return summary


def _write(parsed: gtfs.GtfsFeed, *, code: str, source: str) -> ImportSummary:
    Feed.objects.get_or_create(code=code)
    # Two imports of one feed at once would each remove the other's rows: the second waits.
    feed = Feed.objects.select_for_update().get(code=code)
    feed.source = source
    feed.name = feed.name or ", ".join(agency.name for agency in parsed.agencies)[:200]
    feed.imported_at = timezone.now()
    feed.save()
    summary = ImportSummary(feed=feed)
    counts = summary.counts

    agencies, counts["agencies"] = _sync(
        Agency,
        [
            Agency(
                feed=feed,
                gtfs_id=row.gtfs_id,
                name=row.name,
                url=row.url,
                timezone=row.timezone,
                lang=row.lang,
                phone=row.phone,
            )
            for row in parsed.agencies
        ],
        scope=Agency.objects.filter(feed=feed),
        unique=["feed", "gtfs_id"],
        key=["gtfs_id"],
        update=["name", "url", "timezone", "lang", "phone"],
    )
    stops, counts["stops"] = _sync(
        Stop,
        [
            Stop(
                feed=feed,
                gtfs_id=row.gtfs_id,
                code=row.code,
                name=row.name,
                latitude=row.latitude,
                longitude=row.longitude,
                location_type=row.location_type,
                parent=None,
                platform_code=row.platform_code,
            )
            for row in parsed.stops
        ],
        scope=Stop.objects.filter(feed=feed),
        unique=["feed", "gtfs_id"],
        key=["gtfs_id"],
        update=[
            "code",
            "name",
            "latitude",
            "longitude",
            "location_type",
            "parent",
            "platform_code",
        ],
    )
    children = [
        Stop(pk=stops[(row.gtfs_id,)], parent_id=stops[(row.parent_id,)])
        for row in parsed.stops
        if row.parent_id
    ]
    Stop.objects.bulk_update(children, ["parent"], batch_size=BATCH)
    routes, counts["routes"] = _sync(
        Route,
        [
            Route(
                feed=feed,
                gtfs_id=row.gtfs_id,
                agency_id=agencies[(row.agency_id,)],
                short_name=row.short_name,
                long_name=row.long_name,
                route_type=row.route_type,
                color=row.color,
                text_color=row.text_color,
                sort_order=row.sort_order,
            )
            for row in parsed.routes
        ],
        scope=Route.objects.filter(feed=feed),
        unique=["feed", "gtfs_id"],
        key=["gtfs_id"],
        update=[
            "agency",
            "short_name",
            "long_name",
            "route_type",
            "color",
            "text_color",
            "sort_order",
        ],
    )
    _unused, counts["calendars"] = _sync(
        Calendar,
        [
            Calendar(
                feed=feed,
                service_id=row.service_id,
                monday=row.weekdays[0],
                tuesday=row.weekdays[1],
                wednesday=row.weekdays[2],
                thursday=row.weekdays[3],
                friday=row.weekdays[4],
                saturday=row.weekdays[5],
                sunday=row.weekdays[6],
                start_date=row.start_date,
                end_date=row.end_date,
            )
            for row in parsed.calendars
        ],
        scope=Calendar.objects.filter(feed=feed),
        unique=["feed", "service_id"],
        key=["service_id"],
        update=[*gtfs.WEEKDAYS, "start_date", "end_date"],
    )
    _unused, counts["calendar dates"] = _sync(
        CalendarDate,
        [
            CalendarDate(
                feed=feed,
                service_id=row.service_id,
                date=row.date,
                exception_type=row.exception_type,
            )
            for row in parsed.calendar_dates
        ],
        scope=CalendarDate.objects.filter(feed=feed),
        unique=["feed", "service_id", "date"],
        key=["service_id", "date"],
        update=["exception_type"],
    )
    trips, counts["trips"] = _sync(
        Trip,
        [
            Trip(
                feed=feed,
                gtfs_id=row.gtfs_id,
                route_id=routes[(row.route_id,)],
                service_id=row.service_id,
                headsign=row.headsign,
                short_name=row.short_name,
                direction_id=row.direction_id,
                block_id=row.block_id,
                shape_id=row.shape_id,
            )
            for row in parsed.trips
        ],
        scope=Trip.objects.filter(feed=feed),
        unique=["feed", "gtfs_id"],
        key=["gtfs_id"],
        update=[
            "route",
            "service_id",
            "headsign",
            "short_name",
            "direction_id",
            "block_id",
            "shape_id",
        ],
    )
    # Stop times and frequencies have no identity of their own worth keeping: rebuilt whole.
    StopTime.objects.filter(trip__feed=feed).delete()
    _insert(
        StopTime,
        [
            "trip_id",
            "stop_id",
            "stop_sequence",
            "arrival",
            "departure",
            "headsign",
            "pickup_type",
            "drop_off_type",
        ],
        (
            (
                trips[(row.trip_id,)],
                stops[(row.stop_id,)],
                row.stop_sequence,
                row.arrival,
                row.departure,
                row.headsign,
                row.pickup_type,
                row.drop_off_type,
            )
            for row in parsed.stop_times
        ),
    )
    counts["stop times"] = TableCount(total=len(parsed.stop_times))
    Frequency.objects.filter(trip__feed=feed).delete()
    Frequency.objects.bulk_create(
        [
            Frequency(
                trip_id=trips[(row.trip_id,)],
                start=row.start,
                end=row.end,
                headway=row.headway,
                exact_times=row.exact_times,
            )
            for row in parsed.frequencies
        ],
        batch_size=BATCH,
    )
    counts["frequencies"] = TableCount(total=len(parsed.frequencies))
    _write_patterns(parsed, feed=feed, routes=routes, stops=stops, counts=counts)
    return summary


def _write_patterns(
    parsed: gtfs.GtfsFeed,
    *,
    feed: Feed,
    routes: dict[tuple[Any, ...], int],
    stops: dict[tuple[Any, ...], int],
    counts: dict[str, TableCount],
) -> None:
    directions = route_directions(parsed)
    patterns, counts["line directions"] = _sync(
        RoutePattern,
        [
            RoutePattern(
                route_id=routes[(route_id,)],
                direction_id=direction_id,
                headsign=direction.headsign,
                trip_count=direction.trip_count,
            )
            for (route_id, direction_id), direction in directions.items()
        ],
        scope=RoutePattern.objects.filter(route__feed=feed),
        unique=["route", "direction_id"],
        key=["route_id", "direction_id"],
        update=["headsign", "trip_count"],
    )
    RouteStop.objects.filter(pattern__route__feed=feed).delete()
    route_stops = [
        (
            patterns[(routes[(route_id,)], direction_id)],
            position,
            stops[(stop_id,)],
            direction.calls[stop_id],
        )
        for (route_id, direction_id), direction in directions.items()
        for position, stop_id in enumerate(direction.stops)
    ]
    _insert(RouteStop, ["pattern_id", "position", "stop_id", "trip_count"], route_stops)
    counts["stops of lines"] = TableCount(total=len(route_stops))


@dataclass
class Direction:
    """A route direction as derived from its trips: stops in order, and how often each is served."""

    stops: list[str]
    calls: Counter[str]
    trip_count: int
    headsign: str


def route_directions(parsed: gtfs.GtfsFeed) -> dict[tuple[str, int], Direction]:
    """Each (route id, direction id)'s stop sequence, from the most common trip pattern first."""
    calls_by_trip: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for call in parsed.stop_times:
        calls_by_trip[call.trip_id].append((call.stop_sequence, call.stop_id))
    shapes: dict[tuple[str, int], Counter[tuple[str, ...]]] = defaultdict(Counter)
    headsigns: dict[tuple[str, int], Counter[str]] = defaultdict(Counter)
    for trip in parsed.trips:
        trip_calls = calls_by_trip.get(trip.gtfs_id)
        if not trip_calls:
            continue
        key = (trip.route_id, trip.direction_id)
        shapes[key][_once(stop for _sequence, stop in sorted(trip_calls))] += 1
        if trip.headsign:
            headsigns[key][trip.headsign] += 1
    names = {stop.gtfs_id: stop.name for stop in parsed.stops}
    directions = {}
    for key, counter in shapes.items():
        # Most trips first; ties go to the longer pattern, then the ids, so the order is stable.
        ranked = sorted(counter.items(), key=lambda item: (-item[1], -len(item[0]), item[0]))
        order = _merge([pattern for pattern, _count in ranked])
        calls: Counter[str] = Counter()
        for pattern, count in ranked:
            for stop in pattern:
                calls[stop] += count
        headsign = headsigns[key].most_common(1)[0][0] if headsigns[key] else names[order[-1]]
        directions[key] = Direction(
            stops=order, calls=calls, trip_count=sum(counter.values()), headsign=headsign
        )
    return directions


def _once(stops: Any) -> tuple[str, ...]:
    """The stops in order, each kept at its first call (a loop calls at its terminus twice)."""
    return tuple(dict.fromkeys(stops))


def _merge(patterns: Sequence[tuple[str, ...]]) -> list[str]:
    """The first pattern, with the stops of the others slotted in after the stop they follow."""
    order = list(patterns[0])
    known = set(order)
    for pattern in patterns[1:]:
        previous: str | None = None
        for index, stop in enumerate(pattern):
            if stop not in known:
                if previous is not None:
                    at = order.index(previous) + 1
                else:
                    following = next((s for s in pattern[index + 1 :] if s in known), None)
                    at = order.index(following) if following is not None else len(order)
                order.insert(at, stop)
                known.add(stop)
            previous = stop
    return order


def _sync(
    model: type[M],
    objects: list[M],
    *,
    scope: models.QuerySet[M],
    unique: list[str],
    key: list[str],
    update: list[str],
) -> tuple[dict[tuple[Any, ...], int], TableCount]:
    """Upsert ``objects`` on their ``unique`` fields, remove the rest of ``scope``.

    ``key`` names the same fields as read back (``route_id`` for ``route``, no ``feed``: the scope
    is one feed). Returns each key's primary key, and the counts.
    """
    existing = _keys(scope, key)
    wanted = {tuple(getattr(obj, name) for name in key) for obj in objects}
    model._default_manager.bulk_create(
        objects, batch_size=BATCH, update_conflicts=True, unique_fields=unique, update_fields=update
    )
    stale = [pk for item, pk in existing.items() if item not in wanted]
    for start in range(0, len(stale), BATCH):
        try:
            scope.filter(pk__in=stale[start : start + BATCH]).delete()
        except ProtectedError as exc:
            blocker = next(iter(exc.protected_objects))
            raise InvalidInput(
                _("%(blocker)s points at a %(model)s the new feed no longer has: remove it first.")
                % {"model": model._meta.verbose_name, "blocker": blocker}
            ) from exc
    mapping = _keys(scope, key)
    return mapping, TableCount(
        total=len(mapping), created=len(wanted - existing.keys()), removed=len(stale)
    )


def _keys(scope: models.QuerySet[Any], key: list[str]) -> dict[tuple[Hashable, ...], int]:
    return {tuple(row[:-1]): row[-1] for row in scope.values_list(*key, "pk")}


# Forecast rebuild ----------------------------------------------------------------------------


@dataclass
class RebuildResult:
    run: ForecastRun
    touched: int


def forecast_rebuild(*, full: bool = False, recalibrate: bool = False) -> RebuildResult:
    """Bring the stored forecasts up to date with the reports and counts received since the last
    run: only the cells that gained or lost data, and their neighbours, are recomputed, unless
    ``full`` (or nothing was ever built). Gives exactly what a full rebuild gives (the engine's
    statistics are stored per cell, and recomputed from each touched cell's own rows).

    ``recalibrate`` learns again how counters translate into levels (nightly) and recomputes the
    counter cells of every route whose calibration moved.
    """
    started = timezone.now()
    clock = time.perf_counter()
    outermost = connection.get_autocommit()  # not inside a caller's transaction
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            # Derived data, written with its run row in one transaction: a crash right after the
            # commit loses both, and the next run redoes the work. So the commit need not wait
            # for the write-ahead log to reach the disk (seconds after a big rebuild).
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        last = ForecastRun.objects.select_for_update().first()
        full = full or last is None
        net = EngineNetwork()
        engine = forecast_db.engine_settings()
        last_report_id = CrowdReport.objects.aggregate(last=Max("pk"))["last"] or 0
        dirty = list(DirtyCell.objects.values_list("cell", flat=True))
        stored = forecast_db.calibrations()
        if full:
            reports = forecast_db.report_arrays(net, forecast_db.report_rows())
            counters = forecast_db.counter_arrays(net, forecast_db.all_counter_rows(started))
            archive = forecast_db.statistics(net, archived=True)
            table = forecast.cell_statistics(reports, counters, engine, archive=archive)
            forecast_db.statistics_replace(net, table, archived=False, cells=None)
            touched = table.codes
        else:
            assert last is not None
            new_cells = CrowdReport.objects.filter(
                pk__gt=last.last_report_id, pk__lte=last_report_id
            ).values_list("cell", flat=True)
            counter_rows = forecast_db.all_counter_rows(started)
            keys = np.unique(
                np.array([*new_cells, *dirty, *forecast_db.counter_changes(counter_rows)], np.int64)
            )
            codes, known = net.codes(keys)
            touched = np.sort(codes[known])
            keys = keys[known]
            key_list = keys.tolist()
            # The forecasts to redo read the statistics of their own neighbours only.
            needed = (
                net.network.neighbourhood(net.network.neighbourhood(touched, engine), engine)
                if len(touched)
                else touched
            )
            table = forecast_db.statistics(
                net,
                archived=False,
                cells=None
                if recalibrate or len(needed) > forecast_db.PARTIAL_LOAD_LIMIT
                else net.keys(needed).tolist(),
            )
            fresh = forecast.cell_statistics(
                forecast_db.report_arrays(net, forecast_db.report_rows(cells=key_list)),
                forecast_db.counter_arrays(net, counter_rows, cells=keys),
                engine,
                archive=forecast_db.statistics(net, archived=True, cells=key_list),
            )
            table = table.replace_cells(touched, fresh)
            forecast_db.statistics_replace(net, fresh, archived=False, cells=key_list)
        calibrations = stored
        if recalibrate:
            calibrations = forecast.fit_calibrations(table, net.network, engine)
            moved = {
                route
                for route in set(calibrations) | set(stored)
                if calibrations.get(route) != stored.get(route)
            }
            forecast_db.calibrations_store(calibrations)
            if moved and not full:
                routes = np.array([route in moved for route, _direction in net.network.lines])
                lines = net.network.line_of(table.codes)
                counter_cells = table.codes[(table.counter_strength > 0) & routes[lines]]
                touched = np.unique(np.concatenate([touched, counter_cells]))
        effective = forecast_db.effective_calibrations(net)
        effective.update(calibrations)
        targets = net.network.neighbourhood(touched, engine) if len(touched) else touched
        forecasts = forecast.compute_forecasts(targets, table, net.network, effective, engine)
        forecast_db.forecasts_replace(
            net, forecasts, cells=None if full else net.keys(targets).tolist()
        )
        for part in forecast_db.chunks(dirty):
            DirtyCell.objects.filter(cell__in=part).delete()
        run = ForecastRun.objects.create(
            started_at=started,
            full=full,
            last_report_id=last_report_id,
            counters_until=started,
            cells_recomputed=len(targets),
            forecasts=Forecast.objects.count(),
            seconds=time.perf_counter() - clock,
        )
    return RebuildResult(run=run, touched=len(touched))


def crowd_reports_fold(*, before: datetime) -> int:
    """Fold the reports observed before ``before`` into per-cell totals, then delete them.

    What they taught the forecast is kept (level counts and recency weights, how many distinct
    devices: never which); the next rebuild recomputes their cells. Returns how many were folded.
    """
    with transaction.atomic():
        net = EngineNetwork()
        engine = forecast_db.engine_settings()
        rows = forecast_db.report_rows(before=before)
        if not rows:
            return 0
        keys = np.unique(np.array([row[0] for row in rows], np.int64))
        _codes, known = net.codes(keys)
        key_list = keys[known].tolist()
        folded = forecast.cell_statistics(
            forecast_db.report_arrays(net, rows),
            forecast_db.counter_arrays(net, []),
            engine,
            archive=forecast_db.statistics(net, archived=True, cells=key_list),
        )
        folded.first_devices[:] = -1
        forecast_db.statistics_replace(net, folded, archived=True, cells=key_list)
        _mark_dirty(keys.tolist())
        deleted, _by_model = CrowdReport.objects.filter(observed_at__lt=before).delete()
    return deleted


def crowd_reports_retention() -> int:
    """The nightly fold of reports past ``CIVIC_DENSITY_RAW_RETENTION_DAYS``."""
    days = settings.CIVIC_DENSITY_RAW_RETENTION_DAYS
    return crowd_reports_fold(before=timezone.now() - timedelta(days=days))


def device_exclude(*, actor: Actor, device_hash: str, reason: str) -> int:
    """Staff exclude a device token (abuse): its kept reports are deleted, later ones refused."""
    if not reason.strip():
        raise InvalidInput(_("Say why this device is excluded."), field="reason")
    with transaction.atomic():
        ExcludedDevice.objects.get_or_create(device_hash=device_hash, defaults={"reason": reason})
        reports = CrowdReport.objects.filter(device_hash=device_hash)
        _mark_dirty(list(reports.values_list("cell", flat=True).distinct()))
        deleted, _by_model = reports.delete()
    return deleted


def _mark_dirty(cells: list[int]) -> None:
    DirtyCell.objects.bulk_create(
        [DirtyCell(cell=cell) for cell in set(cells)], ignore_conflicts=True, batch_size=BATCH
    )


# Crowd reports -------------------------------------------------------------------------------

REPEAT_WINDOW = timedelta(minutes=10)
MAX_AGE = timedelta(hours=2)
# A phone's clock a little ahead of the server's is not "in the future".
CLOCK_SKEW = timedelta(minutes=2)
RATE_WINDOW_SECONDS = 3600


class TooManyReports(CivicError):
    status_code = 429
    code = "throttled"


def device_hash_of(token: str) -> str:
    """What is stored of a device token: its SHA-256, never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


def _rate_limit(key: str, limit: int) -> None:
    cache.add(key, 0, RATE_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, RATE_WINDOW_SECONDS)
        count = 1
    if count > limit:
        raise TooManyReports(
            _("You have sent many reports in the last hour. Please try again later.")
        )


def crowd_report_submit(
    *,
    actor: Actor,
    route: Route,
    direction: int,
    stop: Stop,
    level: int,
    observed_at: datetime,
    device_token: str,
    ip: str = "",
) -> CrowdReport:
    """Record how crowded a passenger found ``route`` in ``direction`` at ``stop``.

    Refuses a stop not on the line in that direction, a moment in the future or more than two
    hours ago, and a level outside the five. A report of the same device on the same line and
    direction within ten minutes is the same trip: it replaces the earlier one. Rate limited per
    device and per IP address (``CIVIC_DENSITY_REPORTS_PER_HOUR``, per device and ten times that
    per address). Nothing about the person is stored: only the device token's hash.
    """
    if level not in CrowdReport.Level.values:
        raise InvalidInput(_("Choose one of the five crowding levels."), field="level")
    if not RouteStop.objects.filter(
        pattern__route=route, pattern__direction_id=direction, stop=stop
    ).exists():
        raise InvalidInput(
            _("The stop %(stop)s is not on line %(line)s in this direction.")
            % {"stop": stop.name or stop.gtfs_id, "line": route.short_name or route.long_name},
            field="stop",
        )
    now = timezone.now()
    if observed_at > now + CLOCK_SKEW:
        raise InvalidInput(_("This time is in the future."), field="observed_at")
    if observed_at < now - MAX_AGE:
        raise InvalidInput(
            _("Crowding can be reported up to two hours afterwards."), field="observed_at"
        )
    if not device_token:
        raise InvalidInput(_("This device has no token: allow cookies."), field="device_token")
    device_hash = device_hash_of(device_token)
    if ExcludedDevice.objects.filter(device_hash=device_hash).exists():
        raise NotAllowed(_("Reports from this device are no longer accepted."))
    per_hour = settings.CIVIC_DENSITY_REPORTS_PER_HOUR
    _rate_limit(f"density:reports:device:{device_hash}", per_hour)
    if ip:
        _rate_limit(f"density:reports:ip:{ip}", per_hour * 10)
    day, slot = day_type_and_slot(observed_at)
    with transaction.atomic():
        repeats = CrowdReport.objects.select_for_update().filter(
            device_hash=device_hash,
            route=route,
            direction_id=direction,
            observed_at__gt=observed_at - REPEAT_WINDOW,
            observed_at__lt=observed_at + REPEAT_WINDOW,
        )
        _mark_dirty(list(repeats.values_list("cell", flat=True)))
        repeats.delete()
        return CrowdReport.objects.create(
            route=route,
            direction_id=direction,
            stop=stop,
            level=level,
            observed_at=observed_at,
            channel=actor.channel,
            device_hash=device_hash,
            device=forecast.device_id(device_hash),
            cell=cell_key(
                route_id=route.pk, direction_id=direction, stop_id=stop.pk, day_type=day, slot=slot
            ),
        )


def favourite_line_set(*, actor: Actor, route: Route, favourite: bool) -> bool:
    """Keep ``route`` among the signed-in resident's favourite lines, or stop keeping it.
    Returns whether it is a favourite now. Never linked to crowd reports, which stay anonymous."""
    if actor.user is None:
        raise NotAllowed(_("Sign in to keep favourite lines."))
    if favourite:
        FavouriteLine.objects.get_or_create(user=actor.user, route=route)
    else:
        FavouriteLine.objects.filter(user=actor.user, route=route).delete()
    return favourite


RELIABILITY_HISTORY = timedelta(days=28)
# A reading and a report at the same stop this close in time saw the same vehicles.
RELIABILITY_PAIRING = timedelta(minutes=10)


def counter_reliability_update(*, now: datetime | None = None) -> dict[int, float]:
    """Learn again how far each stop counter can be trusted: its readings of the last four weeks,
    translated into levels by its route's calibration, against the levels passengers reported
    at the same line, direction and stop within ten minutes (``forecast.counter_reliability``).
    Returns counter link id → reliability. The next full rebuild weighs its readings so."""
    now = now or timezone.now()
    since = now - RELIABILITY_HISTORY
    result: dict[int, float] = {}
    for link in CounterLink.objects.filter(stop__isnull=False).select_related("sensor"):
        assert link.direction_id is not None and link.stop_id is not None  # the constraint
        calibration = forecast_db.route_calibration(link.route_id)
        reports = list(
            CrowdReport.objects.filter(
                route_id=link.route_id,
                direction_id=link.direction_id,
                stop_id=link.stop_id,
                observed_at__gte=since - RELIABILITY_PAIRING,
            )
            .order_by("observed_at")
            .values_list("observed_at", "level")
        )
        pairs: list[tuple[float, float]] = []
        first = 0
        for moment, passengers in readings_between(
            since=since, until=now, sensor=link.sensor, quantity="passengers"
        ).values_list("time", "value"):
            while first < len(reports) and reports[first][0] < moment - RELIABILITY_PAIRING:
                first += 1
            near = (
                [
                    level
                    for observed_at, level in reports[first:]
                    if observed_at <= moment + RELIABILITY_PAIRING
                ]
                if first < len(reports)
                else []
            )
            if near:
                pairs.append((calibration.level(passengers), sum(near) / len(near)))
        link.reliability = forecast.counter_reliability(pairs)
        link.reliability_pairs = len(pairs)
        link.save(update_fields=["reliability", "reliability_pairs"])
        result[link.pk] = link.reliability
    return result


# Weekly accuracy of the published forecast ---------------------------------------------------


def week_of(moment: datetime) -> date:
    """The Monday (local time) of the week ``moment`` falls in."""
    day = timezone.localdate(moment)
    return day - timedelta(days=day.weekday())


def _week_bounds(week: date) -> tuple[datetime, datetime]:
    since = timezone.make_aware(datetime.combine(week, datetime.min.time()))
    return since, timezone.make_aware(
        datetime.combine(week + timedelta(days=7), datetime.min.time())
    )


def forecast_publish_week(*, week: date) -> int:
    """Keep what the forecast publishes now as that of ``week``, to score it once the week is
    over. One INSERT … SELECT: a big network's forecasts never pass through Python."""
    published, forecasts = PublishedForecast._meta.db_table, Forecast._meta.db_table
    with transaction.atomic():
        PublishedForecast.objects.filter(week=week).delete()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {published} (week, cell, route_id, level) "  # noqa: S608
                f"SELECT %s, cell, route_id, level FROM {forecasts}",
                [week],
            )
            return cursor.rowcount


def _published_levels(week: date, cells: set[int]) -> dict[int, float]:
    levels: dict[int, float] = {}
    for chunk in forecast_db.chunks(sorted(cells)):
        levels.update(
            PublishedForecast.objects.filter(week=week, cell__in=chunk).values_list("cell", "level")
        )
    return levels


def forecast_accuracy_score(*, week: date) -> list[WeeklyAccuracy]:
    """Score the forecast published for ``week`` against that week's reports and stop counter
    readings (in levels, through each route's calibration): per line and for every line."""
    since, until = _week_bounds(week)
    observed: list[tuple[int, int, float, str]] = [
        (route_id, cell, float(level), "report")
        for route_id, cell, level in CrowdReport.objects.filter(
            observed_at__gte=since, observed_at__lt=until
        ).values_list("route_id", "cell", "level")
    ]
    for link in CounterLink.objects.filter(stop__isnull=False).select_related("sensor"):
        assert link.direction_id is not None and link.stop_id is not None  # the constraint
        calibration = forecast_db.route_calibration(link.route_id)
        for moment, passengers in readings_between(
            since=since, until=until, sensor=link.sensor, quantity="passengers"
        ).values_list("time", "value"):
            day, slot = day_type_and_slot(moment)
            cell = cell_key(
                route_id=link.route_id,
                direction_id=link.direction_id,
                stop_id=link.stop_id,
                day_type=day,
                slot=slot,
            )
            observed.append((link.route_id, cell, calibration.level(passengers), "counter"))
    published = _published_levels(week, {cell for _route, cell, _level, _kind in observed})
    scores: dict[int | None, list[tuple[float, bool, str]]] = defaultdict(list)
    for line_id, cell, level, kind in observed:
        if cell in published:
            score = (
                abs(published[cell] - level),
                forecast.rounded_level(published[cell]) == forecast.rounded_level(level),
                kind,
            )
            scores[line_id].append(score)
            scores[None].append(score)
    result = []
    for route_id, rows in scores.items():
        figures, _created = WeeklyAccuracy.objects.update_or_create(
            week=week,
            route=None if route_id is None else Route(pk=route_id),
            defaults={
                "reports": sum(1 for *_score, kind in rows if kind == "report"),
                "counter_readings": sum(1 for *_score, kind in rows if kind == "counter"),
                "mean_absolute_error": sum(error for error, _exact, _kind in rows) / len(rows),
                "exact_share": sum(1 for _error, exact, _kind in rows if exact) / len(rows),
            },
        )
        result.append(figures)
    return result


def forecast_accuracy_weekly(*, now: datetime | None = None) -> list[WeeklyAccuracy]:
    """Each Monday: score last week's published forecast, forget its snapshot, and keep what
    the forecast publishes now as this week's."""
    this_week = week_of(now or timezone.now())
    last_week = this_week - timedelta(days=7)
    scored = forecast_accuracy_score(week=last_week)
    PublishedForecast.objects.filter(week__lt=this_week).delete()
    forecast_publish_week(week=this_week)
    return scored
