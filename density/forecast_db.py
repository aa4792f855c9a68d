"""The forecast engine's arrays, read from and written to the database.

The engine (``density.forecast``) is pure computation; this module feeds it the rows of the
cells a rebuild needs and stores what it returns. Only ``density.services`` writes through it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection

from density import forecast
from density.bulk import insert_rows
from density.cells import (
    DAY_TYPE_BITS,
    DAY_TYPES,
    SLOT_BITS,
    STOP_BITS,
    EngineNetwork,
    cell_key,
    day_type_and_slot,
)
from density.models import (
    CellStatistic,
    CounterLink,
    CrowdReport,
    Forecast,
    RouteCalibration,
)
from density.models import RouteType as RT
from sensors.selectors import readings_between

CHUNK = 5000
# Past this many cells, reading the whole statistics table is faster than picking rows.
PARTIAL_LOAD_LIMIT = 200_000
# Until counters are calibrated against reports, a full vehicle is "maximum": typical
# capacities (seated and standing) by GTFS route type.
CAPACITY_BY_ROUTE_TYPE: dict[int, float] = {
    RT.TRAM: 200.0,
    RT.METRO: 600.0,
    RT.RAIL: 900.0,
    RT.BUS: 90.0,
}
DEFAULT_CAPACITY = 90.0
COUNTER_HISTORY = timedelta(days=400)


def engine_settings() -> forecast.ForecastSettings:
    return forecast.ForecastSettings(k_anonymity=settings.CIVIC_DENSITY_K_ANONYMITY)


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def cell_array(cells: Sequence[int]) -> str:
    """Cells as one PostgreSQL array literal (``%s::bigint[]``): psycopg would otherwise dump a
    hundred thousand integers one by one, which costs more than the query."""
    return "{" + ",".join(map(str, cells)) + "}"


def delete_cells(
    model: type[CellStatistic] | type[Forecast],
    cells: Sequence[int] | None,
    *,
    archived: bool | None = None,
) -> None:
    """Delete ``model``'s rows of ``cells`` (None: all of them), archived or not (statistics)."""
    where: dict[str, Any] = {} if archived is None else {"archived": archived}
    scope = model.objects.filter(**where)
    if cells is None:
        scope.delete()
    elif connection.vendor == "postgresql":
        # An array parameter: an IN list of a hundred thousand cells costs more to build.
        sql = f"DELETE FROM {model._meta.db_table} WHERE cell = ANY(%s::bigint[])"  # noqa: S608
        params: list[Any] = [cell_array(cells)]
        if archived is not None:
            sql += " AND archived = %s"
            params.append(archived)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    else:
        for part in chunks(cells):
            scope.filter(cell__in=part).delete()


def _empty_reports() -> forecast.ReportArrays:
    return forecast.ReportArrays(
        np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64)
    )


def _empty_counters() -> forecast.CounterArrays:
    return forecast.CounterArrays(np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0))


def report_rows(*, cells: Sequence[int] | None = None, before: datetime | None = None) -> list[Any]:
    """(cell, Unix time, level, device) of the kept reports, of some cells or observed before."""
    table = CrowdReport._meta.db_table
    if connection.vendor == "postgresql":
        where: list[str] = []
        params: list[Any] = []
        if before is not None:
            where.append("observed_at < %s")
            params.append(before)
        # The table name is ours; values go as parameters.
        sql = f"SELECT cell, EXTRACT(EPOCH FROM observed_at)::float8, level, device FROM {table}"  # noqa: S608
        rows: list[Any] = []
        with connection.cursor() as cursor:
            for part in chunks(cells, 50_000) if cells is not None else [None]:
                clauses, args = list(where), list(params)
                if part is not None:
                    clauses.append("cell = ANY(%s::bigint[])")
                    args.append(cell_array(part))
                cursor.execute(sql + (" WHERE " + " AND ".join(clauses) if clauses else ""), args)
                rows += cursor.fetchall()
        return rows
    queryset = CrowdReport.objects.all()
    if before is not None:
        queryset = queryset.filter(observed_at__lt=before)
    parts: Iterable[Any] = chunks(cells) if cells is not None else [None]
    rows = []
    for part in parts:
        scoped = queryset if part is None else queryset.filter(cell__in=part)
        rows += [
            (cell, observed_at.timestamp(), level, device)
            for cell, observed_at, level, device in scoped.values_list(
                "cell", "observed_at", "level", "device"
            ).order_by()
        ]
    return rows


def report_arrays(net: EngineNetwork, rows: list[Any]) -> forecast.ReportArrays:
    if not rows:
        return _empty_reports()
    keys, times, levels, devices = (np.array(column) for column in zip(*rows, strict=True))
    codes, known = net.codes(keys.astype(np.int64))
    return forecast.ReportArrays(
        codes[known],
        times.astype(np.float64)[known],
        levels.astype(np.int64)[known],
        devices.astype(np.int64)[known],
    )


CounterRow = tuple[int, float, float, float]


def counter_rows(*, since: datetime, until: datetime) -> list[CounterRow]:
    """(cell, Unix time, passengers, the counter's reliability) of the stop counters' readings
    in [since, until).

    Counters riding a vehicle are left out: placing their readings needs the vehicle's trip.
    """
    rows = []
    for link in CounterLink.objects.filter(stop__isnull=False).select_related("sensor"):
        assert link.direction_id is not None and link.stop_id is not None  # the constraint
        for moment, value in readings_between(
            since=since, until=until, sensor=link.sensor, quantity="passengers"
        ).values_list("time", "value"):
            day, slot = day_type_and_slot(moment)
            key = cell_key(
                route_id=link.route_id,
                direction_id=link.direction_id,
                stop_id=link.stop_id,
                day_type=day,
                slot=slot,
            )
            rows.append((key, moment.timestamp(), float(value), link.reliability))
    return rows


def counter_arrays(
    net: EngineNetwork, rows: list[CounterRow], cells: np.ndarray | None = None
) -> forecast.CounterArrays:
    if cells is not None:
        wanted = set(cells.tolist())
        rows = [row for row in rows if row[0] in wanted]
    if not rows:
        return _empty_counters()
    keys, times, passengers, reliability = (np.array(column) for column in zip(*rows, strict=True))
    codes, known = net.codes(keys.astype(np.int64))
    return forecast.CounterArrays(
        codes[known],
        times.astype(np.float64)[known],
        passengers.astype(np.float64)[known],
        reliability.astype(np.float64)[known],
    )


def counter_changes(rows: list[CounterRow]) -> list[int]:
    """Cells whose number of counter readings is not the stored one: readings arrive late and in
    batches, and old ones are dropped, so their time says nothing of what is new."""
    counted: dict[int, int] = {}
    for key, *_reading in rows:
        counted[key] = counted.get(key, 0) + 1
    stored = dict(
        CellStatistic.objects.filter(archived=False, counter_readings__gt=0).values_list(
            "cell", "counter_readings"
        )
    )
    return [key for key in set(counted) | set(stored) if counted.get(key, 0) != stored.get(key, 0)]


def all_counter_rows(now: datetime) -> list[CounterRow]:
    return counter_rows(since=now - COUNTER_HISTORY, until=now + timedelta(minutes=1))


# A cell's statistics as stored, in the order they are read and written.
STAT_COLUMNS = (
    "top",
    "decayed",
    "counts",
    "devices",
    "first_devices",
    "counter_mean",
    "counter_strength",
    "counter_readings",
)


def statistics(
    net: EngineNetwork, *, archived: bool, cells: Sequence[int] | None = None
) -> forecast.CellTable:
    """The stored statistics (of some cells), as the engine's table."""
    k = engine_settings().k_anonymity
    queryset = CellStatistic.objects.filter(archived=archived).order_by()
    fields = ("cell", *STAT_COLUMNS)
    rows: list[Any] = []
    if connection.vendor == "postgresql":
        # One query with an array parameter: an IN list of this size costs more to build.
        sql = f"SELECT {', '.join(fields)} FROM {CellStatistic._meta.db_table} WHERE archived = %s"  # noqa: S608
        with connection.cursor() as cursor:
            if cells is None:
                cursor.execute(sql, [archived])
            else:
                cursor.execute(sql + " AND cell = ANY(%s::bigint[])", [archived, cell_array(cells)])
            rows = cursor.fetchall()
    else:
        for part in chunks(cells) if cells is not None else [None]:
            scoped = queryset if part is None else queryset.filter(cell__in=part)
            rows += list(scoped.values_list(*fields))
    table = forecast.CellTable.empty(k)
    if not rows:
        return table
    columns = list(zip(*rows, strict=True))
    codes, known = net.codes(np.array(columns[0], np.int64))
    first = np.full((len(rows), k), -1, np.int64)
    for i, raw in enumerate(columns[5]):
        stored = np.frombuffer(bytes(raw), np.int64)[:k]
        first[i, : len(stored)] = stored
    table.codes = codes
    table.top = np.array([-np.inf if top is None else top for top in columns[1]], np.float64)
    table.decayed = np.frombuffer(b"".join(bytes(v) for v in columns[2]), np.float64).reshape(-1, 5)
    table.counts = np.frombuffer(b"".join(bytes(v) for v in columns[3]), np.float64).reshape(-1, 5)
    table.devices = np.array(columns[4], np.int64)
    table.first_devices = first
    table.counter_mean = np.array(columns[6], np.float64)
    table.counter_strength = np.array(columns[7], np.float64)
    table.counter_readings = np.array(columns[8], np.int64)
    table = table.take(known)
    return table.take(np.argsort(table.codes, kind="stable"))


def statistics_replace(
    net: EngineNetwork,
    table: forecast.CellTable,
    *,
    archived: bool,
    cells: Sequence[int] | None,
) -> None:
    """Store ``table`` in place of the statistics of ``cells`` (None: all of them)."""
    delete_cells(CellStatistic, cells, archived=archived)
    keys = net.keys(table.codes).tolist()
    insert_rows(
        CellStatistic,
        ["cell", "archived", *STAT_COLUMNS],
        (
            (
                keys[i],
                archived,
                float(table.top[i]) if np.isfinite(table.top[i]) else None,
                table.decayed[i].astype(np.float64).tobytes(),
                table.counts[i].astype(np.float64).tobytes(),
                int(table.devices[i]),
                table.first_devices[i].astype(np.int64).tobytes(),
                float(table.counter_mean[i]),
                float(table.counter_strength[i]),
                int(table.counter_readings[i]),
            )
            for i in range(len(table))
        ),
    )


def forecasts_replace(
    net: EngineNetwork, arrays: forecast.ForecastArrays, *, cells: Sequence[int] | None
) -> None:
    delete_cells(Forecast, cells)
    keys = net.keys(arrays.codes)
    slot = keys & ((1 << SLOT_BITS) - 1)
    day = (keys >> SLOT_BITS) & ((1 << DAY_TYPE_BITS) - 1)
    line_stop = keys >> (SLOT_BITS + DAY_TYPE_BITS)
    stop = line_stop & ((1 << STOP_BITS) - 1)
    direction = (line_stop >> STOP_BITS) & 1
    route = line_stop >> (STOP_BITS + 1)
    day_names = np.array([str(value) for value in DAY_TYPES], dtype=object)[day]
    rows = zip(
        keys.tolist(),
        route.tolist(),
        direction.tolist(),
        stop.tolist(),
        day_names.tolist(),
        slot.tolist(),
        arrays.level.astype(np.float64).tolist(),
        arrays.confidence.astype(np.float64).tolist(),
        arrays.samples.astype(np.int64).tolist(),
        strict=True,
    )
    insert_rows(
        Forecast,
        [
            "cell",
            "route_id",
            "direction_id",
            "stop_id",
            "day_type",
            "slot",
            "level",
            "confidence",
            "samples",
        ],
        rows,
    )


def calibrations() -> dict[str, forecast.Calibration]:
    return {
        str(route_id): forecast.Calibration(intercept, slope, "reports")
        for route_id, intercept, slope in RouteCalibration.objects.values_list(
            "route_id", "intercept", "slope"
        )
    }


def calibrations_store(fitted: dict[str, forecast.Calibration]) -> None:
    RouteCalibration.objects.exclude(route_id__in=[int(r) for r in fitted]).delete()
    for route, calibration in fitted.items():
        RouteCalibration.objects.update_or_create(
            route_id=int(route),
            defaults={"intercept": calibration.intercept, "slope": calibration.slope},
        )


def capacities(net: EngineNetwork) -> dict[str, float]:
    from density.models import Route

    types = dict(
        Route.objects.filter(pk__in={int(r) for r, _d in net.network.lines}).values_list(
            "pk", "route_type"
        )
    )
    return {
        str(pk): CAPACITY_BY_ROUTE_TYPE.get(route_type, DEFAULT_CAPACITY)
        for pk, route_type in types.items()
    }


def effective_calibrations(net: EngineNetwork) -> dict[str, forecast.Calibration]:
    """The learned calibrations, and the capacity-based one for routes without."""
    result = {
        route: forecast.Calibration.from_capacity(capacity)
        for route, capacity in capacities(net).items()
    }
    result.update(calibrations())
    return result


def route_calibration(route_id: int) -> forecast.Calibration:
    """Passengers → level on one route: learned, or from its vehicles' capacity until then."""
    from density.models import Route

    learned = RouteCalibration.objects.filter(route_id=route_id).first()
    if learned is not None:
        return forecast.Calibration(learned.intercept, learned.slope, "reports")
    route_type = Route.objects.filter(pk=route_id).values_list("route_type", flat=True).first()
    capacity = (
        DEFAULT_CAPACITY
        if route_type is None
        else CAPACITY_BY_ROUTE_TYPE.get(route_type, DEFAULT_CAPACITY)
    )
    return forecast.Calibration.from_capacity(capacity)
