from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from civic.city import city, running_commit
from civic.registry import home_tiles


def civic(request: HttpRequest) -> dict[str, Any]:
    return {
        "city": city(),
        "running_commit": running_commit(),
        "menu_tiles": [tile for tile in home_tiles() if tile.in_menu],
    }
