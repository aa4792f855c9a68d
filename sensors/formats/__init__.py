"""Device formats behind a registry: each vendor's wire format in its own small module.

A format does two things. ``check(body, ...)`` runs in the request: syntax and shape only, so
a device hears 400 at once rather than never. ``parse(batch)`` runs in the worker and turns the
stored body into candidate readings, rejects (each with a replayable body in the same format)
and device health samples; validation common to every format happens after, in the service.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sensors.models import IngestBatch


class ShapeError(ValueError):
    """The body is not what the format promises (the request answers 400)."""


class TooManyRows(ValueError):
    """More rows than one request may carry (the request answers 413)."""


@dataclass(slots=True)
class Candidate:
    device_id: str
    quantity: str
    time: datetime
    value: float
    source: Any  # the item of the body it came from, for a replayable quarantine body


@dataclass
class Reject:
    reason: str
    detail: str
    payload: str  # a body in the same format holding just the rejected part
    device_id: str | None = None


@dataclass
class Parsed:
    candidates: list[Candidate] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    health: list[dict[str, Any]] = field(default_factory=list)
    # Wraps source items back into a body of this format (for rejects found after parsing).
    wrap: Callable[[list[Any]], str] = lambda items: ""


class Format(Protocol):
    code: str

    def parse(self, batch: IngestBatch) -> Parsed: ...


_formats: dict[str, Format] = {}


def register(fmt: Format) -> Format:
    _formats[fmt.code] = fmt
    return fmt


def get(code: str) -> Format:
    if not _formats:
        load()
    return _formats[code]


def load() -> None:
    from sensors.formats import airrohr, native, ttn

    for module in (airrohr, native, ttn):
        register(module.FORMAT)


def parse_time(value: Any) -> datetime | None:
    """An ISO-8601 time with its time zone, else None."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        return None
    return moment


def parse_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, int | float):
            return float(value)
        if isinstance(value, str):
            return float(value.strip())
    except (ValueError, OverflowError):  # an integer no float can hold
        return None
    return None


def unstorable(document: Any) -> str | None:
    """What in a decoded JSON document the database cannot store, or None when all is well.

    PostgreSQL refuses a NUL character in text and JSON, a lone surrogate cannot be encoded,
    and an integer beyond a float's range cannot become a reading: a request carrying one is
    refused at once (a 400), rather than accepted and failing in the worker.
    """
    pending = [document]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            if "\x00" in item:
                return f"a text holds a NUL character: {item[:40]!r}"
            try:
                item.encode()
            except UnicodeEncodeError:
                return f"a text holds a lone surrogate: {item[:40]!r}"
        elif isinstance(item, float) and not math.isfinite(item):
            return f"a number is not finite: {item}"
        elif isinstance(item, int) and not isinstance(item, bool):
            try:
                float(item)
            except OverflowError:
                return "an integer is too large for a number"
    return None
