"""The schematic basemap (tiles drawn from the demo geography), the CSP a tile server needs, and
the self-hosted PMTiles file served with Range requests."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import numpy
import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse
from PIL import Image
from playwright.sync_api import Page, expect

from civic.basemap import LAND, TEXT, TILE, basemap_labels, world_px
from civic.demo_geography import DEMO_INSEE, STREETS, seed_addresses
from civic.models import Address, District
from civic.tile_sources import tile_img_sources

pytestmark = pytest.mark.django_db

PAIX = next(street for street in STREETS if street.name == "Rue de la Paix")
# A point on Rue de la Paix, between two crossings.
ON_PAIX = (PAIX.points[0][0], 0.6745)


@pytest.fixture
def demo_city(districts: list[District]) -> None:
    seed_addresses(stdout=StringIO())


def tile_at(lat: float, lon: float, z: int) -> tuple[int, int, int, int]:
    """(x, y) of the tile holding the point, and the point's pixel in it."""
    px, py = world_px(lat, lon, z)
    return int(px // TILE), int(py // TILE), int(px % TILE), int(py % TILE)


def get_tile(client: Client, z: int, x: int, y: int) -> tuple[Image.Image, dict[str, str]]:
    response = client.get(reverse("maps:basemap_tile", kwargs={"z": z, "x": x, "y": y}))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert (image.format, image.size) == ("PNG", (TILE, TILE))
    return image.convert("RGB"), dict(response.headers)


def blank(image: Image.Image) -> bool:
    return image.getcolors(1) is not None  # a single colour


# --- Seeded geography and gazetteer -----------------------------------------------------------


def test_it_seeds_addresses_along_the_demo_streets(demo_city: None) -> None:
    named = set(Address.objects.filter(insee_code=DEMO_INSEE).values_list("street", flat=True))
    assert named == {street.name for street in STREETS if street.sides != "none"}
    # Odd numbers on one side, even on the other, and a "bis".
    paix = Address.objects.filter(street="Rue de la Paix")
    odd = {round(a.lat, 4) for a in paix if a.number % 2}
    even = {round(a.lat, 4) for a in paix if not a.number % 2}
    assert len(odd) == len(even) == 1 and odd != even
    assert paix.filter(rep="bis").count() == 2


def test_it_seeds_addresses_idempotently(demo_city: None) -> None:
    before = list(Address.objects.order_by("ban_id").values_list("ban_id", "lat", "lon"))
    out = StringIO()
    seed_addresses(stdout=out)
    assert "(0 new, 0 removed)" in out.getvalue()
    assert list(Address.objects.order_by("ban_id").values_list("ban_id", "lat", "lon")) == before


def test_it_finds_demo_addresses_and_names_a_pin(demo_city: None) -> None:
    from civic.addresses import address_nearest, addresses_search

    hits = addresses_search("12 rue de la paix")
    assert [hit.label for hit in hits] == ["12 rue de la Paix, 37000 Civic-sur-Loire"]
    nearest = address_nearest(hits[0].lat + 0.00005, hits[0].lon)
    assert nearest is not None and nearest.label.endswith("rue de la Paix, 37000 Civic-sur-Loire")


# --- Tiles ------------------------------------------------------------------------------------


def test_it_draws_a_street_where_the_gazetteer_has_it(demo_city: None, client: Client) -> None:
    x, y, px, py = tile_at(*ON_PAIX, 16)
    image, _headers = get_tile(client, 16, x, y)
    assert image.getpixel((px, py)) != LAND
    # Beside the street (60 m north), the land.
    _x, _y, px_beside, py_beside = tile_at(ON_PAIX[0] + 0.0006, ON_PAIX[1], 16)
    assert image.getpixel((px_beside, py_beside)) == LAND


def test_it_writes_street_names_the_gazetteer_knows(demo_city: None, client: Client) -> None:
    labels = basemap_labels(16)
    streets = {label.text for label in labels if label.kind == "street"}
    gazetteer = set(Address.objects.values_list("street", flat=True))
    assert "Rue de la Paix" in streets
    assert streets <= gazetteer
    assert not [label for label in basemap_labels(14) if label.kind == "street"]
    # Where a name is written, the tile has dark text pixels.
    paix = next(label for label in labels if label.text == "Rue de la Paix")
    x, y = int(paix.x // TILE), int(paix.y // TILE)
    image, _headers = get_tile(client, 16, x, y)
    left, top = int(paix.x % TILE) - 20, int(paix.y % TILE) - 4
    box = image.crop((max(left, 0), max(top, 0), min(left + 40, TILE), min(top + 8, TILE)))
    dark = int((numpy.asarray(box).max(axis=2) < max(TEXT) + 60).sum())
    assert dark > 10


def test_it_draws_districts_but_no_street_before_the_demo_is_seeded(
    districts: list[District], client: Client
) -> None:
    x, y, px, py = tile_at(*ON_PAIX, 16)
    image, _headers = get_tile(client, 16, x, y)
    assert image.getpixel((px, py)) == LAND
    # A district boundary (the west edge of the south-western district) is drawn.
    boundary = District.objects.get(code="vieux-port").boundary["coordinates"][0]
    west, south = boundary[0]
    image, _headers = get_tile(client, 13, *tile_at(south + 0.01, west, 13)[:2])
    assert not blank(image)


def test_it_answers_a_plain_background_outside_the_city(demo_city: None, client: Client) -> None:
    paris, _headers = get_tile(client, 16, *tile_at(48.8566, 2.3522, 16)[:2])
    assert blank(paris) and paris.getpixel((0, 0)) == LAND
    beyond, _headers = get_tile(client, 3, 8, 0)  # x past the world's 8 columns
    assert blank(beyond)
    assert client.get("/basemap/21/0/0.png").status_code == 404


def test_it_caches_tiles_until_the_districts_change(demo_city: None, client: Client) -> None:
    x, y, _px, _py = tile_at(*ON_PAIX, 15)
    first, headers = get_tile(client, 15, x, y)
    assert headers["X-Tile-Cache"] == "miss"
    assert "max-age=86400" in headers["Cache-Control"]
    second, again = get_tile(client, 15, x, y)
    assert again["X-Tile-Cache"] == "hit" and again["ETag"] == headers["ETag"]
    assert first.tobytes() == second.tobytes()
    url = reverse("maps:basemap_tile", kwargs={"z": 15, "x": x, "y": y})
    assert client.get(url, headers={"If-None-Match": headers["ETag"]}).status_code == 304
    district = District.objects.get(code="les-halles")
    district.name = "Les Grandes Halles"
    district.save()
    _image, changed = get_tile(client, 15, x, y)
    assert changed["X-Tile-Cache"] == "miss" and changed["ETag"] != headers["ETag"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_draws_the_basemap_under_a_map_page(
    demo_city: None, page: Page, live_server: Any
) -> None:
    page.goto(live_server.url + reverse("district_list"))
    tiles = page.locator("#districts-map img.leaflet-tile-loaded")
    expect(tiles.first).to_be_visible()
    sources = tiles.evaluate_all("(imgs) => imgs.map((img) => [img.src, img.naturalWidth])")
    assert sources and all(
        src.startswith(live_server.url + "/basemap/") and width == TILE for src, width in sources
    )


# --- The tile server's CSP --------------------------------------------------------------------


def test_it_derives_img_src_from_a_tile_url() -> None:
    assert tile_img_sources("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png") == [
        "https://*.tile.openstreetmap.org"
    ]
    assert tile_img_sources("https://tiles.example.org:8443/osm/{z}/{x}/{y}.png?key=k") == [
        "https://tiles.example.org:8443"
    ]
    assert tile_img_sources("https://maps{s}.example.org/{z}/{x}/{y}.png") == [
        "https://*.example.org"
    ]
    assert tile_img_sources("https://tiles.{s}.example.org/{z}/{x}/{y}.png") == [
        "https://tiles.a.example.org",
        "https://tiles.b.example.org",
        "https://tiles.c.example.org",
    ]
    assert tile_img_sources("/basemap/{z}/{x}/{y}.png") == []


def test_it_puts_the_tile_servers_origin_in_the_csp(tmp_path: Path) -> None:
    code = (
        "from django.conf import settings; "
        "print(settings.CIVIC_CITY['tile_url']); "
        "print(' '.join(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']))"
    )

    def run(**env: str) -> list[str]:
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
            cwd=settings.BASE_DIR,
            env={"PATH": os.environ.get("PATH", ""), "CIVIC_VAR_DIR": str(tmp_path), **env},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return result.stdout.splitlines()

    osm = "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert run(CIVIC_TILE_URL=osm) == [osm, "'self' data: blob: https://*.tile.openstreetmap.org"]
    # Without a tile server: the schematic basemap, from this site.
    assert run() == ["/basemap/{z}/{x}/{y}.png", "'self' data: blob:"]


# --- PMTiles with Range requests --------------------------------------------------------------

CONTENT = b"PMTiles\x03" + bytes(range(256)) * 4  # 1,032 bytes


@pytest.fixture
def pmtiles(tmp_path: Path) -> Iterator[str]:
    path = tmp_path / "city.pmtiles"
    path.write_bytes(CONTENT)
    with override_settings(CIVIC_PMTILES_PATH=str(path)):
        yield reverse("maps:basemap_pmtiles")


def test_it_answers_a_range_with_206(pmtiles: str, client: Client) -> None:
    response = client.get(pmtiles, headers={"Range": "bytes=0-126"})
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 0-126/{len(CONTENT)}"
    assert response["Accept-Ranges"] == "bytes"
    assert response.content == CONTENT[:127]
    assert response["Content-Length"] == "127"


def test_it_answers_suffix_and_open_ranges(pmtiles: str, client: Client) -> None:
    suffix = client.get(pmtiles, headers={"Range": "bytes=-10"})
    assert (suffix.status_code, suffix.content) == (206, CONTENT[-10:])
    assert suffix["Content-Range"] == "bytes 1022-1031/1032"
    tail = client.get(pmtiles, headers={"Range": "bytes=1000-"})
    assert (tail.status_code, tail.content) == (206, CONTENT[1000:])
    clipped = client.get(pmtiles, headers={"Range": "bytes=1030-5000"})
    assert clipped["Content-Range"] == "bytes 1030-1031/1032"


@pytest.mark.parametrize("header", ["bytes=2000-", "bytes=5-2", "bytes=abc", "bytes=-0"])
def test_it_refuses_a_bad_range_with_416(pmtiles: str, client: Client, header: str) -> None:
    response = client.get(pmtiles, headers={"Range": header})
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(CONTENT)}"


def test_it_serves_the_whole_file_without_a_range(pmtiles: str, client: Client) -> None:
    response = client.get(pmtiles)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == CONTENT  # type: ignore[attr-defined]
    assert response["Accept-Ranges"] == "bytes"
    # A range for another version of the file (If-Range) gets the whole new file.
    stale = client.get(pmtiles, headers={"Range": "bytes=0-9", "If-Range": '"old"'})
    assert stale.status_code == 200


def test_it_has_no_pmtiles_unless_configured(client: Client) -> None:
    with override_settings(CIVIC_PMTILES_PATH=""):
        assert client.get(reverse("maps:basemap_pmtiles")).status_code == 404
