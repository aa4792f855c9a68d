"""The Things Network v3 uplink webhook: one uplink message per request.

The sensor is found by ``end_device_ids.dev_eui``, the time is ``received_at``, and the fields
of ``uplink_message.decoded_payload`` (from the application's payload formatter) are mapped per
sensor: a field named by a quantity code is that quantity, others through ``Sensor.payload_map``.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from sensors.formats import (
    Candidate,
    Parsed,
    Reject,
    ShapeError,
    parse_number,
    parse_time,
    unstorable,
)
from sensors.quantities import QUANTITIES

if TYPE_CHECKING:
    from sensors.models import IngestBatch


def dev_eui(document: dict[str, Any]) -> str:
    ids = document.get("end_device_ids")
    value = ids.get("dev_eui") if isinstance(ids, dict) else None
    return value.upper() if isinstance(value, str) else ""


def check(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body.decode())
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ShapeError(f"not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise ShapeError("expected a JSON object")
    problem = unstorable(document)
    if problem is not None:
        raise ShapeError(problem)
    if not dev_eui(document):
        raise ShapeError("end_device_ids.dev_eui is missing")
    if not isinstance(document.get("uplink_message"), dict):
        raise ShapeError("not an uplink message (uplink_message is missing)")
    if parse_time(document.get("received_at")) is None:
        raise ShapeError("received_at is missing or has no time zone")
    return document


class TtnFormat:
    code = "ttn"

    def parse(self, batch: IngestBatch) -> Parsed:
        # An uplink is small and atomic: a rejected part is replayed as the whole document
        # (the parts already stored come back as identical duplicates, which are harmless).
        parsed = Parsed(wrap=lambda items: batch.body)
        try:
            document = json.loads(batch.body)
            uplink = document["uplink_message"]
        except (ValueError, KeyError, TypeError) as exc:
            parsed.rejects.append(Reject("syntax", str(exc), batch.body))
            return parsed
        problem = unstorable(document)
        if problem is not None:
            parsed.rejects.append(Reject("syntax", problem, batch.body))
            return parsed
        device_id = dev_eui(document)
        moment = parse_time(document.get("received_at"))
        decoded = uplink.get("decoded_payload")
        if moment is None:
            parsed.rejects.append(Reject("bad_time", "received_at", batch.body, device_id))
            return parsed
        if not isinstance(decoded, dict) or not decoded:
            detail = f"frm_payload={uplink.get('frm_payload', '')!r}"
            parsed.rejects.append(Reject("undecoded", detail, batch.body, device_id))
            return parsed
        if batch.sensor is None:
            parsed.rejects.append(Reject("unknown_sensor", device_id, batch.body, device_id))
            return parsed
        payload_map = batch.sensor.payload_map
        for name, raw in decoded.items():
            quantity = payload_map.get(name) or (name if name in QUANTITIES else None)
            number = parse_number(raw)
            if quantity is None:
                parsed.rejects.append(
                    Reject("unknown_type", f"decoded field {name!r}", batch.body, device_id)
                )
            elif number is None or not math.isfinite(number):
                parsed.rejects.append(Reject("bad_value", f"{name}={raw!r}", batch.body, device_id))
            else:
                parsed.candidates.append(
                    Candidate(device_id, quantity, moment, number, {name: raw})
                )
        return parsed


FORMAT = TtnFormat()
