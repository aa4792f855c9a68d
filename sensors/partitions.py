"""Raw readings by month: partitions created ahead, and retention that drops whole months.

On PostgreSQL ``sensors_reading`` is range-partitioned on ``time`` by UTC month
(``sensors_reading_y2026m11``), with a DEFAULT partition catching any row outside the months
created (a clock far off, a replay of old input). Beat keeps the months from the ingest's age
limit to a few months ahead in place; a month created after rows landed in the default takes
them over. Retention drops the months wholly past CIVIC_SENSORS_RAW_RETENTION_DAYS once their
hours are rolled up (aggregates are kept), and deletes by time range on SQLite. Every removal
is recorded as a ``ReadingPurge``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction

from sensors.models import PendingRollup, Reading, ReadingPurge

logger = logging.getLogger(__name__)

# Our own constants only are interpolated into the DDL below; times are formatted by us.
PARENT = Reading._meta.db_table
DEFAULT = f"{PARENT}_default"
COLUMNS = "quantity, time, value, sensor_id"
_BOUNDS = re.compile(r"FROM \('([^']+)'\) TO \('([^']+)'\)")
# Roll-up runs retention may start to clear the hours of a month before dropping it.
ROLLUP_RUNS = 20


@dataclass(frozen=True)
class Partition:
    name: str
    start: datetime
    end: datetime


def month_start(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month(start: datetime) -> datetime:
    return (start + timedelta(days=32)).replace(day=1)


def partition_name(start: datetime) -> str:
    return f"{PARENT}_y{start.year}m{start.month:02d}"


def is_partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = %s::regclass", [PARENT])
        row = cursor.fetchone()
    return row is not None and row[0] == "p"


def partitions() -> list[Partition]:
    """The monthly partitions, oldest first (the default one aside)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass",
            [PARENT],
        )
        found = []
        for name, bound in cursor.fetchall():
            match = _BOUNDS.search(bound)
            if match:  # the DEFAULT partition has no bounds
                start, end = (datetime.fromisoformat(text) for text in match.groups())
                found.append(Partition(name, start.astimezone(UTC), end.astimezone(UTC)))
    return sorted(found, key=lambda partition: partition.start)


def _literal(moment: datetime) -> str:
    return f"'{moment.astimezone(UTC).isoformat()}'"


def partition_create(start: datetime) -> int:
    """Create the month starting at ``start``; returns how many rows it took over from the
    default partition. Nothing happens if the month exists already.

    PostgreSQL refuses a new partition while the default holds rows of its range, so the
    default is detached, the month created, its rows moved through the parent (which routes
    them) and the default attached again, all under one lock, in one transaction.
    """
    start = month_start(start)
    end = next_month(start)
    name = partition_name(start)
    with transaction.atomic(), connection.cursor() as cursor:
        # Waiting long behind ingest would stall it behind this lock too: retry tomorrow.
        cursor.execute("SET LOCAL lock_timeout = '10s'")
        cursor.execute(f"LOCK TABLE {PARENT} IN ACCESS EXCLUSIVE MODE")
        if any(partition.start == start for partition in partitions()):
            return 0
        cursor.execute(f"ALTER TABLE {PARENT} DETACH PARTITION {DEFAULT}")
        cursor.execute(
            f"CREATE TABLE {name} PARTITION OF {PARENT} "
            f"FOR VALUES FROM ({_literal(start)}) TO ({_literal(end)})"
        )
        cursor.execute(
            f"WITH moved AS (DELETE FROM {DEFAULT} WHERE time >= %s AND time < %s "  # noqa: S608
            f"RETURNING {COLUMNS}) INSERT INTO {PARENT} ({COLUMNS}) SELECT {COLUMNS} FROM moved",
            [start, end],
        )
        moved = cursor.rowcount
        cursor.execute(f"ALTER TABLE {PARENT} ATTACH PARTITION {DEFAULT} DEFAULT")
    if moved:
        logger.info("partition %s created, %d rows moved from the default", name, moved)
    return moved


def partitions_ensure(*, now: datetime, ahead: int | None = None) -> list[str]:
    """Months from the oldest an ingest accepts to ``ahead`` months after now; returns the
    names of those created. Idempotent; nothing to do on SQLite."""
    if not is_partitioned():
        return []
    ahead = settings.CIVIC_SENSORS_PARTITIONS_AHEAD if ahead is None else ahead
    existing = {partition.start for partition in partitions()}
    month = month_start(now - timedelta(days=settings.CIVIC_SENSORS_MAX_AGE_DAYS))
    last = month_start(now)
    for _ in range(ahead):
        last = next_month(last)
    created = []
    while month <= last:
        if month not in existing:
            partition_create(month)
            created.append(partition_name(month))
        month = next_month(month)
    return created


def _rolled_up_before(bound: datetime) -> datetime:
    """The latest time up to ``bound`` before which every hour is rolled up, rolling up the
    pending hours first (they go oldest first)."""
    for _ in range(ROLLUP_RUNS):
        if not PendingRollup.objects.filter(hour__lt=bound).exists():
            return bound
        from sensors.rollups import aggregates_refresh

        if not aggregates_refresh():
            break  # another run holds them
    oldest = PendingRollup.objects.filter(hour__lt=bound).order_by("hour").first()
    return bound if oldest is None else oldest.hour


def readings_retention(*, now: datetime) -> int:
    """Remove raw readings older than the retention, once rolled up; returns how many.

    Registered as the sensors' retention handler (consent's daily retention job runs it).
    Idempotent: a second run finds nothing older left.
    """
    days = settings.CIVIC_SENSORS_RAW_RETENTION_DAYS
    cutoff = now - timedelta(days=days)
    safe = _rolled_up_before(cutoff)
    if safe < cutoff:
        logger.warning("readings retention: hours before %s are not rolled up yet", safe)
    reason = f"retention: raw readings older than {days} days (aggregates kept)"
    removed = 0
    if is_partitioned():
        for partition in partitions():
            if partition.end > safe:
                break
            removed += _partition_drop(partition, reason=reason)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {DEFAULT} WHERE time < %s", [safe])  # noqa: S608
            if cursor.rowcount:
                ReadingPurge.objects.create(
                    before=safe, partition="", count=cursor.rowcount, reason=reason
                )
                removed += cursor.rowcount
        return removed
    with transaction.atomic():
        count, _by_model = Reading.objects.filter(time__lt=safe).delete()
        if count:
            ReadingPurge.objects.create(before=safe, count=count, reason=reason)
    return count


def _partition_drop(partition: Partition, *, reason: str) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout = '10s'")
        # Deferred foreign-key checks of rows written earlier in this transaction (none in the
        # beat job's own transaction) must fire before their table may be dropped.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"SELECT count(*) FROM {partition.name}")  # noqa: S608
        count = int(cursor.fetchone()[0])
        cursor.execute(f"ALTER TABLE {PARENT} DETACH PARTITION {partition.name}")
        cursor.execute(f"DROP TABLE {partition.name}")
        ReadingPurge.objects.create(
            before=partition.end, partition=partition.name, count=count, reason=reason
        )
    logger.info("partition %s dropped (%d readings)", partition.name, count)
    return count
