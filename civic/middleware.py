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


class UserLanguageMiddleware:
    """A signed-in person reads pages in the language stored on their account."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


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
