"""Writing readings in bulk: COPY on PostgreSQL, a staging table when a key is already there,
bulk insert on SQLite. Every path reports the rows whose key exists with another value."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction

from sensors.models import Reading

Row = tuple[int, str, datetime, float]  # sensor_id, quantity, time, value
COLUMNS = "sensor_id, quantity, time, value"
# Table and column names are our own constants, never input.
_TABLE = Reading._meta.db_table
INSERT_FROM_STAGING = (
    f"INSERT INTO {_TABLE} ({COLUMNS}) SELECT {COLUMNS} FROM sensors_reading_staging "  # noqa: S608
    "ON CONFLICT DO NOTHING RETURNING sensor_id, quantity, time"
)
EXISTING_OF_STAGING = (
    "SELECT s.sensor_id, s.quantity, s.time, s.value, r.value FROM sensors_reading_staging s "  # noqa: S608
    f"JOIN {_TABLE} r USING (sensor_id, quantity, time)"
)


@dataclass
class Stored:
    inserted: list[Row] = field(default_factory=list)
    duplicates: int = 0  # same key, same value: a retry of something already stored
    conflicts: list[tuple[Row, float]] = field(default_factory=list)  # (row, value in store)


def readings_write(rows: Sequence[Row]) -> Stored:
    """Insert rows with distinct keys, in the caller's transaction."""
    if not rows:
        return Stored()
    if connection.vendor == "postgresql":
        return _write_postgresql(rows)
    return _write_other(rows)


def _copy(cursor: object, table: str, rows: Sequence[Row]) -> None:
    # Text lines in big writes: several times faster than write_row() per row. Our own values
    # only (ids, quantity codes, ISO times, floats), so nothing needs escaping. Many rows share
    # an instant (a gateway's sensors, a device's quantities): each is formatted once.
    times: dict[datetime, str] = {}
    with cursor.copy(f"COPY {table} ({COLUMNS}) FROM STDIN") as copy:  # type: ignore[attr-defined]
        lines: list[str] = []
        for sensor_id, quantity, moment, value in rows:
            text = times.get(moment)
            if text is None:
                text = times[moment] = moment.isoformat()
            lines.append(f"{sensor_id}\t{quantity}\t{text}\t{value!r}\n")
            if len(lines) == 5000:
                copy.write("".join(lines))
                lines.clear()
        if lines:
            copy.write("".join(lines))


def _write_postgresql(rows: Sequence[Row]) -> Stored:
    import psycopg

    table = Reading._meta.db_table
    try:
        with transaction.atomic(), connection.cursor() as cursor:  # a savepoint
            _copy(cursor.cursor, table, rows)
        return Stored(inserted=list(rows))
    except psycopg.errors.UniqueViolation:
        pass  # some keys are there already: go through the staging table

    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS sensors_reading_staging "
            f"(LIKE {table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        )
        cursor.execute("TRUNCATE sensors_reading_staging")
        _copy(cursor, "sensors_reading_staging", rows)
        cursor.execute(INSERT_FROM_STAGING)
        inserted_keys = {(s, q, t) for s, q, t in cursor.fetchall()}
        # A new statement, so it sees what a concurrent batch committed meanwhile.
        cursor.execute(EXISTING_OF_STAGING)
        existing = {(s, q, t): (v, rv) for s, q, t, v, rv in cursor.fetchall()}
    stored = Stored()
    for row in rows:
        key = row[:3]
        if key in inserted_keys:
            stored.inserted.append(row)
        elif key in existing and existing[key][1] != row[3]:
            stored.conflicts.append((row, existing[key][1]))
        else:
            stored.duplicates += 1
    return stored


def _write_other(rows: Sequence[Row]) -> Stored:
    """SQLite: look the keys up, then insert the new ones (the write lock is held since BEGIN)."""
    stored = Stored()
    existing: dict[tuple[int, str, datetime], float] = {}
    sensor_ids = {row[0] for row in rows}
    times = [row[2] for row in rows]
    found = Reading.objects.filter(
        sensor_id__in=sensor_ids, time__gte=min(times), time__lte=max(times)
    ).values_list("sensor_id", "quantity", "time", "value")
    for sensor_id, quantity, moment, value in found.iterator(chunk_size=5000):
        existing[(sensor_id, quantity, moment)] = value
    fresh = []
    for row in rows:
        key = row[:3]
        if key not in existing:
            fresh.append(row)
        elif existing[key] == row[3]:
            stored.duplicates += 1
        else:
            stored.conflicts.append((row, existing[key]))
    Reading.objects.bulk_create(
        [Reading(sensor_id=s, quantity=q, time=t, value=v) for s, q, t, v in fresh],
        batch_size=2000,
    )
    stored.inserted = fresh
    return stored
