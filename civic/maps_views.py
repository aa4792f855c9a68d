"""Maps and addresses: the gazetteer's search (JSON for autocomplete, a page that works without
JavaScript), reverse geocoding of a dropped pin, and the basemap's tiles."""

from __future__ import annotations

from dataclasses import asdict
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from civic.addresses import AddressHit, address_nearest, addresses_search

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
