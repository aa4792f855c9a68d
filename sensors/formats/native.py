"""The native format: a JSON array or NDJSON of ``{sensor, time, quantity, value}``.

Over MQTT the topic names the sensor, so a row may leave ``sensor`` out and a single object is
accepted as one row.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from sensors.formats import Candidate, Parsed, Reject, ShapeError, TooManyRows, parse_time

if TYPE_CHECKING:
    from sensors.models import IngestBatch

FIELDS = ("sensor", "time", "quantity", "value")


def loads(body: str | bytes) -> list[Any]:
    """The rows of a body, whatever they hold. Raises ShapeError on bad syntax."""
    text = body.decode() if isinstance(body, bytes) else body
    stripped = text.lstrip()
    try:
        if stripped.startswith("["):
            rows = json.loads(text)
        elif stripped.startswith("{") and "\n" not in stripped.strip():
            rows = [json.loads(text)]
        else:
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    except (ValueError, UnicodeDecodeError) as exc:
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
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise ShapeError(f"row {index}: expected an object")
        needed = FIELDS[1:] if sensor_optional else FIELDS
        missing = [name for name in needed if name not in row]
        if missing:
            raise ShapeError(f"row {index}: missing {', '.join(missing)}")
        if not isinstance(row.get("sensor", ""), str) or not isinstance(row["time"], str):
            raise ShapeError(f"row {index}: sensor and time must be strings")
        if not isinstance(row["quantity"], str):
            raise ShapeError(f"row {index}: quantity must be a string")
        if isinstance(row["value"], bool) or not isinstance(row["value"], int | float):
            raise ShapeError(f"row {index}: value must be a number")
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
        for row in rows:
            reason = None
            if not isinstance(row, dict):
                parsed.rejects.append(Reject("syntax", "not an object", _wrap([row])))
                continue
            device_id = row.get("sensor", default_device)
            moment = parse_time(row.get("time"))
            value = row.get("value")
            if not isinstance(device_id, str) or not isinstance(row.get("quantity"), str):
                reason = ("syntax", "sensor and quantity must be strings")
            elif moment is None:
                reason = ("bad_time", f"time {row.get('time')!r} is not ISO-8601 with a zone")
            elif (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
            ):
                reason = ("bad_value", f"value {value!r} is not a finite number")
            if reason is not None:
                parsed.rejects.append(
                    Reject(reason[0], reason[1], _wrap([row]), device_id=_str_or_none(device_id))
                )
                continue
            assert moment is not None and isinstance(device_id, str)
            parsed.candidates.append(
                Candidate(device_id, row["quantity"], moment, float(value), row)  # type: ignore[arg-type]
            )
        return parsed


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


FORMAT = NativeFormat()
