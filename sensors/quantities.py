"""The fixed vocabulary of what sensors measure: codes, units and plausible ranges."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Quantity:
    code: str
    unit: str
    label: Any  # a lazy translation
    # A value outside [minimum, maximum] is a faulty device, not weather: it goes to quarantine.
    minimum: float
    maximum: float

    def plausible(self, value: float) -> bool:
        return self.minimum <= value <= self.maximum


_UG = "µg/m³"
QUANTITIES: dict[str, Quantity] = {
    q.code: q
    for q in (
        Quantity("pm1", _UG, _("PM1"), 0, 1000),
        Quantity("pm25", _UG, _("PM2.5"), 0, 1000),
        Quantity("pm10", _UG, _("PM10"), 0, 2000),
        Quantity("no2", _UG, _("Nitrogen dioxide"), 0, 2000),
        Quantity("o3", _UG, _("Ozone"), 0, 1000),
        Quantity("so2", _UG, _("Sulphur dioxide"), 0, 2000),
        Quantity("temperature", "°C", _("Temperature"), -50, 70),
        Quantity("humidity", "%", _("Relative humidity"), 0, 100),
        Quantity("pressure", "hPa", _("Air pressure"), 850, 1100),
        Quantity("noise_laeq", "dB(A)", _("Noise level (LAeq)"), 20, 140),
        Quantity("noise_lamin", "dB(A)", _("Noise level (LAmin)"), 20, 140),
        Quantity("noise_lamax", "dB(A)", _("Noise level (LAmax)"), 20, 140),
        Quantity("fill_level", "%", _("Fill level"), 0, 100),
        Quantity("parking_free", "count", _("Free parking spaces"), 0, 100_000),
        Quantity("water_level", "cm", _("Water level"), -1000, 10_000),
        Quantity("passengers", "count", _("Passengers"), 0, 100_000),
    )
}

QUANTITY_CHOICES = [(q.code, q.label) for q in QUANTITIES.values()]


class Kind(models.TextChoices):
    AIR_QUALITY = "air_quality", _("Air quality")
    WEATHER = "weather", _("Weather")
    NOISE = "noise", _("Noise")
    BIN = "bin", _("Bin fill level")
    PARKING = "parking", _("Parking occupancy")
    WATER_LEVEL = "water_level", _("Water level")
    PASSENGER_COUNTER = "passenger_counter", _("Passenger counter")


# What a sensor of each kind measures unless registered otherwise.
KIND_QUANTITIES: dict[str, tuple[str, ...]] = {
    Kind.AIR_QUALITY: (
        "pm1",
        "pm25",
        "pm10",
        "no2",
        "o3",
        "so2",
        "temperature",
        "humidity",
        "pressure",
    ),
    Kind.WEATHER: ("temperature", "humidity", "pressure"),
    Kind.NOISE: ("noise_laeq", "noise_lamin", "noise_lamax"),
    Kind.BIN: ("fill_level", "temperature"),
    Kind.PARKING: ("parking_free",),
    Kind.WATER_LEVEL: ("water_level",),
    Kind.PASSENGER_COUNTER: ("passengers",),
}
