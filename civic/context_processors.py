from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from civic.city import city, running_commit


def civic(request: HttpRequest) -> dict[str, Any]:
    return {"city": city(), "running_commit": running_commit()}
