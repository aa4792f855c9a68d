"""Hourly and daily roll-ups, recomputed only for the hours that received readings.

Per sensor, an hour is one GROUP BY over its readings; a district's hour and every day are
built from the sensors' hourly figures (sums and counts add up exactly, so the mean is exact).
Hours are UTC; days are the city's local days.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Min, Sum

from sensors.aqi import POLLUTANTS, air_quality_refresh
from sensors.models import Aggregate, PendingRollup, Reading, Sensor

logger = logging.getLogger(__name__)

HOUR = Aggregate.Period.HOUR
DAY = Aggregate.Period.DAY
BATCH_LIMIT = 20_000
ANALYZE_FROM = 1_000  # sensor-hours in one PostgreSQL run


def _local_day_start(moment: datetime) -> datetime:
    local = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _replace(period: str, start: datetime, rows: list[Aggregate], *, scope: str, keys: set) -> None:
    """Swap the aggregates of ``keys`` ((scope id, quantity) pairs) at one start for ``rows``."""
    scope_ids = {scope_id for scope_id, _quantity in keys}
    quantities = {quantity for _scope_id, quantity in keys}
    old = Aggregate.objects.filter(
        period=period, start=start, quantity__in=quantities, **{f"{scope}_id__in": scope_ids}
    )
    if scope == "district":
        old = old.filter(sensor__isnull=True)
    old.delete()
    Aggregate.objects.bulk_create(rows, batch_size=2000)


def _combine(parts: list[Aggregate]) -> dict[str, float]:
    total = sum(part.total for part in parts)
    count = sum(part.count for part in parts)
    return {
        "mean": total / count,
        "minimum": min(part.minimum for part in parts),
        "maximum": max(part.maximum for part in parts),
        "total": total,
        "count": count,
    }


def _hour_refresh(hour: datetime, keys: set[tuple[int, str]]) -> set[tuple[int, str]]:
    """Recompute one hour for (sensor, quantity) keys; returns the (district, quantity) touched."""
    sensor_ids = {sensor_id for sensor_id, _quantity in keys}
    figures = (
        Reading.objects.filter(
            sensor_id__in=sensor_ids,
            quantity__in={quantity for _sensor_id, quantity in keys},
            time__gte=hour,
            time__lt=hour + timedelta(hours=1),
        )
        .values("sensor_id", "quantity")
        .annotate(
            total=Sum("value"), minimum=Min("value"), maximum=Max("value"), count=Count("value")
        )
    )
    rows = [
        Aggregate(
            period=HOUR,
            start=hour,
            sensor_id=item["sensor_id"],
            quantity=item["quantity"],
            mean=item["total"] / item["count"],
            minimum=item["minimum"],
            maximum=item["maximum"],
            total=item["total"],
            count=item["count"],
        )
        for item in figures
        if (item["sensor_id"], item["quantity"]) in keys
    ]
    _replace(HOUR, hour, rows, scope="sensor", keys=keys)
    districts = dict(
        Sensor.objects.filter(pk__in=sensor_ids, district__isnull=False).values_list(
            "pk", "district_id"
        )
    )
    return {(districts[s], q) for s, q in keys if s in districts}


def _district_refresh(period: str, start: datetime, end: datetime, keys: set) -> None:
    parts = Aggregate.objects.filter(
        period=HOUR,
        start__gte=start,
        start__lt=end,
        sensor__district_id__in={district_id for district_id, _q in keys},
        quantity__in={quantity for _d, quantity in keys},
    ).select_related("sensor")
    grouped: dict[tuple[int, str], list[Aggregate]] = defaultdict(list)
    for part in parts:
        key = ((part.sensor.district_id if part.sensor else None) or 0, part.quantity)
        if key in keys:
            grouped[key].append(part)
    rows = [
        Aggregate(period=period, start=start, district_id=d, quantity=q, **_combine(items))
        for (d, q), items in grouped.items()
    ]
    _replace(period, start, rows, scope="district", keys=keys)


def _sensor_days_refresh(start: datetime, end: datetime, keys: set[tuple[int, str]]) -> None:
    parts = Aggregate.objects.filter(
        period=HOUR,
        start__gte=start,
        start__lt=end,
        sensor_id__in={s for s, _q in keys},
        quantity__in={q for _s, q in keys},
    )
    grouped: dict[tuple[int, str], list[Aggregate]] = defaultdict(list)
    for part in parts:
        key = (part.sensor_id or 0, part.quantity)
        if key in keys:
            grouped[key].append(part)
    rows = [
        Aggregate(period=DAY, start=start, sensor_id=s, quantity=q, **_combine(items))
        for (s, q), items in grouped.items()
    ]
    _replace(DAY, start, rows, scope="sensor", keys=keys)


def aggregates_refresh(*, limit: int = BATCH_LIMIT) -> int:
    """Roll up the pending hours (and their days). Returns how many sensor-hours were done."""
    if connection.vendor == "postgresql":
        return _refresh_postgresql(limit)
    with transaction.atomic():
        pending = list(
            PendingRollup.objects.select_for_update(skip_locked=True).order_by("hour")[:limit]
        )
        if not pending:
            return 0
        hours: dict[datetime, set[tuple[int, str]]] = defaultdict(set)
        for item in pending:
            hours[item.hour.astimezone(UTC)].add((item.sensor_id, item.quantity))
        days: dict[datetime, set[tuple[int, str]]] = defaultdict(set)
        district_days: dict[datetime, set[tuple[int, str]]] = defaultdict(set)
        district_hours: dict[datetime, set[tuple[int, str]]] = {}
        for hour, keys in hours.items():
            district_keys = _hour_refresh(hour, keys)
            district_hours[hour] = district_keys
            if district_keys:
                _district_refresh(HOUR, hour, hour + timedelta(hours=1), district_keys)
            day = _local_day_start(hour)
            days[day] |= keys
            district_days[day] |= district_keys
        for day, keys in days.items():
            end = _local_day_start(day + timedelta(hours=26))
            _sensor_days_refresh(day, end, keys)
            if district_days[day]:
                _district_refresh(DAY, day, end, district_days[day])
        air_quality_refresh(
            district_hours={
                (district_id, day_hour)
                for day_hour, keys in district_hours.items()
                for district_id, quantity in keys
                if quantity in POLLUTANTS
            }
        )
        PendingRollup.objects.filter(pk__in=[item.pk for item in pending]).delete()
    return len(pending)


# --- PostgreSQL: the same figures, each level in one INSERT ... SELECT ... GROUP BY ------------

_UPSERT = (
    "ON CONFLICT ({scope}_id, quantity, period, start) WHERE sensor_id IS {test} DO UPDATE SET "
    "mean = EXCLUDED.mean, minimum = EXCLUDED.minimum, maximum = EXCLUDED.maximum, "
    "total = EXCLUDED.total, count = EXCLUDED.count"
)
_SENSOR = _UPSERT.format(scope="sensor", test="NOT NULL")
_DISTRICT = _UPSERT.format(scope="district", test="NULL")
_COLUMNS = "period, start, quantity, sensor_id, district_id, mean, minimum, maximum, total, count"
_FROM_PARTS = (
    "sum(a.total) / sum(a.count), min(a.minimum), max(a.maximum), sum(a.total), sum(a.count)"
)

# Only our own constants are interpolated (column lists, conflict clauses); values are parameters.
_STATEMENTS = [
    # The pending hours this run takes (skipping those another run holds), out of the queue.
    "CREATE TEMP TABLE IF NOT EXISTS sensors_rollup_batch "
    "(sensor_id bigint, quantity varchar(16), hour timestamptz) ON COMMIT DELETE ROWS",
    "TRUNCATE sensors_rollup_batch",
    "WITH picked AS (SELECT id FROM sensors_pendingrollup ORDER BY hour LIMIT %(limit)s "
    "FOR UPDATE SKIP LOCKED), gone AS (DELETE FROM sensors_pendingrollup p USING picked "
    "WHERE p.id = picked.id RETURNING p.sensor_id, p.quantity, p.hour) "
    "INSERT INTO sensors_rollup_batch SELECT sensor_id, quantity, hour FROM gone",
    # Temporary tables have no statistics until analysed: without them the planner guesses.
    "ANALYZE sensors_rollup_batch",
    # Sensor hours, from the readings of the batch's sensors and quantities over the span of
    # its hours, keeping the pending hours only. The bounds and lists come as literal values
    # (see _BATCH_BOUNDS), so the planner prunes the monthly partitions, estimates the rows
    # right and hashes the groups; it picks index scans when few sensors are pending (a late
    # device's backlog) and one sequential pass when all are. UTC hours by date_bin from a UTC
    # origin: plain arithmetic, several times cheaper per row than date_trunc with a zone.
    f"INSERT INTO sensors_aggregate ({_COLUMNS}) SELECT 'hour', g.hour, g.quantity, g.sensor_id, "  # noqa: S608
    "NULL, g.mean, g.minimum, g.maximum, g.total, g.count FROM ("
    "SELECT r.sensor_id, r.quantity, "
    "date_bin('1 hour', r.time, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS hour, "
    "avg(r.value) AS mean, min(r.value) AS minimum, max(r.value) AS maximum, "
    "sum(r.value) AS total, count(r.value) AS count FROM sensors_reading r "
    "WHERE r.time >= %(low)s AND r.time < %(high)s AND r.sensor_id = ANY(%(sensors)s::bigint[]) "
    # The column's own type, or the quantities cannot bound the index scan.
    "AND r.quantity = ANY(%(quantities)s::varchar[]) "
    "GROUP BY 1, 2, 3) g JOIN sensors_rollup_batch b ON b.sensor_id = g.sensor_id "
    f"AND b.quantity = g.quantity AND b.hour = g.hour {_SENSOR}",
    # District hours, from the sensor hours of every sensor in the district.
    f"INSERT INTO sensors_aggregate ({_COLUMNS}) SELECT 'hour', t.hour, t.quantity, NULL, "  # noqa: S608
    f"t.district_id, {_FROM_PARTS} FROM (SELECT DISTINCT s.district_id, b.quantity, b.hour "
    "FROM sensors_rollup_batch b JOIN sensors_sensor s ON s.id = b.sensor_id "
    "WHERE s.district_id IS NOT NULL) t JOIN sensors_sensor s ON s.district_id = t.district_id "
    "JOIN sensors_aggregate a ON a.sensor_id = s.id AND a.period = 'hour' "
    "AND a.quantity = t.quantity AND a.start = t.hour "
    f"GROUP BY t.district_id, t.quantity, t.hour {_DISTRICT}",
    # Sensor days (the city's local days), from the sensor hours.
    f"INSERT INTO sensors_aggregate ({_COLUMNS}) SELECT 'day', t.day AT TIME ZONE %(tz)s, "  # noqa: S608
    f"t.quantity, t.sensor_id, NULL, {_FROM_PARTS} FROM (SELECT DISTINCT sensor_id, quantity, "
    "date_trunc('day', hour AT TIME ZONE %(tz)s) AS day FROM sensors_rollup_batch) t "
    "JOIN sensors_aggregate a ON a.sensor_id = t.sensor_id AND a.period = 'hour' "
    "AND a.quantity = t.quantity AND a.start >= t.day AT TIME ZONE %(tz)s "
    "AND a.start < (t.day + interval '1 day') AT TIME ZONE %(tz)s "
    f"GROUP BY t.sensor_id, t.quantity, t.day {_SENSOR}",
    # District days, from the district hours.
    f"INSERT INTO sensors_aggregate ({_COLUMNS}) SELECT 'day', t.day AT TIME ZONE %(tz)s, "  # noqa: S608
    f"t.quantity, NULL, t.district_id, {_FROM_PARTS} FROM (SELECT DISTINCT s.district_id, "
    "b.quantity, date_trunc('day', b.hour AT TIME ZONE %(tz)s) AS day "
    "FROM sensors_rollup_batch b JOIN sensors_sensor s ON s.id = b.sensor_id "
    "WHERE s.district_id IS NOT NULL) t JOIN sensors_aggregate a "
    "ON a.sensor_id IS NULL AND a.district_id = t.district_id AND a.period = 'hour' "
    "AND a.quantity = t.quantity AND a.start >= t.day AT TIME ZONE %(tz)s "
    "AND a.start < (t.day + interval '1 day') AT TIME ZONE %(tz)s "
    f"GROUP BY t.district_id, t.quantity, t.day {_DISTRICT}",
]


SENSOR_HOURS = 4  # the index of the statement rolling the readings up
_BATCH_BOUNDS = (
    "SELECT min(hour), max(hour) + interval '1 hour', array_agg(DISTINCT sensor_id), "
    "array_agg(DISTINCT quantity) FROM sensors_rollup_batch"
)


def _refresh_postgresql(limit: int) -> int:
    params: dict[str, Any] = {"limit": limit, "tz": settings.TIME_ZONE}
    with transaction.atomic(), connection.cursor() as cursor:
        taken = 0
        for index, statement in enumerate(_STATEMENTS):
            if index == SENSOR_HOURS:
                cursor.execute(_BATCH_BOUNDS)
                low, high, sensors, quantities = cursor.fetchone()
                params.update(low=low, high=high, sensors=sensors, quantities=quantities)
            started = time.perf_counter()
            cursor.execute(statement, params if "%(" in statement else None)
            logger.debug("roll-up step %d: %.3f s", index, time.perf_counter() - started)
            if index == 2:
                taken = cursor.rowcount
                if not taken:
                    return 0
            if index == SENSOR_HOURS and taken >= ANALYZE_FROM:
                # A big run changes the aggregates faster than autovacuum analyses them, and the
                # district steps read them back: stale statistics there cost seconds, this ~0.1 s.
                cursor.execute("ANALYZE sensors_aggregate")
        cursor.execute(
            "SELECT DISTINCT s.district_id, b.hour FROM sensors_rollup_batch b "
            "JOIN sensors_sensor s ON s.id = b.sensor_id "
            "WHERE s.district_id IS NOT NULL AND b.quantity = ANY(%s)",
            [list(POLLUTANTS)],
        )
        air_quality_refresh(district_hours=set(cursor.fetchall()))
    return taken
