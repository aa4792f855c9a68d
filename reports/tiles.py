"""The public map's GeoJSON tiles: open reports of the last 6 months, clustered on a grid above
200 points per tile, cached until a report in the same area changes.

Each report stores ``cell``, the Morton code (bit-interleaved x and y) of its zoom-20 map tile.
Every tile is then one contiguous range of cells, read through a btree index: no spatial
database needed. Clusters group cells by their ancestor three zooms further down (an
8 x 8 grid). Cached tiles carry the version of their zoom-12 area; a report change bumps the
version of its area only (and the low zooms'), so the rest of the map stays cached.
"""

from __future__ import annotations

import contextlib
import json
import math
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Avg, BigIntegerField, Count, F, FloatField, IntegerField, Value
from django.db.models.functions import Cast, Floor, Least
from django.urls import reverse
from django.utils import timezone

from reports.models import OPEN311_OPEN, Report

MAX_POINTS = 200
GRID_BITS = 3  # clusters: an 8 x 8 grid per tile
RECENT = timedelta(days=183)
MIN_ZOOM, MAX_ZOOM = 0, 20
CELL_ZOOM = 20
AREA_ZOOM = 12
CACHE_SECONDS = 3600


def tile_xy(lat: float, lon: float, z: int) -> tuple[int, int]:
    n = 2**z
    lat = max(-85.05112878, min(85.05112878, lat))
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(south, west, north, east) in degrees of a Web Mercator (slippy map) tile."""
    n = 2**z

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return lat(y + 1), x / n * 360 - 180, lat(y), (x + 1) / n * 360 - 180


def _interleave(x: int, y: int) -> int:
    code = 0
    for bit in range(CELL_ZOOM):
        code |= ((x >> bit) & 1) << (2 * bit) | ((y >> bit) & 1) << (2 * bit + 1)
    return code


def cell_of(lat: float | None, lon: float | None) -> int | None:
    """The Morton code of the zoom-20 tile holding the point (stored on the report)."""
    if lat is None or lon is None:
        return None
    return _interleave(*tile_xy(lat, lon, CELL_ZOOM))


def _cell_range(z: int, x: int, y: int) -> tuple[int, int]:
    if z >= CELL_ZOOM:
        shift = z - CELL_ZOOM
        cell = _interleave(x >> shift, y >> shift)
        return cell, cell + 1
    k = CELL_ZOOM - z
    low = _interleave(x << k, y << k)
    return low, low + 4**k


# --- Cache versions ---------------------------------------------------------------------------


def _area_key(z: int, x: int, y: int) -> str:
    if z < AREA_ZOOM:
        return "reports:tiles:v:low"
    shift = z - AREA_ZOOM
    return f"reports:tiles:v:{x >> shift}:{y >> shift}"


def _version(key: str) -> int:
    version = cache.get(key)
    if version is None:
        cache.add(key, int(timezone.now().timestamp()), None)
        version = cache.get(key, 0)
    return int(version)


def _bump(key: str) -> None:
    with contextlib.suppress(ValueError):  # no version yet: the next read starts one
        cache.incr(key)


def tiles_invalidate(*points: tuple[float | None, float | None]) -> None:
    """After a change of a report's state, place or category (its old and new places)."""
    keys = {"reports:tiles:v:low"}
    for lat, lon in points:
        if lat is not None and lon is not None:
            keys.add(_area_key(AREA_ZOOM, *tile_xy(lat, lon, AREA_ZOOM)))

    def bump() -> None:
        for key in keys:
            _bump(key)

    transaction.on_commit(bump)


# --- Tiles ------------------------------------------------------------------------------------


def _features(z: int, x: int, y: int) -> list[dict[str, Any]]:
    low, high = _cell_range(z, x, y)
    reports = Report.objects.filter(
        status__in=OPEN311_OPEN,
        cell__gte=low,
        cell__lt=high,
        updated_at__gte=timezone.now() - RECENT,
    )
    points = list(
        reports.order_by().values(
            "id", "lat", "lon", "status", "category__name", "category__name_en", "category__icon"
        )[: MAX_POINTS + 1]
    )
    if len(points) <= MAX_POINTS:
        return [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [p["lon"], p["lat"]]},
                "properties": {
                    "id": p["id"],
                    "status": p["status"],
                    # One tile for every language (cached once): the page picks the name.
                    "category": p["category__name"],
                    "category_en": p["category__name_en"] or p["category__name"],
                    "icon": p["category__icon"],
                    "url": reverse("reports:detail", args=[p["id"]]),
                },
            }
            for p in points
        ]
    return [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [cell["lon_avg"], cell["lat_avg"]]},
            "properties": {"cluster": True, "count": cell["n"]},
        }
        for cell in _clusters(reports, z, x, y)
    ]


def _clusters(reports: Any, z: int, x: int, y: int) -> Any:
    """One row per occupied grid cell, computed by the database."""
    k = CELL_ZOOM - z - GRID_BITS
    if k >= 0:  # the grid is a level of the cell tree: integer division of the Morton code
        grouped = reports.annotate(g=Cast(Floor(F("cell") / Value(4**k)), BigIntegerField()))
        keys: tuple[str, ...] = ("g",)
    else:  # beyond zoom 17, a grid in degrees inside the (tiny) tile
        south, west, north, east = tile_bounds(z, x, y)
        size = 2**GRID_BITS
        width, height = (east - west) / size, (north - south) / size
        grouped = reports.annotate(
            gx=Least(Cast(Floor((F("lon") - west) / width), IntegerField()), Value(size - 1)),
            gy=Least(Cast(Floor((F("lat") - south) / height), IntegerField()), Value(size - 1)),
        )
        keys = ("gx", "gy")
    return (
        grouped.values(*keys)
        .annotate(
            n=Count("id"),
            lat_avg=Avg("lat", output_field=FloatField()),
            lon_avg=Avg("lon", output_field=FloatField()),
        )
        .order_by(*keys)
    )


def tile_geojson(z: int, x: int, y: int) -> tuple[bytes, int, bool]:
    """The tile's GeoJSON body, the cache version it belongs to, and whether it was cached.

    The tile is stored with the version of its area it was computed under; one round trip
    reads both, and a tile of an older version is a miss.
    """
    area, key = _area_key(z, x, y), f"reports:tile:{z}:{x}:{y}"
    found = cache.get_many([area, key])
    version = int(found[area]) if area in found else _version(area)
    stored = found.get(key)
    if stored is not None and stored[0] == version:
        return stored[1], version, True
    collection = {"type": "FeatureCollection", "features": _features(z, x, y)}
    body = json.dumps(collection, separators=(",", ":"), ensure_ascii=False).encode()
    cache.set(key, (version, body), CACHE_SECONDS)
    return body, version, False
