"""Kiosk mode: recognising a registered terminal's browser, and what changes on it.

A member of staff activates a terminal from its own browser (``assist:kiosk_activate``): the
browser receives a signed, long-lived cookie holding the terminal's id and a random token; only
the token's SHA-256 is stored. ``KioskMiddleware`` recognises the cookie on each request and sets
``request.kiosk_terminal`` (the row) and ``request.civic_terminal`` (a ``Ref``, which
``civic.actors.Actor.from_request`` reads without importing this app). On a terminal, every
response is ``no-store`` and a signed-in session expires after a few idle minutes, server-side,
so nothing is left for the next person even without JavaScript.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control

from assist.models import KioskTerminal
from assist.qr import qr_svg
from civic.city import absolute_url

COOKIE_NAME = "civic_kiosk"
COOKIE_SALT = "assist.kiosk"
# Chromium caps cookie lifetimes at 400 days; the cookie is refreshed while the terminal is used.
COOKIE_MAX_AGE = 400 * 24 * 3600
LAST_SEEN_EVERY = timedelta(minutes=5)
# Query parameters that mean something only on the terminal's screen (never on a phone).
KIOSK_ONLY_PARAMETERS = frozenset({"cleared"})
# A session opened with a one-time code holds the terminal's id under this key: it opens only My
# data (the pages under it but deleting the account), only on that terminal.
CODE_SESSION = "assist_kiosk_code_terminal"
CODE_SESSION_PATHS = ("/kiosk/finish/", "/kiosk/ping/", "/language/")
# Kiosk-only pages, and the public page a phone opens instead ("Continue on your phone").
PUBLIC_EQUIVALENTS = {
    "kiosk_home": "home",
    "kiosk_my_data": "consent:my_data",
    "kiosk_consents": "consent:my_data",
}


def idle_seconds() -> int:
    """A session on a terminal ends after this long without a request (server-side)."""
    return settings.CIVIC_KIOSK_IDLE_SECONDS


def set_terminal_cookie(response: HttpResponse, terminal: KioskTerminal, token: str) -> None:
    response.set_signed_cookie(
        COOKIE_NAME,
        f"{terminal.pk}:{token}",
        salt=COOKIE_SALT,
        max_age=COOKIE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def terminal_of(request: HttpRequest) -> tuple[KioskTerminal | None, str]:
    """The active terminal whose cookie this browser holds, and the cookie's token."""
    try:
        value = request.get_signed_cookie(COOKIE_NAME, salt=COOKIE_SALT)
    except (KeyError, signing.BadSignature):
        return None, ""
    if not value:
        return None, ""
    terminal_id, _sep, token = value.partition(":")
    if not terminal_id.isdigit() or not token:
        return None, ""
    terminal = KioskTerminal.objects.filter(pk=int(terminal_id), is_active=True).first()
    if terminal is None or not terminal.matches(token):
        return None, ""
    return terminal, token


class KioskMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        terminal, token = terminal_of(request)
        request.kiosk_terminal = terminal  # type: ignore[attr-defined]
        if terminal is not None:
            request.civic_terminal = terminal.as_ref()  # type: ignore[attr-defined]
        refused = code_session_refusal(request, terminal)
        if refused is not None:
            response: HttpResponse = refused
        elif terminal is not None and request.method == "GET" and request.path == reverse("home"):
            # The terminal's home is its own: tiles, not the website's front page.
            response = HttpResponseRedirect(reverse("assist:kiosk_home"))
        else:
            response = self.get_response(request)
        if terminal is None:
            return response
        # Nothing from a resident's session stays in the shared browser's cache.
        add_never_cache_headers(response)
        patch_cache_control(response, no_store=True, private=True)
        session: Any = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            # Sliding: each request gives the session a few more minutes, then it is gone.
            session.set_expiry(idle_seconds())
        now = timezone.now()
        if terminal.last_seen_at is None or terminal.last_seen_at < now - LAST_SEEN_EVERY:
            KioskTerminal.objects.filter(pk=terminal.pk).update(last_seen_at=now)
            set_terminal_cookie(response, terminal, token)
        return response


def code_session_refusal(
    request: HttpRequest, terminal: KioskTerminal | None
) -> HttpResponse | None:
    """A page a session opened with a one-time code may not see: refused (403). Off its terminal,
    the session ends first."""
    session: Any = getattr(request, "session", None)
    if session is None or CODE_SESSION not in session:
        return None
    if terminal is None or terminal.pk != session[CODE_SESSION]:
        logout(request)  # carried off the terminal: nothing opens
        return None
    path = request.path
    my_data = reverse("consent:my_data")
    allowed = (
        path.startswith(my_data) and path != reverse("consent:account_delete")
    ) or path.startswith(CODE_SESSION_PATHS)
    if allowed:
        return None
    return render(request, "assist/kiosk_code_only.html", status=403)


def public_address(request: HttpRequest) -> str:
    """The address a phone should open for the page shown: the page itself without kiosk-only
    parameters, or, for a kiosk-only page, its public equivalent."""
    match = request.resolver_match
    if match is not None and match.namespace == "assist":
        if match.url_name == "kiosk_receipt":
            return absolute_url(reverse("consent:receipt", args=[match.kwargs["seq"]]))
        if match.url_name in PUBLIC_EQUIVALENTS:
            return absolute_url(reverse(PUBLIC_EQUIVALENTS[match.url_name]))
    query = request.GET.copy()
    for name in KIOSK_ONLY_PARAMETERS:
        query.pop(name, None)
    encoded = query.urlencode()
    return absolute_url(request.path + (f"?{encoded}" if encoded else ""))


def kiosk_context(request: HttpRequest) -> dict[str, Any]:
    """Template context: ``kiosk`` (the terminal or None) and its idle timings."""
    terminal = getattr(request, "kiosk_terminal", None)
    if terminal is None:
        return {"kiosk": None}
    idle = idle_seconds()
    page_url = public_address(request)
    return {
        "kiosk": terminal,
        # "Continue on your phone": the page's address as a QR code (drawn only when shown).
        "kiosk_page_url": page_url,
        # The same, as short as it can be typed on a phone: no scheme.
        "kiosk_short_url": page_url.split("://", 1)[-1],
        "kiosk_page_qr": lambda: qr_svg(page_url),
        # The page warns a minute before the end, then clears the session half a minute before
        # the server would: the screen is wiped, not just the session.
        "kiosk_warn_after": max(idle - 60, 10),
        "kiosk_clear_after": max(idle - 30, 20),
        "kiosk_idle_seconds": idle,
    }
