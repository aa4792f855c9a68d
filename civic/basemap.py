"""The schematic basemap: 256-pixel PNG tiles (XYZ, Web Mercator) drawn with Pillow, for a city
that has configured no tile server, so that no map is ever blank grey and no request leaves
for a third party.

It draws what the database holds: the districts' outlines and names, and, once the demo
gazetteer is seeded, the demo city's river, streets (widths by zoom, their names from zoom 15,
as the gazetteer spells them), railway and landmarks (``civic.demo_geography``). A city that is
not the demo gets its districts on a plain background, never the demo's streets.

Tiles are drawn at twice their size and reduced, for smooth lines and text. Labels are placed
once per zoom in world pixels, then drawn by every tile they touch: a name crossing a tile's
edge continues on the next tile. Tiles are cached, keyed by z/x/y and a version of what they
draw (the geography, the districts, whether the demo is seeded).
"""

from __future__ import annotations

import hashlib
import io
import math
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from itertools import pairwise
from typing import Any

from django.core.cache import cache as django_cache
from django.db.models import Count, Max
from PIL import Image, ImageDraw, ImageFont
from shapely.geometry import shape

from civic.demo_geography import (
    DEMO_INSEE,
    LANDMARKS,
    RAILWAY,
    RIVER,
    STREETS,
    LatLon,
    geography_version,
)
from civic.models import Address, District

TILE = 256
SCALE = 2  # drawn at 512 px, reduced to 256: anti-aliased lines and text
MIN_ZOOM, MAX_ZOOM = 0, 20
DRAW_FROM_ZOOM = 10  # below, the city is a few pixels: plain background
STREET_NAMES_FROM_ZOOM = 15
RENDERER_VERSION = "1"
CACHE_SECONDS = 30 * 24 * 3600
EARTH_CIRCUMFERENCE_M = 40_075_016.686

LAND = (242, 239, 233)
WATER = (170, 211, 223)
WATER_TEXT = (60, 110, 150)
PARK = (205, 235, 190)
PARK_TEXT = (50, 110, 50)
BUILDING = (217, 208, 201)
BUILDING_EDGE = (180, 168, 158)
TOWN_HALL = (228, 190, 180)
CASING = (196, 186, 172)
BRIDGE_CASING = (120, 120, 120)
PRIMARY = (253, 230, 160)
SECONDARY = (255, 255, 255)
RAIL = (130, 130, 130)
DISTRICT_EDGE = (150, 120, 170)
DISTRICT_TEXT = (120, 100, 140)
TEXT = (40, 40, 40)
HALO = (255, 255, 255)

# Street widths in metres, and the fewest pixels a street is drawn with, at 1x.
STREET_WIDTH_M = {"primary": 20.0, "secondary": 14.0, "bridge": 20.0}
STREET_MIN_PX = {"primary": 2.0, "secondary": 1.0, "bridge": 2.0}
SECONDARY_FROM_ZOOM = 13


# --- Projection -------------------------------------------------------------------------------


def world_px(lat: float, lon: float, z: int) -> tuple[float, float]:
    """Web Mercator pixel position at zoom z (1x), from the world's top-left corner."""
    size = TILE * 2**z
    lat = max(-85.05112878, min(85.05112878, lat))
    x = (lon + 180) / 360 * size
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * size
    return x, y


def px_per_metre(z: int, lat: float) -> float:
    return TILE * 2**z / (EARTH_CIRCUMFERENCE_M * math.cos(math.radians(lat)))


def _path(points: Iterable[LatLon], z: int) -> list[tuple[float, float]]:
    return [world_px(lat, lon, z) for lat, lon in points]


# --- Fonts ------------------------------------------------------------------------------------


@cache
def _font_file(bold: bool) -> str | None:
    pattern = "DejaVu Sans:bold" if bold else "DejaVu Sans"
    try:
        found = subprocess.run(  # noqa: S603 - fixed arguments
            ["fc-match", "--format=%{file}", pattern],  # noqa: S607 - fontconfig, on the PATH
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return found if found.endswith((".ttf", ".otf")) else None


@lru_cache(maxsize=32)
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans (Debian's fonts-dejavu-core, found through fontconfig), else Pillow's own."""
    path = _font_file(bold)
    if path:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            pass
    return ImageFont.load_default(size=size)


# --- Labels, placed per zoom in world pixels --------------------------------------------------


@dataclass(frozen=True)
class Label:
    text: str
    x: float  # centre, world pixels at 1x
    y: float
    angle: float  # degrees, counter-clockwise, readable (-90, 90]
    size: int  # font size at 1x
    colour: tuple[int, int, int]
    bold: bool = False
    kind: str = ""  # street, landmark, river, district

    def extent(self) -> tuple[float, float, float, float]:
        """A box (1x world pixels) that holds the rotated text."""
        width, height = _text_size(self.text, self.size, self.bold)
        radians = math.radians(self.angle)
        half_w = (abs(width * math.cos(radians)) + abs(height * math.sin(radians))) / 2 + 2
        half_h = (abs(width * math.sin(radians)) + abs(height * math.cos(radians))) / 2 + 2
        return self.x - half_w, self.y - half_h, self.x + half_w, self.y + half_h


@lru_cache(maxsize=1024)
def _text_size(text: str, size: int, bold: bool) -> tuple[float, float]:
    left, top, right, bottom = font(size * SCALE, bold).getbbox(text)
    return (right - left) / SCALE, (bottom - top) / SCALE


def _overlaps(box: tuple[float, ...], placed: Sequence[tuple[float, ...]]) -> bool:
    return any(
        box[0] < other[2] and other[0] < box[2] and box[1] < other[3] and other[1] < box[3]
        for other in placed
    )


def _along(
    path: list[tuple[float, float]], text_width: float, step: float
) -> list[tuple[float, float, float, float]]:
    """Candidate spots (distance along the path, x, y, angle) for a name along a polyline:
    every ``step`` pixels where a straight stretch holds it, never upside down."""
    spots: list[tuple[float, float, float, float]] = []
    travelled = 0.0
    for (x1, y1), (x2, y2) in pairwise(path):
        length = math.hypot(x2 - x1, y2 - y1)
        angle = -math.degrees(math.atan2(y2 - y1, x2 - x1))
        if angle > 90:
            angle -= 180
        elif angle <= -90:
            angle += 180
        at = text_width / 2 + 8
        while at <= length - text_width / 2 - 8:
            t = at / length
            spots.append((travelled + at, x1 + (x2 - x1) * t, y1 + (y2 - y1) * t, angle))
            at += step
        travelled += length
    return spots


@lru_cache(maxsize=32)
def _labels(z: int, districts_version: str, demo: bool) -> tuple[Label, ...]:
    """Every label of zoom z, placed greedily by priority (landmarks, streets, the river,
    districts) where they overlap no label already placed."""
    placed: list[Label] = []
    boxes: list[tuple[float, ...]] = []

    def place(label: Label) -> bool:
        box = label.extent()
        if _overlaps(box, boxes):
            return False
        placed.append(label)
        boxes.append(box)
        return True

    def along(points: Sequence[LatLon], label: Label, spacing: float, dy: float = 0) -> None:
        width, _height = _text_size(label.text, label.size, label.bold)
        last = -math.inf
        for at, x, y, angle in _along(_path(points, z), width, step=24):
            if at - last >= spacing and place(replace(label, x=x, y=y + dy, angle=angle)):
                last = at

    if demo and z >= 14:
        size = 11 if z < 16 else 12
        for landmark in LANDMARKS:
            if z == 14 and landmark.kind not in {"town_hall", "station"}:
                continue
            outline = _path(landmark.outline, z)
            x = sum(p[0] for p in outline) / len(outline)
            y = sum(p[1] for p in outline) / len(outline)
            if landmark.kind != "park":  # a building's name goes under it
                _width, height = _text_size(landmark.name, size, True)
                y = max(p[1] for p in outline) + height / 2 + 4
            colour = PARK_TEXT if landmark.kind == "park" else TEXT
            place(Label(landmark.name, x, y, 0, size, colour, bold=True, kind="landmark"))
    if demo and z >= STREET_NAMES_FROM_ZOOM:
        size = {15: 10, 16: 11}.get(z, 12)
        for street in STREETS:
            if street.sides != "none":  # a bridge has no address: only gazetteer names
                label = Label(street.name, 0, 0, 0, size, TEXT, kind="street")
                along(street.points, label, spacing=450)
    if demo and z >= 13:
        offset = px_per_metre(z, RIVER.points[0][0]) * RIVER.width_m * 0.25
        label = Label(RIVER.name, 0, 0, 0, 12, WATER_TEXT, kind="river")
        along(RIVER.points, label, spacing=900, dy=offset)
    if 12 <= z <= 15:
        for name, lat, lon in _district_centres(districts_version):
            x, y = world_px(lat, lon, z)
            size = 13 if z < 15 else 15
            place(Label(name.upper(), x, y, 0, size, DISTRICT_TEXT, bold=True, kind="district"))
    return tuple(placed)


@lru_cache(maxsize=4)
def _district_centres(version: str) -> tuple[tuple[str, float, float], ...]:
    centres = []
    for name, boundary in District.objects.values_list("name", "boundary"):
        point = shape(boundary).representative_point()
        centres.append((name, point.y, point.x))
    return tuple(centres)


@lru_cache(maxsize=4)
def _district_rings(version: str) -> tuple[tuple[LatLon, ...], ...]:
    rings: list[tuple[LatLon, ...]] = []
    for boundary in District.objects.values_list("boundary", flat=True):
        polygons = (
            boundary["coordinates"]
            if boundary["type"] == "MultiPolygon"
            else [boundary["coordinates"]]
        )
        for polygon in polygons:
            rings.extend(tuple((lat, lon) for lon, lat in ring) for ring in polygon)
    return tuple(rings)


# --- Drawing ----------------------------------------------------------------------------------


class _Canvas:
    """A tile being drawn, at SCALE, addressed in 1x world pixels."""

    def __init__(self, z: int, x: int, y: int) -> None:
        self.z, self.left, self.top = z, x * TILE, y * TILE
        self.image = Image.new("RGB", (TILE * SCALE, TILE * SCALE), LAND)
        self.draw = ImageDraw.Draw(self.image)

    def local(self, path: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
        return [((px - self.left) * SCALE, (py - self.top) * SCALE) for px, py in path]

    def line(self, path: list[tuple[float, float]], colour: Any, width: float) -> None:
        pixels = max(1, round(width * SCALE))
        points = self.local(path)
        self.draw.line(points, fill=colour, width=pixels, joint="curve")
        if pixels > 3:  # round ends, so crossings and bends look joined
            radius = pixels / 2
            for cx, cy in (points[0], points[-1]):
                self.draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), colour)

    def dashed(
        self, path: list[tuple[float, float]], colour: Any, width: float, dash: float
    ) -> None:
        """Dashes measured from the path's start in world pixels: they line up across tiles."""
        travelled = 0.0
        for (x1, y1), (x2, y2) in pairwise(path):
            length = math.hypot(x2 - x1, y2 - y1)
            at = 0.0
            while at < length:
                phase = (travelled + at) % (2 * dash)
                run = (
                    min(dash - phase, length - at)
                    if phase < dash
                    else min(2 * dash - phase, length - at)
                )
                if phase < dash:
                    t1, t2 = at / length, (at + run) / length
                    start = (x1 + (x2 - x1) * t1, y1 + (y2 - y1) * t1)
                    end = (x1 + (x2 - x1) * t2, y1 + (y2 - y1) * t2)
                    self.draw.line(
                        self.local([start, end]), fill=colour, width=max(1, round(width * SCALE))
                    )
                at += max(run, 1e-6)
            travelled += length

    def polygon(self, path: list[tuple[float, float]], fill: Any, outline: Any = None) -> None:
        self.draw.polygon(self.local(path), fill=fill, outline=outline, width=SCALE)

    def label(self, label: Label) -> None:
        text_font = font(label.size * SCALE, label.bold)
        halo = 2 * SCALE
        left, top, right, bottom = text_font.getbbox(label.text, stroke_width=halo)
        size = (math.ceil(right - left) + 2, math.ceil(bottom - top) + 2)
        stamp = Image.new("RGBA", size, (0, 0, 0, 0))
        ImageDraw.Draw(stamp).text(
            (1 - left, 1 - top),
            label.text,
            font=text_font,
            fill=label.colour,
            stroke_width=halo,
            stroke_fill=HALO,
        )
        if label.angle:
            stamp = stamp.rotate(label.angle, resample=Image.Resampling.BICUBIC, expand=True)
        cx, cy = self.local([(label.x, label.y)])[0]
        self.image.paste(stamp, (round(cx - stamp.width / 2), round(cy - stamp.height / 2)), stamp)

    def touches(self, box: tuple[float, float, float, float], margin: float = 0) -> bool:
        return not (
            box[2] < self.left - margin
            or box[0] > self.left + TILE + margin
            or box[3] < self.top - margin
            or box[1] > self.top + TILE + margin
        )

    def png(self) -> bytes:
        output = io.BytesIO()
        self.image.resize((TILE, TILE), Image.Resampling.LANCZOS).save(
            output, format="PNG", optimize=True
        )
        return output.getvalue()


def _bounds(path: Sequence[tuple[float, float]]) -> tuple[float, float, float, float]:
    xs, ys = [p[0] for p in path], [p[1] for p in path]
    return min(xs), min(ys), max(xs), max(ys)


def _street_width(kind: str, z: int) -> float:
    return max(STREET_MIN_PX[kind], STREET_WIDTH_M[kind] * px_per_metre(z, RIVER.points[0][0]))


def render_tile(z: int, x: int, y: int, *, districts_version: str, demo: bool) -> bytes:
    canvas = _Canvas(z, x, y)
    margin = 64.0
    if z >= DRAW_FROM_ZOOM and demo:
        ppm = px_per_metre(z, RIVER.points[0][0])
        for landmark in LANDMARKS:
            if landmark.kind == "park":
                canvas.polygon(_path(landmark.outline, z), PARK)
        river = _path(RIVER.points, z)
        if canvas.touches(_bounds(river), margin=RIVER.width_m * ppm):
            canvas.line(river, WATER, RIVER.width_m * ppm)
        if z >= 13:
            canvas.dashed(_path(RAILWAY, z), RAIL, 2 if z >= 15 else 1.5, dash=6)
        streets = [
            (street, _path(street.points, z))
            for street in STREETS
            if street.kind != "secondary" or z >= SECONDARY_FROM_ZOOM
        ]
        streets = [(s, p) for s, p in streets if canvas.touches(_bounds(p), margin)]
        casing = 1.0 if z >= 14 else 0.6
        for street, path in streets:
            colour = BRIDGE_CASING if street.kind == "bridge" else CASING
            canvas.line(path, colour, _street_width(street.kind, z) + 2 * casing)
        for street, path in streets:
            colour = SECONDARY if street.kind == "secondary" else PRIMARY
            canvas.line(path, colour, _street_width(street.kind, z))
        if z >= 14:
            for landmark in LANDMARKS:
                if landmark.kind != "park":
                    fill = TOWN_HALL if landmark.kind == "town_hall" else BUILDING
                    canvas.polygon(_path(landmark.outline, z), fill, BUILDING_EDGE)
    if z >= DRAW_FROM_ZOOM:
        for ring in _district_rings(districts_version):
            path = _path(ring, z)
            if canvas.touches(_bounds(path), margin):
                canvas.dashed(path, DISTRICT_EDGE, 1.5 if z < 14 else 2, dash=5 if z < 14 else 8)
        for label in _labels(z, districts_version, demo):
            if canvas.touches(label.extent(), margin=4):
                canvas.label(label)
    return canvas.png()


# --- Cached tiles -----------------------------------------------------------------------------


def _state() -> tuple[str, bool]:
    """The districts' version and whether the demo gazetteer is seeded: what tiles depend on
    besides the code."""
    districts = District.objects.aggregate(n=Count("id"), at=Max("updated_at"))
    demo = Address.objects.filter(insee_code=DEMO_INSEE).exists()
    return f"{districts['n']}:{districts['at']}", demo


@cache
def blank_tile() -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (TILE, TILE), LAND).save(output, format="PNG", optimize=True)
    return output.getvalue()


def basemap_tile(z: int, x: int, y: int) -> tuple[bytes, str, bool]:
    """The PNG of tile z/x/y, its version, and whether it came from the cache. Outside the
    world's grid, a plain background."""
    if not (MIN_ZOOM <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
        return blank_tile(), "blank", True
    districts_version, demo = _state()
    text = f"{RENDERER_VERSION}:{geography_version()}:{districts_version}:{demo}"
    version = hashlib.sha256(text.encode()).hexdigest()[:16]
    key = f"basemap:{version}:{z}:{x}:{y}"
    body = django_cache.get(key)
    if body is not None:
        return body, version, True
    body = render_tile(z, x, y, districts_version=districts_version, demo=demo)
    django_cache.set(key, body, CACHE_SECONDS)
    return body, version, False


def basemap_labels(z: int) -> tuple[Label, ...]:
    """The names the tiles of zoom z write, where they write them."""
    districts_version, demo = _state()
    return _labels(z, districts_version, demo)
