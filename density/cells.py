"""Forecast cells in the database: line direction, stop, day type and quarter hour.

A cell is stored as one 64-bit integer packing the route's and stop's primary keys, the
direction, the day type and the quarter hour, so reports, statistics and forecasts are joined on
one indexed column and survive a re-import (route and stop rows are updated in place). The engine
(``density.forecast``) numbers cells by position on the line instead; ``EngineNetwork`` converts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
from django.utils import timezone

from density import forecast
from density.daytypes import DayType, day_type
from density.models import RouteStop

SLOT_BITS = 7  # forecast.SLOT_COUNT = 128
DAY_TYPE_BITS = 2
STOP_BITS = 24
DAY_TYPES: tuple[DayType, ...] = (DayType.WEEKDAY, DayType.SATURDAY, DayType.SUNDAY_HOLIDAY)
_DAY_TYPE_INDEX = {value: i for i, value in enumerate(DAY_TYPES)}
# A moment before this hour belongs to the previous service day (GTFS times past 24:00).
SERVICE_DAY_START_HOUR = 4


def cell_key(*, route_id: int, direction_id: int, stop_id: int, day_type: str, slot: int) -> int:
    line_stop = ((route_id << 1) | direction_id) << STOP_BITS | stop_id
    return (line_stop << DAY_TYPE_BITS | _DAY_TYPE_INDEX[DayType(day_type)]) << SLOT_BITS | slot


@dataclass(frozen=True)
class Cell:
    route_id: int
    direction_id: int
    stop_id: int
    day_type: DayType
    slot: int

    @classmethod
    def of(cls, key: int) -> Cell:
        slot = key & ((1 << SLOT_BITS) - 1)
        key >>= SLOT_BITS
        day = DAY_TYPES[key & ((1 << DAY_TYPE_BITS) - 1)]
        key >>= DAY_TYPE_BITS
        stop_id = key & ((1 << STOP_BITS) - 1)
        key >>= STOP_BITS
        return cls(key >> 1, key & 1, stop_id, day, slot)

    @property
    def key(self) -> int:
        return cell_key(
            route_id=self.route_id,
            direction_id=self.direction_id,
            stop_id=self.stop_id,
            day_type=self.day_type,
            slot=self.slot,
        )


def service_moment(moment: datetime) -> tuple[date, int]:
    """The service day of an instant and the seconds since that day's (local) midnight."""
    local = timezone.localtime(moment)
    day = local.date()
    if local.hour < SERVICE_DAY_START_HOUR:
        day -= timedelta(days=1)
    midnight = datetime.combine(day, time(), tzinfo=local.tzinfo)
    return day, int((local.replace(tzinfo=None) - midnight.replace(tzinfo=None)).total_seconds())


def day_type_and_slot(moment: datetime) -> tuple[DayType, int]:
    day, seconds = service_moment(moment)
    return day_type(day), forecast.slot_for(seconds)


def slot_label(slot: int) -> str:
    """ "07:15" for slot 29; service past midnight reads "24:30"."""
    minutes = slot * forecast.SLOT_MINUTES
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class EngineNetwork:
    """The lines' stop orders from ``RouteStop`` as the engine's ``Network``, and the
    conversion of database cell keys to engine codes and back."""

    def __init__(self) -> None:
        orders: dict[tuple[str, int], list[str]] = {}
        for route_id, direction_id, stop_id in RouteStop.objects.order_by(
            "pattern__route_id", "pattern__direction_id", "position"
        ).values_list("pattern__route_id", "pattern__direction_id", "stop_id"):
            orders.setdefault((str(route_id), direction_id), []).append(str(stop_id))
        self.network = forecast.Network(orders)
        # Engine code of each line-stop's weekday slot 0; other cells add day type and slot.
        self._base: dict[int, int] = {}
        network = self.network
        self._line_stop = np.zeros((max(len(network.lines), 1), network.max_stops), np.int64)
        for line_index, (route, direction) in enumerate(network.lines):
            for position, stop in enumerate(network.stop_orders[(route, direction)]):
                self._line_stop[line_index, position] = (
                    (int(route) << 1 | direction) << STOP_BITS
                ) | int(stop)
        for (route, direction), stops in orders.items():
            for stop in stops:
                key = cell_key(
                    route_id=int(route),
                    direction_id=direction,
                    stop_id=int(stop),
                    day_type=DayType.WEEKDAY,
                    slot=0,
                )
                self._base.setdefault(
                    key >> (SLOT_BITS + DAY_TYPE_BITS),
                    self.network.code(forecast.CellKey(route, direction, stop, "weekday", 0)),
                )

    def codes(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Engine codes of database cell keys, and which keys are on the network at all."""
        keys = np.asarray(keys, np.int64)
        line_stops, inverse = np.unique(keys >> (SLOT_BITS + DAY_TYPE_BITS), return_inverse=True)
        base = np.array([self._base.get(int(ls), -1) for ls in line_stops], np.int64)[inverse]
        day = (keys >> SLOT_BITS) & ((1 << DAY_TYPE_BITS) - 1)
        slot = keys & ((1 << SLOT_BITS) - 1)
        known = base >= 0
        return np.where(known, base + day * forecast.SLOT_COUNT + slot, -1), known

    def keys(self, codes: np.ndarray) -> np.ndarray:
        """Database cell keys of engine codes."""
        codes = np.asarray(codes, np.int64)
        line_stop = self._line_stop[self.network.line_of(codes), self.network.position_of(codes)]
        day = (codes // forecast.SLOT_COUNT) % len(forecast.DAY_TYPES)
        slot = codes % forecast.SLOT_COUNT
        return ((line_stop << DAY_TYPE_BITS | day) << SLOT_BITS) | slot
