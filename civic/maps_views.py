"""Maps and addresses: the gazetteer's search (JSON for autocomplete, a page that works without
JavaScript), reverse geocoding of a dropped pin, and the basemap's tiles."""

from __future__ import annotations

import os
import re
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from civic import basemap as tiles
from civic.addresses import AddressHit, address_nearest, addresses_search
from civic.basemap import MAX_ZOOM

MAX_RESULTS = 20


def _hit_json(hit: AddressHit) -> dict[str, object]:
    body = {"label": hit.label, "lat": hit.lat, "lon": hit.lon, "id": hit.ban_id}
    if hit.distance_m is not None:
        body["distance_m"] = hit.distance_m
    return body


def _limit(request: HttpRequest, default: int) -> int:
    try:
        return max(1, min(MAX_RESULTS, int(request.GET.get("limit", default))))
    except ValueError:
        return default


@require_GET
def address_search_json(request: HttpRequest) -> JsonResponse:
    """Autocomplete: ``?q=12 rue de la paix`` → ``{"results": [{label, lat, lon, id}]}``."""
    hits = addresses_search(request.GET.get("q", "")[:200], _limit(request, 8))
    response = JsonResponse({"results": [_hit_json(hit) for hit in hits]})
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def address_nearest_json(request: HttpRequest) -> JsonResponse:
    """The address under a dropped pin: ``?lat=&lon=`` → ``{"result": {…} or null}``."""
    try:
        lat, lon = float(request.GET["lat"]), float(request.GET["lon"])
    except (KeyError, ValueError):
        return JsonResponse({"error": "lat and lon must be numbers"}, status=400)
    hit = address_nearest(lat, lon)
    return JsonResponse({"result": _hit_json(hit) if hit else None})


@require_GET
def address_search(request: HttpRequest) -> HttpResponse:
    """The no-JavaScript step: a form, then the matching addresses as links to ``next`` (a page
    of this site) carrying ``lat``, ``lon`` and ``address``."""
    q = request.GET.get("q", "").strip()[:200]
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    hits = addresses_search(q, MAX_RESULTS) if q else []
    separator = "&" if "?" in next_url else "?"

    def chosen(hit: AddressHit) -> str:
        position = {"lat": str(round(hit.lat, 6)), "lon": str(round(hit.lon, 6))}
        return next_url + separator + urlencode({**position, "address": hit.label})

    results = [{**asdict(hit), "url": chosen(hit) if next_url else ""} for hit in hits]
    context = {"q": q, "next": next_url, "results": results}
    return render(request, "civic/address_search.html", context)


@require_GET
def basemap_tile(request: HttpRequest, z: int, x: int, y: int) -> HttpResponse:
    """A tile of the schematic basemap; outside the world or the city, a plain background."""
    if z > MAX_ZOOM:
        raise Http404
    body, version, cached = tiles.basemap_tile(z, x, y)
    etag = f'"{version}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="image/png")
    response["ETag"] = etag
    response["X-Tile-Cache"] = "hit" if cached else "miss"  # for operators, as reports' tiles
    # A day fresh, then revalidated by ETag (cheap); tiles change only with the districts.
    response["Cache-Control"] = "public, max-age=86400, stale-while-revalidate=604800"
    return response


RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@require_http_methods(["GET", "HEAD"])
def basemap_pmtiles(request: HttpRequest) -> HttpResponse | FileResponse:
    """The city's self-hosted PMTiles file (``CIVIC_PMTILES_PATH``), read by the browser with
    HTTP Range requests: 206 with the bytes asked for, 416 for a range it cannot satisfy."""
    if not settings.CIVIC_PMTILES_PATH:
        raise Http404
    path = Path(settings.CIVIC_PMTILES_PATH)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise Http404 from exc
    stat = os.fstat(handle.fileno())
    size = stat.st_size
    etag = f'"{stat.st_mtime_ns:x}-{size:x}"'
    response: HttpResponse | FileResponse
    header = request.headers.get("Range", "")
    if_range = request.headers.get("If-Range")
    if header and "," not in header and (if_range is None or if_range == etag):
        match = RANGE.match(header.strip())
        span = _byte_span(match, size) if match else None
        if span is None:
            handle.close()
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        start, end = span
        handle.seek(start)
        body = handle.read(end - start + 1)
        handle.close()
        response = HttpResponse(body, status=206, content_type="application/vnd.pmtiles")
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    else:
        # No (usable) range: the whole file, streamed. Several ranges in one request are
        # answered this way too (allowed by RFC 9110; PMTiles readers ask one at a time).
        response = FileResponse(handle, content_type="application/vnd.pmtiles")
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _byte_span(match: re.Match[str], size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single ``bytes=`` range, or None when it is unsatisfiable or
    malformed (refused rather than answered with a whole file that may weigh gigabytes)."""
    first, last = match.group(1), match.group(2)
    if not first and not last:
        return None
    if not first:  # the last N bytes
        suffix = int(last)
        return (max(0, size - suffix), size - 1) if suffix > 0 and size > 0 else None
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        return None
    return start, end
