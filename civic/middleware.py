from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode


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
    must mediators before reaching the pages where they act for residents."""

    allowed_prefixes = ("/accounts/", "/static/", "/healthz", "/language/", "/csp-report/")
    mediator_prefixes = ("/assist/",)
    mediator_role = "mediator"  # a key of civic.roles.ROLES

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
        if not user.is_staff and not (
            request.path.startswith(self.mediator_prefixes)
            and user.groups.filter(name=self.mediator_role).exists()
        ):
            return False
        from allauth.mfa.models import Authenticator

        return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
