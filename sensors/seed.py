"""Demo sensors for the demo city (``manage.py seed_demo``): a day of plausible readings."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import IO

from django.db import transaction
from django.utils import timezone

from civic.city import city
from civic.models import District, User
from sensors.aqi import scales_install
from sensors.models import PendingRollup, Sensor
from sensors.rollups import aggregates_refresh
from sensors.storage import Row, readings_write

# device id, format, kind, (north, east) offset from the map centre in degrees, hosted by
DEMO_SENSORS = [
    ("esp8266-13463419", "airrohr", "air_quality", (-0.010, -0.035), "alice@civic.example"),
    ("esp8266-8812034", "airrohr", "air_quality", (-0.010, 0.000), None),
    ("esp8266-5520417", "airrohr", "air_quality", (0.010, 0.030), None),
    ("noise-halles-1", "native", "noise", (-0.012, 0.004), None),
    ("bin-gare-17", "native", "bin", (-0.008, 0.031), None),
    ("70B3D57ED0001234", "ttn", "water_level", (0.012, -0.030), None),
]
# quantity -> (base, daily swing, noise)
PROFILES = {
    "pm25": (9.0, 6.0, 3.0),
    "pm10": (16.0, 9.0, 5.0),
    "temperature": (9.0, 5.0, 0.5),
    "humidity": (78.0, -12.0, 2.0),
    "pressure": (1013.0, 1.5, 0.3),
    "noise_laeq": (55.0, 8.0, 3.0),
    "noise_lamin": (42.0, 6.0, 2.0),
    "noise_lamax": (72.0, 8.0, 4.0),
    "fill_level": (35.0, 25.0, 2.0),
    "water_level": (145.0, 10.0, 1.0),
}
STEP = timedelta(minutes=10)


def _value(seed: int, quantity: str, moment: datetime) -> float:
    base, swing, noise = PROFILES[quantity]
    day_phase = 2 * math.pi * (moment.hour * 60 + moment.minute) / 1440
    wobble = math.sin(seed * 12.9898 + moment.timestamp() / 600 * 78.233)
    return round(base + swing * math.sin(day_phase - math.pi / 2) + noise * wobble, 2)


@transaction.atomic
def seed_sensors(*, stdout: IO[str]) -> None:
    lat0, lon0 = city().map_center
    end = timezone.now().astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    rows: list[Row] = []
    for index, (device_id, device_format, kind, (north, east), host) in enumerate(DEMO_SENSORS):
        latitude, longitude = round(lat0 + north, 5), round(lon0 + east, 5)
        quantities = [q for q in PROFILES if q in _kind_quantities(kind)]
        sensor, created = Sensor.objects.get_or_create(
            device_id=device_id,
            defaults={
                "device_format": device_format,
                "kind": kind,
                "quantities": quantities,
                "latitude": latitude,
                "longitude": longitude,
                "district": District.containing(latitude, longitude),
                "owner": User.objects.filter(email=host).first() if host else None,
            },
        )
        if created:
            sensor.set_new_secret()  # unknown to anyone: `sensor_add --rotate` gives a usable one
            sensor.save(update_fields=["secret_hash"])
        moment = end - timedelta(days=1)
        while moment < end:
            rows.extend(
                (sensor.pk, quantity, moment, _value(index, quantity, moment))
                for quantity in quantities
            )
            moment += STEP
    scales_install()
    stored = readings_write(rows)
    PendingRollup.objects.bulk_create(
        [
            PendingRollup(sensor_id=s, quantity=q, hour=t.replace(minute=0))
            for s, q, t in {(r[0], r[1], r[2].replace(minute=0)) for r in stored.inserted}
        ],
        ignore_conflicts=True,
    )
    aggregates_refresh()
    stdout.write(
        f"Sensors: {len(DEMO_SENSORS)} sensors, {len(stored.inserted)} new readings "
        "(secrets unknown: `manage.py sensor_add --device-id ID --format F --rotate`)\n"
    )


def _kind_quantities(kind: str) -> tuple[str, ...]:
    from sensors.quantities import KIND_QUANTITIES

    return KIND_QUANTITIES[kind]
