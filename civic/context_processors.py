from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from civic.city import city, running_commit
from civic.registry import Link, contexts, links, nav_entries, page_banners


def civic(request: HttpRequest) -> dict[str, Any]:
    the_city = city()
    context: dict[str, Any] = {
        "city": the_city,
        # For the maps' scripts (civic-map-config): the basemap every map draws under its data.
        "map_tiles": {"url": the_city.tile_url, "attribution": the_city.tile_attribution},
        "running_commit": running_commit(),
        "menu_entries": nav_entries(request),
        "page_banners": page_banners(request),
        "staff_links": _staff_links(request),
    }
    for function in contexts():
        context.update(function(request))
    return context


def _staff_links(request: HttpRequest) -> list[Link]:
    """The staff back office's menu: each app's tools, for those whose job needs them."""
    user = getattr(request, "user", None)
    if user is None or not user.is_staff:
        return []
    return [
        link for link in links("staff") if not link.permission or user.has_perm(link.permission)
    ]
