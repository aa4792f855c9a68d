from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode

from civic.registry import mfa_areas

# The language picked with the switcher, kept for the session (and across sign-in).
SESSION_LANGUAGE = "civic_language"


class UserLanguageMiddleware:
    """One rule for the page's language: the language picked with the switcher in this session
    wins (across sign-in too, at a kiosk above all); otherwise a signed-in person's account
    language; otherwise the switcher's cookie, then the browser (LocaleMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = picked_language(request)
        if not language:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and user.language:
                language = user.language
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


def picked_language(request: HttpRequest) -> str:
    session = getattr(request, "session", None)
    # No session cookie, no pick: and a session left untouched adds no "Vary: Cookie".
    if session is None or settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return ""
    language = session.get(SESSION_LANGUAGE, "")
    return language if language in dict(settings.LANGUAGES) else ""


def account_language_follows_pick(request: HttpRequest, user: Any) -> None:
    """The pick becomes the account's language (used for its emails), except at a kiosk: a
    shared terminal's choice is for this visit, and the person's emails keep their language."""
    language = picked_language(request)
    if not language or getattr(request, "civic_terminal", None) is not None:
        return
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


class StaffMfaMiddleware:
    """When required, staff must set up a second factor before reaching anything else, and so
    must the members of a role in the areas an app declares for it (``civic.registry.MfaArea``:
    mediators on the pages where they act for residents)."""

    allowed_prefixes = ("/accounts/", "/static/", "/healthz", "/language/", "/csp-report/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.CIVIC_STAFF_MFA_REQUIRED and self._needs_mfa(request):
            next_query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('mfa_activate_totp')}?{next_query}")
        return self.get_response(request)

    def _needs_mfa(self, request: HttpRequest) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        if request.path.startswith(self.allowed_prefixes):
            return False
        if not user.is_staff and not self._in_role_area(request, user):
            return False
        from allauth.mfa.models import Authenticator

        return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()

    @staticmethod
    def _in_role_area(request: HttpRequest, user: Any) -> bool:
        roles = {area.role for area in mfa_areas() if request.path.startswith(area.prefix)}
        return bool(roles) and user.groups.filter(name__in=roles).exists()
