"""How crowded will it be? The passenger density forecast engine.

This module is pure computation: it knows nothing of the database. The density app feeds it crowd
reports and counter readings and stores what it returns. The text below, up to "For developers",
is written for the public page that explains the method.

What is forecast
    For each line (route and direction), stop, day type (weekday, Saturday, Sunday or public
    holiday) and quarter of an hour of the service day, the expected crowding on the five-level
    scale: 1 low (seats free), 2 average (no seats, a few standing), 3 high (many standing),
    4 very high (packed), 5 maximum (hard to get on). Service days that run past midnight keep
    counting quarters after 24:00. Each of these "cells" gets an expected level (a decimal
    number, shown as the nearest whole level), a confidence between 0 and 1 (how much data is
    behind it: about one half with three reports' worth, close to 1 with many), and the number
    of reports and counter readings made in that cell.

What it is made from
    Passengers' crowd reports (a level, the moment, and a rotating device token that is only used
    to count distinct contributors), and readings of automatic passenger counters fitted in some
    vehicles (a number of passengers on board).

How a cell's level is computed
    1. Recent reports count more. A report's weight halves every four weeks: the pattern follows
       a line that gets busier after the holidays, while one odd evening is soon forgotten. The
       weight only depends on how old a report is compared to the other reports, never on the
       moment the forecast is computed, so computing again gives the same result.
    2. Reports far from the consensus weigh less. The consensus is the median level recently
       reported at this stop and time and at the stops and quarters around it. A report one
       level away from it counts fully; two levels away, about a third; three or more, a tenth.
       A prankster who always answers "maximum" barely moves the forecast.
    3. Counters are translated into levels per route: the number of passengers that matches each
       level is learned every night by comparing counters with the reports made at the same
       stops and times (or, until there are enough of those, from the vehicle's capacity: empty
       is "low", full is "maximum"). A counter reading weighs as much as three reports, less
       when the counter's calibrated levels disagree with what passengers report at the same
       stop and time (its reliability, learned nightly: ``counter_reliability``).
    4. Neighbours fill the gaps. A stop and time with few reports borrows from the two stops
       before and after it on the line and from the three quarters of an hour before and after,
       the closer the more. Its own data takes over as it accumulates: together, the neighbours
       never weigh more than four reports.

"Now"
    The level now at a stop starts from the forecast and moves it by how much the reports and
    counter readings of the last 20 minutes on the same line differ from their own forecasts (a
    concert ending, a strike, a train running late and full), the closer the stop and the more
    recent the observation, the more; one report far from the others barely counts. Reports are
    used only when they come from at least five distinct contributors (the privacy threshold
    below); otherwise "now" is the forecast.

Privacy
    A cell's own reports are used only when they come from at least five distinct device tokens
    (``k_anonymity``). Otherwise the cell falls back to the pattern of its neighbours, itself used
    only when at least five distinct tokens are behind it; else the cell is left out, unless
    counters cover it (counters are not personal data). The number of reports shown for a cell
    is zero when its own reports are not used. No individual report is ever published. Reports
    older than 90 days are folded into per-cell totals (level counts and their weights, and how
    many distinct devices they came from, never which ones) and then deleted.

For developers
    Cells are recomputed incrementally: ``ForecastEngine.rebuild()`` recomputes the statistics
    of the cells that received or lost data since the last run, from their own data only, then
    the forecasts of those cells and their neighbours. Sums run in a canonical order, weights
    decay from a fixed epoch (``DECAY_EPOCH``) and are kept relative to each cell's newest report
    (in log space, so they never overflow), so this gives bit for bit what a full rebuild gives
    (``tests/density/test_forecast.py``). The counters' calibration is refitted on demand
    (``rebuild(recalibrate=True)``, nightly), and then every counter cell of a route whose
    calibration moved is recomputed. The pieces (``cell_statistics``, ``fit_calibrations``,
    ``compute_forecasts``, ``level_now``) are plain functions of arrays, so a Celery task can
    feed them the touched cells' rows straight from the database.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

LEVEL_NAMES = {1: "low", 2: "average", 3: "high", 4: "very_high", 5: "maximum"}
MIN_LEVEL, MAX_LEVEL = 1, 5

# GTFS-Realtime VehiclePosition.OccupancyStatus names, as the issue maps them.
OCCUPANCY_STATUS = {
    1: "MANY_SEATS_AVAILABLE",
    2: "FEW_SEATS_AVAILABLE",
    3: "STANDING_ROOM_ONLY",
    4: "CRUSHED_STANDING_ROOM_ONLY",
    5: "FULL",
}

SLOT_MINUTES = 15
SLOTS_PER_DAY = 24 * 60 // SLOT_MINUTES
# Slots 96 and up belong to service days running past midnight (GTFS times up to 31:59).
SLOT_COUNT = 128

# Decay is anchored to this fixed moment (2024-01-01 UTC), not to the time of the rebuild.
DECAY_EPOCH = 1_704_067_200.0
_LN2 = math.log(2.0)
_LEVELS = np.arange(MIN_LEVEL, MAX_LEVEL + 1, dtype=np.float64)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class DayType(StrEnum):
    WEEKDAY = "weekday"
    SATURDAY = "saturday"
    SUNDAY_HOLIDAY = "sunday_holiday"


DAY_TYPES: tuple[DayType, ...] = tuple(DayType)
_DAY_TYPE_INDEX = {day_type: i for i, day_type in enumerate(DAY_TYPES)}


def day_type_for(service_date: date, holidays: frozenset[date] = frozenset()) -> DayType:
    """The day type of a service date; a public holiday is treated as a Sunday."""
    if service_date in holidays or service_date.weekday() == 6:
        return DayType.SUNDAY_HOLIDAY
    if service_date.weekday() == 5:
        return DayType.SATURDAY
    return DayType.WEEKDAY


def slot_for(seconds_since_service_midnight: float) -> int:
    """The quarter-hour slot of a time of the service day (GTFS style, may exceed 24:00)."""
    slot = int(seconds_since_service_midnight // (SLOT_MINUTES * 60))
    if not 0 <= slot < SLOT_COUNT:
        raise ValueError(f"time of day out of range: {seconds_since_service_midnight} s")
    return slot


def clamp_level(level: float) -> float:
    return min(float(MAX_LEVEL), max(float(MIN_LEVEL), level))


def rounded_level(level: float) -> int:
    """The whole level shown to people (halves round up: 2.5 is shown as "high")."""
    return math.floor(clamp_level(level) + 0.5)


def occupancy_status(level: float) -> str:
    """The GTFS-Realtime OccupancyStatus name of a level."""
    return OCCUPANCY_STATUS[rounded_level(level)]


class CellKey(NamedTuple):
    route: str
    direction: int
    stop: str
    day_type: str
    slot: int


@dataclass(frozen=True)
class Report:
    """One crowd report. ``observed_at`` is a Unix timestamp; ``device`` the hashed token."""

    cell: CellKey
    observed_at: float
    level: int
    device: str


@dataclass(frozen=True)
class CounterReading:
    """Passengers counted on board by an automatic counter when leaving the cell's stop."""

    cell: CellKey
    observed_at: float
    passengers: float
    counter: str


@dataclass(frozen=True)
class ForecastSettings:
    """The method's parameters; the defaults are those the evaluation bench was run with."""

    half_life_days: float = 28.0
    k_anonymity: int = 5
    # Neighbourhood: stops before/after on the line, quarters before/after, and their weights.
    stop_radius: int = 2
    slot_radius: int = 3
    stop_scale: float = 1.0
    slot_scale: float = 1.5
    neighbour_weight: float = 0.6
    # The neighbours never weigh more than this many reports in a cell's level.
    neighbour_cap: float = 4.0
    # How many reports one counter reading of full reliability is worth.
    counter_weight: float = 3.0
    # Weight of a report 1, 2, 3 and 4 levels away from the consensus.
    outlier_weights: tuple[float, float, float, float] = (1.0, 0.35, 0.1, 0.1)
    # Pooled strength at which the confidence reaches one half.
    confidence_half: float = 3.0
    # Calibration of counters against reports: the fewest cells having both.
    calibration_min_cells: int = 8
    now_window_minutes: float = 20.0
    now_stop_scale: float = 4.0
    now_prior: float = 0.3
    # Distinct devices needed for recent reports to move "now"; None means k_anonymity.
    now_min_devices: int | None = None


@dataclass(frozen=True)
class Calibration:
    """Passengers counted → level, for one route: level = intercept + slope * passengers."""

    intercept: float
    slope: float
    source: str  # "reports" (learned) or "capacity"

    def level(self, passengers: float) -> float:
        return clamp_level(self.intercept + self.slope * passengers)

    @classmethod
    def from_capacity(cls, capacity: float) -> Calibration:
        # Empty is "low" (1), a vehicle at capacity is "maximum" (5).
        return cls(intercept=1.0, slope=_round_sig(4.0 / capacity), source="capacity")


@dataclass(frozen=True)
class CellForecast:
    level: float
    confidence: float
    samples: int

    @property
    def rounded(self) -> int:
        return rounded_level(self.level)

    @property
    def occupancy_status(self) -> str:
        return occupancy_status(self.level)


@dataclass(frozen=True)
class NowLevel:
    level: float
    source: str  # "recent" (moved by the last minutes' observations) or "forecast"
    reports: int
    counter_readings: int

    @property
    def rounded(self) -> int:
        return rounded_level(self.level)


def device_id(token_hash: str) -> int:
    """A stable 63-bit number for a device token hash (only compared, never published)."""
    return int.from_bytes(hashlib.blake2b(token_hash.encode(), digest_size=8).digest()) >> 1


def _round_sig(value: float, digits: int = 3) -> float:
    return float(f"{value:.{digits}g}")


class Network:
    """The lines' stop orders, and the integer code of each cell used for array work.

    A cell's code packs (line, stop position, day type, slot), so that the neighbours of a cell
    are found by adding small offsets to its code.
    """

    def __init__(self, stop_orders: Mapping[tuple[str, int], Sequence[str]]) -> None:
        self.lines = sorted(stop_orders)
        self.stop_orders = {line: list(stop_orders[line]) for line in self.lines}
        self._line_index = {line: i for i, line in enumerate(self.lines)}
        # A loop line serves a stop twice: its cells are those of its first visit.
        self._position: dict[tuple[str, int], dict[str, int]] = {}
        for line, stops in self.stop_orders.items():
            for i, stop in enumerate(stops):
                self._position.setdefault(line, {}).setdefault(stop, i)
        self.max_stops = max((len(s) for s in self.stop_orders.values()), default=1)
        self.line_lengths = np.array([len(self.stop_orders[line]) for line in self.lines])
        self._slot_step = 1
        self._day_type_step = SLOT_COUNT
        self._position_step = SLOT_COUNT * len(DAY_TYPES)
        self._line_step = self._position_step * self.max_stops
        self.code_space = len(self.lines) * self._line_step

    def position(self, line: tuple[str, int], stop: str) -> int:
        try:
            return self._position[line][stop]
        except KeyError:
            raise KeyError(f"stop {stop!r} is not on {line!r}") from None

    def code(self, cell: CellKey) -> int:
        line = (cell.route, cell.direction)
        position = self.position(line, cell.stop)
        if not 0 <= cell.slot < SLOT_COUNT:
            raise KeyError(f"slot out of range: {cell.slot}")
        if cell.day_type not in _DAY_TYPE_INDEX:
            raise KeyError(f"unknown day type: {cell.day_type!r}")
        return (
            self._line_index[line] * self._line_step
            + position * self._position_step
            + _DAY_TYPE_INDEX[DayType(cell.day_type)] * self._day_type_step
            + cell.slot
        )

    def cell(self, code: int) -> CellKey:
        line_index, rest = divmod(int(code), self._line_step)
        position, rest = divmod(rest, self._position_step)
        day_type, slot = divmod(rest, self._day_type_step)
        route, direction = self.lines[line_index]
        return CellKey(
            route,
            direction,
            self.stop_orders[(route, direction)][position],
            DAY_TYPES[day_type],
            slot,
        )

    def line_of(self, codes: IntArray) -> IntArray:
        return codes // self._line_step

    def position_of(self, codes: IntArray) -> IntArray:
        return (codes % self._line_step) // self._position_step

    def offsets(self, settings: ForecastSettings) -> list[tuple[int, int, float]]:
        """(stop offset, slot offset, weight) of each neighbour, the cell itself first."""
        result = [(0, 0, 1.0)]
        for dp in range(-settings.stop_radius, settings.stop_radius + 1):
            for ds in range(-settings.slot_radius, settings.slot_radius + 1):
                if dp or ds:
                    distance = (dp / settings.stop_scale) ** 2 + (ds / settings.slot_scale) ** 2
                    result.append((dp, ds, settings.neighbour_weight * math.exp(-distance / 2)))
        return result

    def shift(self, codes: IntArray, dp: int, ds: int) -> tuple[IntArray, BoolArray]:
        """The codes of the neighbours at (dp, ds), and whether each exists on its line."""
        position = self.position_of(codes) + dp
        slot = codes % SLOT_COUNT + ds
        valid = (
            (position >= 0)
            & (position < self.line_lengths[self.line_of(codes)])
            & (slot >= 0)
            & (slot < SLOT_COUNT)
        )
        return codes + dp * self._position_step + ds * self._slot_step, valid

    def neighbourhood(self, codes: IntArray, settings: ForecastSettings) -> IntArray:
        """The cells whose forecast depends on any of ``codes`` (the kernel is symmetric)."""
        # A bitmap over all possible cells: much faster than sorting 35 shifted copies.
        marked = np.zeros(self.code_space, bool)
        for dp, ds, _weight in self.offsets(settings):
            shifted, valid = self.shift(codes, dp, ds)
            marked[shifted[valid]] = True
        return np.flatnonzero(marked).astype(np.int64)


@dataclass
class CellTable:
    """Per-cell sufficient statistics, one row per cell code (sorted).

    ``decayed[:, l]`` holds the recency weights of the reports of level l+1, relative to the
    cell's most recent report (weights are exp(rate * (t - epoch) - max)); ``counts`` the plain
    counts.
    """

    codes: IntArray
    top: FloatArray  # log weight of the cell's most recent report (-inf: no report)
    decayed: FloatArray
    counts: FloatArray
    devices: IntArray  # distinct device tokens
    first_devices: IntArray  # the k smallest device ids, -1 padded (enough to count a union ≥ k)
    counter_mean: FloatArray  # recency- and reliability-weighted mean passengers
    counter_strength: FloatArray  # sum of reliabilities
    counter_readings: IntArray

    @classmethod
    def empty(cls, k: int) -> CellTable:
        return cls(
            codes=np.zeros(0, np.int64),
            top=np.zeros(0),
            decayed=np.zeros((0, 5)),
            counts=np.zeros((0, 5)),
            devices=np.zeros(0, np.int64),
            first_devices=np.full((0, k), -1, np.int64),
            counter_mean=np.zeros(0),
            counter_strength=np.zeros(0),
            counter_readings=np.zeros(0, np.int64),
        )

    def __len__(self) -> int:
        return len(self.codes)

    def take(self, rows: IntArray | BoolArray) -> CellTable:
        return CellTable(
            codes=self.codes[rows],
            top=self.top[rows],
            decayed=self.decayed[rows],
            counts=self.counts[rows],
            devices=self.devices[rows],
            first_devices=self.first_devices[rows],
            counter_mean=self.counter_mean[rows],
            counter_strength=self.counter_strength[rows],
            counter_readings=self.counter_readings[rows],
        )

    def replace_cells(self, touched: IntArray, fresh: CellTable) -> CellTable:
        """This table with the rows of ``touched`` replaced by ``fresh`` (missing = no data)."""
        kept = self.take(~_isin(self.codes, touched))
        merged = CellTable(
            codes=np.concatenate([kept.codes, fresh.codes]),
            top=np.concatenate([kept.top, fresh.top]),
            decayed=np.concatenate([kept.decayed, fresh.decayed]),
            counts=np.concatenate([kept.counts, fresh.counts]),
            devices=np.concatenate([kept.devices, fresh.devices]),
            first_devices=np.concatenate([kept.first_devices, fresh.first_devices]),
            counter_mean=np.concatenate([kept.counter_mean, fresh.counter_mean]),
            counter_strength=np.concatenate([kept.counter_strength, fresh.counter_strength]),
            counter_readings=np.concatenate([kept.counter_readings, fresh.counter_readings]),
        )
        return merged.take(np.argsort(merged.codes, kind="stable"))

    def rows_of(self, code_space: int) -> IntArray:
        """Row of every possible cell code (-1 when the cell has no data): an O(1) lookup."""
        rows = np.full(code_space, -1, np.int64)
        rows[self.codes] = np.arange(len(self.codes))
        return rows


@dataclass
class ReportArrays:
    codes: IntArray
    observed_at: FloatArray
    levels: IntArray
    devices: IntArray

    def take(self, rows: BoolArray) -> ReportArrays:
        return ReportArrays(
            self.codes[rows], self.observed_at[rows], self.levels[rows], self.devices[rows]
        )


@dataclass
class CounterArrays:
    codes: IntArray
    observed_at: FloatArray
    passengers: FloatArray
    reliability: FloatArray

    def take(self, rows: BoolArray) -> CounterArrays:
        return CounterArrays(
            self.codes[rows], self.observed_at[rows], self.passengers[rows], self.reliability[rows]
        )


def _distinct(values: IntArray) -> IntArray:
    """Sorted distinct values (np.unique's hashing is slow on millions of cell codes)."""
    values = np.sort(values.astype(np.int64))
    if len(values) == 0:
        return values
    keep = np.ones(len(values), bool)
    keep[1:] = values[1:] != values[:-1]
    return values[keep]


def _isin(values: IntArray, members: IntArray) -> BoolArray:
    if len(values) == 0 or len(members) == 0:
        return np.zeros(len(values), bool)
    return np.isin(values, members, kind="table")


def _log_weights(observed_at: FloatArray, half_life_days: float) -> FloatArray:
    return (observed_at - DECAY_EPOCH) * (_LN2 / (half_life_days * 86_400.0))


def cell_statistics(
    reports: ReportArrays,
    counters: CounterArrays,
    settings: ForecastSettings,
    archive: CellTable | None = None,
) -> CellTable:
    """Sufficient statistics of every cell present in the data, from that cell's data alone.

    Rows are put in a canonical order before any sum, and sums run through ``np.bincount`` (a
    plain loop in row order), so a cell gets bit-identical statistics whatever other cells are
    computed alongside it: that is what makes an incremental rebuild equal to a full one.
    ``archive`` holds the statistics of reports no longer kept raw; they are added to the cells'.
    """
    k = settings.k_anonymity
    order = np.lexsort((reports.devices, reports.levels, reports.observed_at, reports.codes))
    r_codes = reports.codes[order]
    r_time = reports.observed_at[order]
    r_level = reports.levels[order]
    r_device = reports.devices[order]
    order = np.lexsort(
        (counters.reliability, counters.passengers, counters.observed_at, counters.codes)
    )
    c_codes = counters.codes[order]
    c_time = counters.observed_at[order]
    c_passengers = counters.passengers[order]
    c_reliability = counters.reliability[order]

    archive = archive if archive is not None else CellTable.empty(k)
    codes = _distinct(np.concatenate([r_codes, c_codes, archive.codes]))
    n = len(codes)
    table = CellTable.empty(k)
    table.codes = codes
    table.top = np.full(n, -np.inf)
    table.decayed = np.zeros((n, 5))
    table.counts = np.zeros((n, 5))
    table.devices = np.zeros(n, np.int64)
    table.first_devices = np.full((n, k), -1, np.int64)
    table.counter_mean = np.zeros(n)
    table.counter_strength = np.zeros(n)
    table.counter_readings = np.zeros(n, np.int64)

    if len(r_codes):
        row = np.searchsorted(codes, r_codes)
        log_w = _log_weights(r_time, settings.half_life_days)
        top = table.top
        np.maximum.at(top, row, log_w)
        weight = np.exp(log_w - top[row])
        for level in range(MIN_LEVEL, MAX_LEVEL + 1):
            mask = r_level == level
            table.decayed[:, level - 1] = np.bincount(row[mask], weights=weight[mask], minlength=n)
            table.counts[:, level - 1] = np.bincount(row[mask], minlength=n)
        order = np.lexsort((r_device, r_codes))
        pair_code, pair_device = r_codes[order], r_device[order]
        new = np.ones(len(order), bool)
        new[1:] = (pair_code[1:] != pair_code[:-1]) | (pair_device[1:] != pair_device[:-1])
        pair_code, pair_device = pair_code[new], pair_device[new]
        pair_row = np.searchsorted(codes, pair_code)
        table.devices = np.bincount(pair_row, minlength=n).astype(np.int64)
        first = np.searchsorted(pair_row, pair_row, side="left")
        rank = np.arange(len(pair_code)) - first
        keep = rank < k
        table.first_devices[pair_row[keep], rank[keep]] = pair_device[keep]

    if len(archive):
        # Both parts rescaled to the most recent report of the two (weights stay below 1).
        row = np.searchsorted(codes, archive.codes)
        raw_top = table.top[row]
        top = np.maximum(raw_top, archive.top)
        raw_scale = np.where(np.isfinite(raw_top), np.exp(raw_top - top), 0.0)
        archive_scale = np.where(np.isfinite(archive.top), np.exp(archive.top - top), 0.0)
        table.decayed[row] = (
            table.decayed[row] * raw_scale[:, None] + archive.decayed * archive_scale[:, None]
        )
        table.counts[row] += archive.counts
        # Archived reports keep no device ids: their count is a floor of the distinct devices.
        table.devices[row] = np.maximum(table.devices[row], archive.devices)
        table.top[row] = top

    if len(c_codes):
        row = np.searchsorted(codes, c_codes)
        log_w = _log_weights(c_time, settings.half_life_days)
        top = np.full(n, -np.inf)
        np.maximum.at(top, row, log_w)
        weight = np.exp(log_w - top[row]) * c_reliability
        total = np.bincount(row, weights=weight, minlength=n)
        summed = np.bincount(row, weights=weight * c_passengers, minlength=n)
        has = total > 0
        table.counter_mean[has] = summed[has] / total[has]
        table.counter_strength = np.bincount(row, weights=c_reliability, minlength=n).astype(
            np.float64
        )
        table.counter_readings = np.bincount(row, minlength=n).astype(np.int64)
    return table


def _row_sum(values: FloatArray) -> FloatArray:
    # Written out so each row's sum never depends on the other rows or on the array's layout.
    return values[:, 0] + values[:, 1] + values[:, 2] + values[:, 3] + values[:, 4]


def _decayed_mean(decayed: FloatArray) -> FloatArray:
    total = _row_sum(decayed)
    mean = np.zeros(len(decayed))
    has = total > 0
    mean[has] = _row_sum(decayed * _LEVELS)[has] / total[has]
    return mean


def fit_calibrations(
    table: CellTable, network: Network, settings: ForecastSettings
) -> dict[str, Calibration]:
    """Per route, passengers → level, learned from the cells having both reports and counts.

    A weighted least-squares line through (mean passengers, mean reported level) of those cells,
    each weighted by the smaller of its report count and counter strength. A route with too few
    such cells, or a fit that does not rise with the number of passengers, gets none (its
    capacity is used instead, see ``ForecastEngine.effective_calibrations``). The figures are
    rounded to three significant digits so that recalibrating only touches the counter cells of
    a route when its calibration really moves.
    """
    reports = _row_sum(table.counts)
    both = (reports > 0) & (table.counter_strength > 0)
    routes = np.array([route for route, _direction in network.lines], dtype=object)
    cell_route = routes[network.line_of(table.codes)] if len(table) else np.zeros(0, object)
    level = _decayed_mean(table.decayed)
    result: dict[str, Calibration] = {}
    for route in sorted({route for route, _direction in network.lines}):
        rows = np.flatnonzero(both & (cell_route == route))
        if len(rows) >= settings.calibration_min_cells:
            w = np.minimum(reports[rows], table.counter_strength[rows])
            x = table.counter_mean[rows]
            y = level[rows]
            sw = float(np.sum(w))
            mx = float(np.sum(w * x)) / sw
            my = float(np.sum(w * y)) / sw
            sxx = float(np.sum(w * (x - mx) ** 2))
            if sxx > 0:
                slope = float(np.sum(w * (x - mx) * (y - my))) / sxx
                if slope > 0:
                    result[route] = Calibration(
                        intercept=round(my - slope * mx, 2),
                        slope=_round_sig(slope),
                        source="reports",
                    )
    return result


# A counter is trusted by default until this many of its readings met reports.
RELIABILITY_MIN_PAIRS = 10


def counter_reliability(pairs: Sequence[tuple[float, float]]) -> float:
    """How much a counter is trusted, from (its calibrated level, the level passengers reported
    there at that moment) pairs: within half a level on average it weighs fully, a level away
    half, 1.4 levels or more a tenth. Too few pairs: fully (nothing says otherwise)."""
    if len(pairs) < RELIABILITY_MIN_PAIRS:
        return 1.0
    gap = sum(abs(counted - reported) for counted, reported in pairs) / len(pairs)
    return round(min(1.0, max(0.1, 1.5 - gap)), 3)


@dataclass
class ForecastArrays:
    codes: IntArray
    level: FloatArray
    confidence: FloatArray
    samples: IntArray


def _union_reaches(first_devices: list[IntArray], k: int) -> BoolArray:
    """Whether the union of each row's device sets has at least k members."""
    stacked = np.sort(np.concatenate(first_devices, axis=1), axis=1)
    distinct = (stacked >= 0) & np.concatenate(
        [np.ones((len(stacked), 1), bool), stacked[:, 1:] != stacked[:, :-1]], axis=1
    )
    return np.asarray(distinct.sum(axis=1) >= k)


def compute_forecasts(
    targets: IntArray,
    table: CellTable,
    network: Network,
    calibrations: Mapping[str, Calibration],
    settings: ForecastSettings,
) -> ForecastArrays:
    """The forecast of each target cell from the statistics of its neighbourhood.

    Every operation is element-wise per target, in a fixed order of neighbours, so a cell's
    forecast is the same whether it is computed alone or with every other cell.
    """
    k = settings.k_anonymity
    targets = np.asarray(targets, np.int64)
    t = len(targets)
    offsets = network.offsets(settings)
    row_of = table.rows_of(network.code_space)
    lookups = []
    for dp, ds, _weight in offsets:
        shifted, valid = network.shift(targets, dp, ds)
        rows = np.where(valid, row_of[np.where(valid, shifted, 0)], -1)
        lookups.append((np.maximum(rows, 0), rows >= 0))

    # Counter readings as levels, with each line's calibration.
    intercept = np.full(len(network.lines), np.nan)
    slope = np.full(len(network.lines), np.nan)
    for i, (route, _direction) in enumerate(network.lines):
        if route in calibrations:
            intercept[i] = calibrations[route].intercept
            slope[i] = calibrations[route].slope
    line = network.line_of(table.codes)
    counter_level = np.clip(intercept[line] + slope[line] * table.counter_mean, 1.0, 5.0)
    counter_strength = np.where(
        np.isnan(counter_level), 0.0, table.counter_strength * settings.counter_weight
    )
    counter_level = np.nan_to_num(counter_level)

    # k-anonymity: own reports need k devices in the cell; the neighbours', k in the neighbours.
    own_rows, own_found = lookups[0]
    own_ok = own_found & (table.devices[own_rows] >= k)
    neighbours_ok = np.zeros(t, bool)
    for rows, found in lookups[1:]:
        neighbours_ok |= found & (table.devices[rows] >= k)
    unsure = np.flatnonzero(~own_ok & ~neighbours_ok)
    for start in range(0, len(unsure), 20_000):
        chunk = unsure[start : start + 20_000]
        sets = [
            np.where(found[chunk, None], table.first_devices[rows[chunk]], -1)
            for rows, found in lookups[1:]
        ]
        neighbours_ok[chunk] = _union_reaches(sets, k)
    use_neighbours = own_ok | neighbours_ok

    # Consensus: median level of the reports in the neighbourhood, weighted like the kernel.
    # Each cell brings its number of reports, spread over the levels as its recent reports are,
    # so that a lasting change is the new consensus, not an outlier.
    report_count = _row_sum(table.counts)
    recency_total = _row_sum(table.decayed)
    recent_share = (
        table.decayed
        * np.where(
            recency_total > 0, report_count / np.where(recency_total > 0, recency_total, 1.0), 0.0
        )[:, None]
    )
    pooled = np.zeros((t, 5))
    for index, ((rows, found), (_dp, _ds, weight)) in enumerate(zip(lookups, offsets, strict=True)):
        use = found & (own_ok if index == 0 else use_neighbours)
        pooled += np.where(use[:, None], weight * recent_share[rows], 0.0)
    total = _row_sum(pooled)
    cumulative = np.cumsum(pooled, axis=1)
    half = total / 2
    level_index = np.minimum(np.sum(cumulative < half[:, None], axis=1), 4)
    before = np.where(
        level_index > 0, cumulative[np.arange(t), np.maximum(level_index - 1, 0)], 0.0
    )
    in_bin = pooled[np.arange(t), level_index]
    with np.errstate(divide="ignore", invalid="ignore"):
        median = level_index + 0.5 + np.where(in_bin > 0, (half - before) / in_bin, 0.5)
    distance = np.abs(_LEVELS[None, :] - median[:, None])
    table_weights = np.array((1.0, *settings.outlier_weights))
    floor = np.minimum(np.floor(distance), 4).astype(np.int64)
    frac = distance - np.floor(distance)
    upper = np.minimum(floor + 1, 4)
    robust = table_weights[floor] * (1 - frac) + table_weights[upper] * frac

    own_strength = np.zeros(t)
    own_sum = np.zeros(t)
    near_strength = np.zeros(t)
    near_sum = np.zeros(t)
    for index, ((rows, found), (_dp, _ds, weight)) in enumerate(zip(lookups, offsets, strict=True)):
        use_reports = found & (own_ok if index == 0 else use_neighbours)
        decayed = table.decayed[rows] * robust
        strength = np.where(use_reports, _row_sum(table.counts[rows] * robust), 0.0)
        decayed_total = _row_sum(decayed)
        mean = np.where(
            use_reports & (decayed_total > 0),
            _row_sum(decayed * _LEVELS) / np.where(decayed_total > 0, decayed_total, 1.0),
            0.0,
        )
        c_strength = np.where(found, counter_strength[rows], 0.0)
        c_level = counter_level[rows]
        if index == 0:
            own_strength = strength + c_strength
            own_sum = strength * mean + c_strength * c_level
        else:
            near_strength = near_strength + weight * (strength + c_strength)
            near_sum = near_sum + weight * (strength * mean + c_strength * c_level)

    prior = np.minimum(near_strength, settings.neighbour_cap)
    near_mean = np.where(
        near_strength > 0, near_sum / np.where(near_strength > 0, near_strength, 1), 0
    )
    strength = own_strength + prior
    published = strength > 0
    level = np.where(
        published, (own_sum + prior * near_mean) / np.where(published, strength, 1.0), 0.0
    )
    confidence = strength / (strength + settings.confidence_half)
    samples = np.where(own_ok, _row_sum(table.counts[own_rows]), 0.0) + np.where(
        own_found, table.counter_readings[own_rows], 0
    )
    return ForecastArrays(
        codes=targets[published],
        level=np.clip(level[published], 1.0, 5.0),
        confidence=confidence[published],
        samples=samples[published].astype(np.int64),
    )


@dataclass
class RebuildSummary:
    cells_with_data: int
    cells_recomputed: int
    forecasts: int


@dataclass
class ForecastEngine:
    """Holds the raw data, the per-cell statistics and the forecasts, and keeps them current.

    ``add_reports``/``add_counter_readings``/``exclude_device`` record which cells changed;
    ``rebuild()`` recomputes only those and their neighbours, ``rebuild(full=True)`` everything.
    """

    network: Network
    settings: ForecastSettings = field(default_factory=ForecastSettings)
    capacities: Mapping[str, float] = field(default_factory=dict)
    reliability: Mapping[str, float] = field(default_factory=dict)
    # Learned calibrations as last stored; ``rebuild(recalibrate=True)`` learns them again.
    calibrations: dict[str, Calibration] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._reports = ReportArrays(
            np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64)
        )
        self._counters = CounterArrays(np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0))
        self._pending_reports: list[ReportArrays] = []
        self._pending_counters: list[CounterArrays] = []
        self._touched: list[IntArray] = []
        self.table = CellTable.empty(self.settings.k_anonymity)
        self._archive = CellTable.empty(self.settings.k_anonymity)
        self._forecast = ForecastArrays(
            np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0, np.int64)
        )
        self._index: dict[int, int] | None = None

    # Data in ---------------------------------------------------------------------------------

    def add_reports(self, reports: Iterable[Report]) -> None:
        reports = list(reports)
        for report in reports:
            if not MIN_LEVEL <= report.level <= MAX_LEVEL:
                raise ValueError(f"unknown level: {report.level}")
        self.add_report_arrays(
            ReportArrays(
                codes=np.array([self.network.code(r.cell) for r in reports], np.int64),
                observed_at=np.array([r.observed_at for r in reports], np.float64),
                levels=np.array([r.level for r in reports], np.int64),
                devices=np.array([device_id(r.device) for r in reports], np.int64),
            )
        )

    def add_report_arrays(self, reports: ReportArrays) -> None:
        self._pending_reports.append(reports)
        self._touched.append(reports.codes)

    def add_counter_readings(self, readings: Iterable[CounterReading]) -> None:
        readings = list(readings)
        self.add_counter_arrays(
            CounterArrays(
                codes=np.array([self.network.code(r.cell) for r in readings], np.int64),
                observed_at=np.array([r.observed_at for r in readings], np.float64),
                passengers=np.array([r.passengers for r in readings], np.float64),
                reliability=np.array(
                    [self.reliability.get(r.counter, 1.0) for r in readings], np.float64
                ),
            )
        )

    def add_counter_arrays(self, readings: CounterArrays) -> None:
        self._pending_counters.append(readings)
        self._touched.append(readings.codes)

    def exclude_device(self, token_hash: str) -> None:
        """Drop every report of a device token (abuse), as if it had never reported."""
        self._merge_pending()
        dropped = self._reports.devices == device_id(token_hash)
        self._touched.append(self._reports.codes[dropped])
        self._reports = self._reports.take(~dropped)

    def archive_reports_before(self, moment: float) -> None:
        """Fold the reports observed before ``moment`` into per-cell aggregates, dropping them.

        Raw reports are not kept beyond 90 days; what they taught the forecast is. The archive
        keeps no device token, only each cell's count of distinct ones.
        """
        self._merge_pending()
        old = self._reports.observed_at < moment
        if not old.any():
            return
        cells = _distinct(self._reports.codes[old])
        folded = cell_statistics(
            self._reports.take(old),
            CounterArrays(np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0)),
            self.settings,
            archive=self._archive.take(_isin(self._archive.codes, cells)),
        )
        folded.first_devices[:] = -1
        self._archive = self._archive.replace_cells(cells, folded)
        self._reports = self._reports.take(~old)
        self._touched.append(cells)

    def _merge_pending(self) -> None:
        if self._pending_reports:
            parts = [self._reports, *self._pending_reports]
            self._reports = ReportArrays(
                np.concatenate([p.codes for p in parts]),
                np.concatenate([p.observed_at for p in parts]),
                np.concatenate([p.levels for p in parts]),
                np.concatenate([p.devices for p in parts]),
            )
            self._pending_reports = []
        if self._pending_counters:
            cparts = [self._counters, *self._pending_counters]
            self._counters = CounterArrays(
                np.concatenate([p.codes for p in cparts]),
                np.concatenate([p.observed_at for p in cparts]),
                np.concatenate([p.passengers for p in cparts]),
                np.concatenate([p.reliability for p in cparts]),
            )
            self._pending_counters = []

    # Rebuild ---------------------------------------------------------------------------------

    def rebuild(self, *, full: bool = False, recalibrate: bool = False) -> RebuildSummary:
        """Bring the statistics and forecasts up to date with the data added since the last run.

        Only the cells that received or lost data, and the cells whose neighbourhood contains
        them, are recomputed, unless ``full``. The counters' calibration is a slower-moving
        parameter: it is kept as it is unless ``recalibrate``, in which case it is learned again
        and the counter cells of every route whose calibration moved are recomputed too.
        """
        self._merge_pending()
        touched = (
            _distinct(np.concatenate(self._touched)) if self._touched else np.zeros(0, np.int64)
        )
        self._touched = []
        if full:
            self.table = cell_statistics(
                self._reports, self._counters, self.settings, archive=self._archive
            )
        else:
            fresh = cell_statistics(
                self._reports.take(_isin(self._reports.codes, touched)),
                self._counters.take(_isin(self._counters.codes, touched)),
                self.settings,
                archive=self._archive.take(_isin(self._archive.codes, touched)),
            )
            self.table = self.table.replace_cells(touched, fresh)
        if recalibrate:
            calibrations = fit_calibrations(self.table, self.network, self.settings)
            moved = {
                route
                for route in set(calibrations) | set(self.calibrations)
                if calibrations.get(route) != self.calibrations.get(route)
            }
            self.calibrations = calibrations
            if moved and not full:
                routes = np.array([route in moved for route, _direction in self.network.lines])
                lines = self.network.line_of(self.table.codes)
                counter_cells = self.table.codes[(self.table.counter_strength > 0) & routes[lines]]
                touched = _distinct(np.concatenate([touched, counter_cells]))
        calibrations = self.effective_calibrations()
        if full:
            targets = self.network.neighbourhood(self.table.codes, self.settings)
            self._forecast = compute_forecasts(
                targets, self.table, self.network, calibrations, self.settings
            )
            self._index = None
            return RebuildSummary(len(self.table), len(targets), len(self._forecast.codes))

        targets = self.network.neighbourhood(touched, self.settings) if len(touched) else touched
        fresh_forecast = compute_forecasts(
            targets, self.table, self.network, calibrations, self.settings
        )
        old = self._forecast
        keep = ~_isin(old.codes, targets)
        codes = np.concatenate([old.codes[keep], fresh_forecast.codes])
        order = np.argsort(codes, kind="stable")
        self._forecast = ForecastArrays(
            codes=codes[order],
            level=np.concatenate([old.level[keep], fresh_forecast.level])[order],
            confidence=np.concatenate([old.confidence[keep], fresh_forecast.confidence])[order],
            samples=np.concatenate([old.samples[keep], fresh_forecast.samples])[order],
        )
        self._index = None
        return RebuildSummary(len(self.table), len(targets), len(self._forecast.codes))

    def effective_calibrations(self) -> dict[str, Calibration]:
        """The learned calibrations, and the capacity-based one for routes without."""
        result = {
            route: Calibration.from_capacity(capacity)
            for route, capacity in self.capacities.items()
            if capacity
        }
        result.update(self.calibrations)
        return result

    # Reading ---------------------------------------------------------------------------------

    def forecast(self, cell: CellKey) -> CellForecast | None:
        """The cell's forecast, or None when it is left out (no data, or too few contributors)."""
        try:
            code = self.network.code(cell)
        except KeyError:
            return None
        return self.forecast_by_code(code)

    def forecast_by_code(self, code: int) -> CellForecast | None:
        if self._index is None:
            self._index = {int(c): i for i, c in enumerate(self._forecast.codes)}
        row = self._index.get(code)
        if row is None:
            return None
        return CellForecast(
            level=float(self._forecast.level[row]),
            confidence=float(self._forecast.confidence[row]),
            samples=int(self._forecast.samples[row]),
        )

    def forecasts(self) -> dict[CellKey, CellForecast]:
        return {
            self.network.cell(int(code)): CellForecast(
                level=float(level), confidence=float(confidence), samples=int(samples)
            )
            for code, level, confidence, samples in zip(
                self._forecast.codes,
                self._forecast.level,
                self._forecast.confidence,
                self._forecast.samples,
                strict=True,
            )
        }

    def now(
        self,
        cell: CellKey,
        at: float,
        *,
        reports: Iterable[Report] = (),
        counter_readings: Iterable[CounterReading] = (),
    ) -> NowLevel | None:
        return level_now(
            cell,
            at,
            forecast=self.forecast,
            network=self.network,
            calibrations=self.effective_calibrations(),
            reliability=self.reliability,
            settings=self.settings,
            reports=reports,
            counter_readings=counter_readings,
        )


def level_now(
    cell: CellKey,
    at: float,
    *,
    forecast: Callable[[CellKey], CellForecast | None],
    network: Network,
    calibrations: Mapping[str, Calibration],
    reliability: Mapping[str, float],
    settings: ForecastSettings,
    reports: Iterable[Report] = (),
    counter_readings: Iterable[CounterReading] = (),
) -> NowLevel | None:
    """The level at ``cell`` at Unix time ``at``, from the last minutes' observations on its line.

    ``forecast`` gives a cell's CellForecast (or None). Each recent observation on the same
    line says how far that stop is from its own forecast right now; those gaps, weighted by how
    close the stop is and how recent the observation, robustly averaged and shrunk towards zero,
    move this cell's forecast. A cell without a forecast gets the robust mean of the recent
    observations at its own stop, if any. Reports count only from ``now_min_devices`` distinct
    devices. None when there is neither a forecast nor a usable recent observation.
    """
    base = forecast(cell)
    line = (cell.route, cell.direction)
    try:
        position = network.position(line, cell.stop)
    except KeyError:
        return None
    window = settings.now_window_minutes * 60.0
    min_devices = (
        settings.k_anonymity if settings.now_min_devices is None else settings.now_min_devices
    )

    def weight(observed: CellKey, observed_at: float) -> float:
        age = at - observed_at
        if (observed.route, observed.direction) != line or not 0 <= age <= window:
            return 0.0
        try:
            distance = abs(network.position(line, observed.stop) - position)
        except KeyError:
            return 0.0
        if base is None and distance:
            return 0.0
        return math.exp(-distance / settings.now_stop_scale) * (1.0 - 0.5 * age / window)

    def reference(observed: CellKey) -> float | None:
        """What the observation is compared with: its cell's forecast, or 0 (the level itself)."""
        if base is None:
            return 0.0
        expected = forecast(observed)
        return None if expected is None else expected.level

    gaps: list[tuple[float, float]] = []
    devices: set[str] = set()
    report_gaps: list[tuple[float, float]] = []
    for report in reports:
        w = weight(report.cell, report.observed_at)
        expected = reference(report.cell) if w > 0 else None
        if expected is not None:
            report_gaps.append((report.level - expected, w))
            devices.add(report.device)
    used_reports = len(report_gaps) if len(devices) >= min_devices else 0
    if used_reports:
        gaps.extend(report_gaps)
    used_counters = 0
    for reading in counter_readings:
        calibration = calibrations.get(reading.cell.route)
        w = weight(reading.cell, reading.observed_at) if calibration else 0.0
        expected = reference(reading.cell) if w > 0 else None
        if expected is not None and calibration is not None:
            w *= settings.counter_weight * reliability.get(reading.counter, 1.0)
            gaps.append((calibration.level(reading.passengers) - expected, w))
            used_counters += 1
    if not gaps:
        return None if base is None else NowLevel(base.level, "forecast", 0, 0)
    if base is None:
        level = _robust_mean(gaps, prior=0.0)
    else:
        level = base.level + _robust_mean(gaps, prior=settings.now_prior)
    return NowLevel(clamp_level(level), "recent", used_reports, used_counters)


def _robust_mean(values_weights: list[tuple[float, float]], *, prior: float) -> float:
    """Weighted mean with Huber weights around the weighted median, shrunk to 0 by ``prior``."""
    values = np.array([v for v, _w in values_weights])
    weights = np.array([w for _v, w in values_weights])
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    centre = float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2)])
    # One report far from the others cannot swing the result.
    spread = np.abs(values - centre)
    weights = weights * np.minimum(1.0, 1.0 / np.maximum(spread, 1e-9))
    return float(np.sum(weights * values)) / (float(np.sum(weights)) + prior)


__all__ = [
    "DAY_TYPES",
    "LEVEL_NAMES",
    "OCCUPANCY_STATUS",
    "Calibration",
    "CellForecast",
    "CellKey",
    "CounterReading",
    "DayType",
    "ForecastEngine",
    "ForecastSettings",
    "Network",
    "NowLevel",
    "Report",
    "day_type_for",
    "level_now",
    "occupancy_status",
    "slot_for",
]
