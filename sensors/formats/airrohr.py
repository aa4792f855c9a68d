"""sensor.community's airrohr firmware, "Send data to custom API".

The firmware POSTs ``{"esp8266id", "software_version", "sensordatavalues": [{"value_type",
"value"}]}`` with values as strings and no timestamp, headers ``X-Sensor: esp8266-<chipid>``
and ``X-MAC-ID``, and HTTP Basic auth when a user or password is configured.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from sensors.formats import Candidate, Parsed, Reject, ShapeError, parse_number, unstorable

if TYPE_CHECKING:
    from sensors.models import IngestBatch

# value_type -> (quantity, factor to our unit)
VALUE_TYPES: dict[str, tuple[str, float]] = {
    # Nova SDS011 / SDS021
    "SDS_P1": ("pm10", 1),
    "SDS_P2": ("pm25", 1),
    # Sensirion SPS30 (P0 = PM1, P2 = PM2.5, P1 = PM10; P4 = PM4 has no quantity of ours)
    "SPS30_P0": ("pm1", 1),
    "SPS30_P2": ("pm25", 1),
    "SPS30_P1": ("pm10", 1),
    # Plantower PMS
    "PMS_P0": ("pm1", 1),
    "PMS_P2": ("pm25", 1),
    "PMS_P1": ("pm10", 1),
    # Honeywell HPM
    "HPM_P2": ("pm25", 1),
    "HPM_P1": ("pm10", 1),
    # Bosch BME280 / BMP280 / BMP180: pressure in Pa, ours in hPa
    "BME280_temperature": ("temperature", 1),
    "BME280_humidity": ("humidity", 1),
    "BME280_pressure": ("pressure", 0.01),
    "BMP280_temperature": ("temperature", 1),
    "BMP280_pressure": ("pressure", 0.01),
    "BMP_temperature": ("temperature", 1),
    "BMP_pressure": ("pressure", 0.01),
    # DHT22 and friends
    "temperature": ("temperature", 1),
    "humidity": ("humidity", 1),
    "SHT3X_temperature": ("temperature", 1),
    "SHT3X_humidity": ("humidity", 1),
    "HTU21D_temperature": ("temperature", 1),
    "HTU21D_humidity": ("humidity", 1),
    # DNMS noise module
    "DNMS_noise_LAeq": ("noise_laeq", 1),
    "DNMS_noise_LA_min": ("noise_lamin", 1),
    "DNMS_noise_LA_max": ("noise_lamax", 1),
}
# The firmware's own diagnostics, stored as device health.
DIAGNOSTICS = {
    "samples": "samples",
    "min_micro": "min_micro",
    "max_micro": "max_micro",
    "interval": "interval_ms",
    "signal": "signal_dbm",
}
# Known values without a quantity of ours: kept with the device health, not quarantined.
KEPT_AS_HEALTH = {
    "SPS30_P4",
    "SPS30_N05",
    "SPS30_N1",
    "SPS30_N25",
    "SPS30_N4",
    "SPS30_N10",
    "SPS30_TS",
    "BME280_altitude",
    "GPS_lat",
    "GPS_lon",
    "GPS_height",
    "GPS_timestamp",
}


def _diagnostic(value: Any) -> int | None:
    """A diagnostic as the whole number its column holds, else None (it is left out)."""
    number = parse_number(value)
    if number is None or not math.isfinite(number) or abs(number) >= 2**31:
        return None
    return int(number)


def check(body: bytes, *, device_header: str) -> dict[str, Any]:
    try:
        document = json.loads(body.decode())
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ShapeError(f"not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise ShapeError("expected a JSON object")
    problem = unstorable(document)
    if problem is not None:
        raise ShapeError(problem)
    values = document.get("sensordatavalues")
    if not isinstance(values, list) or not all(
        isinstance(item, dict) and "value_type" in item and "value" in item for item in values
    ):
        raise ShapeError("sensordatavalues must be a list of {value_type, value}")
    for item in values:
        if item["value_type"] in DIAGNOSTICS and _diagnostic(item["value"]) is None:
            raise ShapeError(f"{item['value_type']}: {item['value']!r} is not a whole number")
    chip_id = str(document.get("esp8266id", ""))
    if chip_id and device_header.split("-", 1)[-1] != chip_id:
        raise ShapeError("esp8266id does not match the X-Sensor header")
    return document


class AirrohrFormat:
    code = "airrohr"

    def parse(self, batch: IngestBatch) -> Parsed:
        try:
            document = json.loads(batch.body)
            items = document["sensordatavalues"]
        except (ValueError, KeyError, TypeError) as exc:
            return Parsed(rejects=[Reject("syntax", str(exc), batch.body)])
        problem = unstorable(document)
        if problem is not None:
            return Parsed(rejects=[Reject("syntax", problem, batch.body)])
        head = {key: value for key, value in document.items() if key != "sensordatavalues"}

        def wrap(selected: list[Any]) -> str:
            return json.dumps({**head, "sensordatavalues": selected}, ensure_ascii=False)

        parsed = Parsed(wrap=wrap)
        device_id = batch.sensor.device_id if batch.sensor is not None else ""
        moment = batch.reading_time or batch.received_at
        health: dict[str, Any] = {
            "received_at": moment,
            "software_version": str(document.get("software_version", ""))[:64],
            "extra": {},
        }
        for item in items:
            value_type = str(item.get("value_type", ""))
            number = parse_number(item.get("value"))
            if value_type in DIAGNOSTICS:
                whole = _diagnostic(item.get("value"))
                if whole is not None:
                    health[DIAGNOSTICS[value_type]] = whole
            elif value_type in KEPT_AS_HEALTH:
                health["extra"][value_type] = item.get("value")
            elif value_type not in VALUE_TYPES:
                parsed.rejects.append(
                    Reject("unknown_type", f"value_type {value_type!r}", wrap([item]), device_id)
                )
            elif number is None or not math.isfinite(number):
                parsed.rejects.append(
                    Reject("bad_value", f"{item.get('value')!r}", wrap([item]), device_id)
                )
            else:
                quantity, factor = VALUE_TYPES[value_type]
                parsed.candidates.append(
                    Candidate(device_id, quantity, moment, round(number * factor, 6), item)
                )
        if len(health) > 3 or health["extra"]:
            parsed.health.append(health)
        return parsed


FORMAT = AirrohrFormat()
