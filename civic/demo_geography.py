"""The demo city's geography: its river, main streets, railway and landmarks, around the map
centre (47.39, 0.689) and the seeded districts (a 3 x 2 grid, ``civic.seed``).

It is the one source of two things that must agree: the demo gazetteer (``seed_addresses``
numbers houses along these streets, through the same import as a BAN file) and the schematic
basemap (``civic.basemap`` draws these streets and writes these names). Positions are
(lat, lon) in WGS84, as everywhere in Civic.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Literal

from django.db import transaction
from shapely.geometry import LineString, Point

from civic.addresses import addresses_import, ban_csv
from civic.city import city
from civic.models import Address

LatLon = tuple[float, float]

# A commune code no real commune has (Indre-et-Loire's stop at 37281), so a real BAN import of
# the département never collides with the demo's addresses.
DEMO_INSEE = "37999"
DEMO_POSTCODE = "37000"


@dataclass(frozen=True)
class Street:
    name: str
    points: tuple[LatLon, ...]
    kind: Literal["primary", "secondary", "bridge"] = "secondary"
    # Which sides have houses, walking from the first point: a quay has them on one side only.
    sides: Literal["both", "left", "right", "none"] = "both"


@dataclass(frozen=True)
class Landmark:
    name: str
    kind: Literal["town_hall", "station", "park", "market"]
    outline: tuple[LatLon, ...]


@dataclass(frozen=True)
class River:
    name: str
    points: tuple[LatLon, ...]
    width_m: float


# The river follows the boundary between the southern and northern districts (lat 47.39).
RIVER = River(
    name="La Loire",
    points=(
        (47.3925, 0.600),
        (47.3915, 0.635),
        (47.3905, 0.655),
        (47.3902, 0.675),
        (47.3903, 0.689),
        (47.3906, 0.705),
        (47.3912, 0.722),
        (47.3920, 0.745),
        (47.3926, 0.780),
    ),
    width_m=220,
)

STREETS: tuple[Street, ...] = (
    # South bank: the old town (Vieux-Port, Les Halles) and the station's district (Gare).
    Street(
        "Quai de la Loire",
        (
            (47.3898, 0.640),
            (47.3888, 0.655),
            (47.3885, 0.675),
            (47.3886, 0.689),
            (47.3889, 0.705),
            (47.3895, 0.725),
        ),
        kind="primary",
        sides="right",
    ),
    Street("Rue du Commerce", ((47.3865, 0.665), (47.3865, 0.712))),
    Street("Rue de la Paix", ((47.3843, 0.672), (47.3843, 0.705))),
    Street("Boulevard Béranger", ((47.3815, 0.650), (47.3815, 0.689)), kind="primary"),
    Street("Boulevard Heurteloup", ((47.3815, 0.689), (47.3815, 0.728)), kind="primary"),
    Street("Rue de la République", ((47.3770, 0.660), (47.3770, 0.718))),
    Street("Rue Victor Hugo", ((47.3735, 0.668), (47.3737, 0.690), (47.3742, 0.710))),
    Street("Rue du Port", ((47.3890, 0.660), (47.3740, 0.660))),
    Street("Rue des Halles", ((47.3885, 0.678), (47.3760, 0.678))),
    Street("Rue Nationale", ((47.3886, 0.689), (47.3815, 0.689)), kind="primary"),
    Street("Avenue de Grammont", ((47.3815, 0.689), (47.3700, 0.6895)), kind="primary"),
    Street("Rue Colbert", ((47.3888, 0.699), (47.3780, 0.699))),
    Street("Avenue de la Gare", ((47.3889, 0.716), (47.3843, 0.716)), kind="primary"),
    # The bridges: drawn, without houses.
    Street("Pont Wilson", ((47.3886, 0.689), (47.3920, 0.689)), kind="bridge", sides="none"),
    Street("Pont Napoléon", ((47.3890, 0.660), (47.3925, 0.660)), kind="bridge", sides="none"),
    # North bank: Plaisance, Les Coteaux, Saint-Martin.
    Street(
        "Quai des Coteaux",
        ((47.3937, 0.640), (47.3925, 0.660), (47.3920, 0.689), (47.3923, 0.705), (47.3930, 0.725)),
        kind="primary",
        sides="left",
    ),
    Street(
        "Avenue de la Tranchée",
        ((47.3920, 0.689), (47.4000, 0.6885), (47.4080, 0.6870)),
        kind="primary",
    ),
    Street("Rue des Vignes", ((47.3985, 0.6886), (47.4010, 0.6960), (47.4050, 0.7050))),
    Street("Avenue de Plaisance", ((47.3965, 0.6888), (47.3975, 0.6700), (47.3990, 0.6500))),
    Street("Rue Saint-Martin", ((47.3955, 0.6889), (47.3962, 0.7100), (47.3975, 0.7300))),
)

RAILWAY: tuple[LatLon, ...] = (
    (47.3830, 0.716),
    (47.3790, 0.721),
    (47.3760, 0.726),
    (47.3700, 0.742),
)


def _box(lat: float, lon: float, height_m: float, width_m: float) -> tuple[LatLon, ...]:
    dlat = height_m / 2 / 111_195
    dlon = width_m / 2 / (111_195 * math.cos(math.radians(lat)))
    return (
        (lat - dlat, lon - dlon),
        (lat - dlat, lon + dlon),
        (lat + dlat, lon + dlon),
        (lat + dlat, lon - dlon),
    )


LANDMARKS: tuple[Landmark, ...] = (
    Landmark("Hôtel de ville", "town_hall", _box(47.3826, 0.6872, 60, 90)),
    Landmark("Gare", "station", _box(47.3833, 0.7160, 35, 170)),
    Landmark("Les Halles", "market", _box(47.3853, 0.6797, 55, 70)),
    Landmark(
        "Parc des Coteaux",
        "park",
        ((47.4000, 0.6750), (47.4002, 0.6855), (47.4045, 0.6852), (47.4050, 0.6760)),
    ),
)


def geography_version() -> str:
    """Changes whenever the geography does: part of the basemap's cache keys."""
    text = repr((RIVER, STREETS, RAILWAY, LANDMARKS, DEMO_INSEE, DEMO_POSTCODE))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


# --- Demo addresses ---------------------------------------------------------------------------

HOUSE_SPACING_M = 30.0
SETBACK_M = 14.0  # from the street's axis to the house's entrance
CLEARANCE_M = 20.0  # no house in a crossing
METRES_PER_DEGREE = 111_195.0


# A local plane in metres (equirectangular about the demo's latitude): exact enough over a few
# kilometres for spacing houses.
KY = METRES_PER_DEGREE
KX = METRES_PER_DEGREE * math.cos(math.radians(47.39))


def _to_metres(points: tuple[LatLon, ...]) -> LineString:
    return LineString([(lon * KX, lat * KY) for lat, lon in points])


def _to_latlon(point: Point) -> LatLon:
    return round(point.y / KY, 7), round(point.x / KX, 7)


def demo_addresses(commune: str) -> Iterator[dict[str, str]]:
    """BAN rows for houses along the demo streets: odd numbers on the left, even on the right
    walking from the first point, every 30 m, none in a crossing; the fifth house of each street
    also has a "bis"."""
    lines = {street.name: _to_metres(street.points) for street in STREETS}
    for index, street in enumerate(STREETS):
        if street.sides == "none":
            continue
        axis = lines[street.name]
        others = [line for name, line in lines.items() if name != street.name]
        fantoir = f"{DEMO_INSEE}_{index + 1:04d}"
        sides = {"left": (1,), "right": (-1,), "both": (1, -1)}[street.sides]
        for side in sides:
            houses = 0
            distance = HOUSE_SPACING_M / 2
            while distance < axis.length:
                here = axis.interpolate(distance)
                ahead = axis.interpolate(min(distance + 1, axis.length))
                behind = axis.interpolate(max(distance - 1, 0))
                dx, dy = ahead.x - behind.x, ahead.y - behind.y
                norm = math.hypot(dx, dy) or 1
                # Left of the direction of travel is the direction rotated a quarter turn.
                house = Point(
                    here.x - dy / norm * SETBACK_M * side, here.y + dx / norm * SETBACK_M * side
                )
                distance += HOUSE_SPACING_M
                if any(other.distance(here) < CLEARANCE_M for other in others):
                    continue
                houses += 1
                number = 2 * houses - 1 if side == 1 else 2 * houses
                lat, lon = _to_latlon(house)
                for rep in ("", "bis") if houses == 5 else ("",):
                    yield {
                        "id": f"{fantoir}_{number:05d}" + (f"_{rep}" if rep else ""),
                        "id_fantoir": fantoir,
                        "numero": str(number),
                        "rep": rep,
                        "nom_voie": street.name,
                        "code_postal": DEMO_POSTCODE,
                        "code_insee": DEMO_INSEE,
                        "nom_commune": commune,
                        "lon": f"{lon:.7f}",
                        "lat": f"{lat:.7f}",
                        "type_position": "entrée",
                        "source_position": "commune",
                        "source_nom_voie": "commune",
                        "certification_commune": "0",
                    }


def seed_addresses(*, stdout: IO[str]) -> None:
    """The demo city's gazetteer, through the BAN import; idempotent (a house the geography no
    longer has is removed)."""
    rows = list(demo_addresses(city().name))
    with transaction.atomic():
        result = addresses_import(lines=ban_csv(rows))
        stale = Address.objects.filter(insee_code=DEMO_INSEE).exclude(
            ban_id__in=[row["id"] for row in rows]
        )
        removed, _by_model = stale.delete()
    if result.skipped:
        raise RuntimeError(f"demo addresses malformed: {result.skipped[:3]}")
    stdout.write(
        f"Demo addresses: {len(rows)} along {sum(s.sides != 'none' for s in STREETS)} streets "
        f"({result.created} new, {removed} removed)\n"
    )
