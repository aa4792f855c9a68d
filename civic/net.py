from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address, read through ``TRUSTED_PROXY_COUNT`` proxies (X-Forwarded-For).

    Each trusted proxy appends the address it received from; the client is the entry that many
    places from the right. With no trusted proxy, X-Forwarded-For is ignored: anyone can send it.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return forwarded[0] if forwarded else remote
    return forwarded[-count]
