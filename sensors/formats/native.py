"""The native format: a JSON array or NDJSON of ``{sensor, time, quantity, value}``.

Over MQTT the topic names the sensor, so a row may leave ``sensor`` out and a single object is
accepted as one row.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sensors.formats import (
    Candidate,
    Parsed,
    Reject,
    ShapeError,
    TooManyRows,
    parse_time,
    unstorable,
)

if TYPE_CHECKING:
    from sensors.models import IngestBatch

FIELDS = ("sensor", "time", "quantity", "value")


_LEADING_SPACE = re.compile(r"\s*")


def loads(body: str | bytes) -> list[Any]:
    """The rows of a body, whatever they hold. Raises ShapeError on bad syntax."""
    try:
        text = body.decode() if isinstance(body, bytes) else body
        # The first character tells the shape (no copy of a megabyte body to find it).
        first = text[_LEADING_SPACE.match(text).end() :][:1]  # type: ignore[union-attr]
        if first == "[":
            rows = json.loads(text)
        elif first == "{" and "\n" not in text.strip():
            rows = [json.loads(text)]
        else:
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ShapeError(f"not JSON or NDJSON: {exc}") from exc
    if not isinstance(rows, list):
        raise ShapeError("expected a JSON array of readings")
    return rows


def check(body: bytes, *, max_rows: int, sensor_optional: bool = False) -> list[dict[str, Any]]:
    """Syntax and shape, in the request: every row an object with the four fields."""
    rows = loads(body)
    if len(rows) > max_rows:
        raise TooManyRows(f"{len(rows)} rows, at most {max_rows} per request")
    if not rows:
        raise ShapeError("no readings")
    needed = FIELDS[1:] if sensor_optional else FIELDS
    # Exact types: JSON gives str, int, float (and bool, which is no number here).
    numbers = (int, float)
    for index, row in enumerate(rows):
        if type(row) is not dict:
            raise ShapeError(f"row {index}: expected an object")
        try:
            moment, quantity, value = row["time"], row["quantity"], row["value"]
            sensor = row["sensor"] if not sensor_optional else row.get("sensor", "")
        except KeyError:
            missing = [name for name in needed if name not in row]
            raise ShapeError(f"row {index}: missing {', '.join(missing)}") from None
        if type(sensor) is not str or type(moment) is not str:
            raise ShapeError(f"row {index}: sensor and time must be strings")
        if type(quantity) is not str:
            raise ShapeError(f"row {index}: quantity must be a string")
        if type(value) not in numbers:
            raise ShapeError(f"row {index}: value must be a number")
        problem = unstorable(row)
        if problem is not None:
            raise ShapeError(f"row {index}: {problem}")
    return rows


def _wrap(items: list[Any]) -> str:
    return json.dumps(items, ensure_ascii=False)


class NativeFormat:
    code = "native"

    def parse(self, batch: IngestBatch) -> Parsed:
        parsed = Parsed(wrap=_wrap)
        try:
            rows = loads(batch.body)
        except ShapeError as exc:
            parsed.rejects.append(Reject("syntax", str(exc), batch.body))
            return parsed
        default_device = batch.sensor.device_id if batch.sensor is not None else None
        # A gateway sends many sensors at the same instants: each distinct time is parsed once.
        times: dict[Any, datetime | None] = {}
        candidates, rejects = parsed.candidates, parsed.rejects
        numbers = (int, float)
        for row in rows:
            reason = None
            if type(row) is not dict:
                rejects.append(Reject("syntax", "not an object", _wrap([row])))
                continue
            problem = unstorable(row)
            if problem is not None:  # over MQTT nothing refused it before: quarantined here
                rejects.append(Reject("syntax", problem, json.dumps([row])))
                continue
            device_id = row.get("sensor", default_device)
            quantity = row.get("quantity")
            text = row.get("time")
            try:
                moment = times[text]
            except KeyError:
                moment = times[text] = parse_time(text)
            except TypeError:  # not hashable: not a string either
                moment = None
            value: Any = row.get("value")
            if type(device_id) is not str or type(quantity) is not str:
                reason = ("syntax", "sensor and quantity must be strings")
            elif moment is None:
                reason = ("bad_time", f"time {text!r} is not ISO-8601 with a zone")
            elif type(value) not in numbers or not math.isfinite(value):  # bool is no number
                reason = ("bad_value", f"value {value!r} is not a finite number")
            if reason is not None:
                rejects.append(
                    Reject(reason[0], reason[1], _wrap([row]), device_id=_str_or_none(device_id))
                )
                continue
            candidates.append(Candidate(device_id, quantity, moment, float(value), row))  # type: ignore[arg-type]
        return parsed


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


FORMAT = NativeFormat()
