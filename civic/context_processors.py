from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from civic.city import city, running_commit
from civic.registry import contexts, nav_entries, page_banners


def civic(request: HttpRequest) -> dict[str, Any]:
    the_city = city()
    context: dict[str, Any] = {
        "city": the_city,
        # For the maps' scripts (civic-map-config): the basemap every map draws under its data.
        "map_tiles": {"url": the_city.tile_url, "attribution": the_city.tile_attribution},
        "running_commit": running_commit(),
        "menu_entries": nav_entries(request),
        "page_banners": page_banners(request),
    }
    for function in contexts():
        context.update(function(request))
    return context
