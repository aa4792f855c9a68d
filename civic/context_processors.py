from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from civic.city import city, running_commit
from civic.registry import contexts, nav_entries, page_banners


def civic(request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {
        "city": city(),
        "running_commit": running_commit(),
        "menu_entries": nav_entries(request),
        "page_banners": page_banners(request),
    }
    for function in contexts():
        context.update(function(request))
    return context
