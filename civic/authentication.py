"""API-key authentication and throttles, shared by every app's API (no view imports here:
DRF loads these while its own views module is still importing)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from civic.models import ApiClient
from civic.net import client_ip

KEYWORD = "Api-Key"


def api_client_for_key(key: str) -> ApiClient | None:
    client = ApiClient.objects.filter(key_hash=ApiClient.hash_key(key), is_active=True).first()
    if client is not None:
        now = timezone.now()
        # One write a minute at most, not one per request.
        if client.last_used_at is None or now - client.last_used_at > timedelta(minutes=1):
            ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
            client.last_used_at = now
    return client


class ApiKeyAuthentication(BaseAuthentication):
    """``Authorization: Api-Key <key>``: the request acts as that ApiClient (``request.auth``)."""

    def authenticate(self, request: Request) -> tuple[Any, ApiClient] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].decode(errors="replace").lower() != KEYWORD.lower():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the header as: Authorization: Api-Key <key>.")
            )
        client = api_client_for_key(parts[1].decode(errors="replace"))
        if client is None:
            raise exceptions.AuthenticationFailed(_("This API key is unknown or revoked."))
        return AnonymousUser(), client

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


class _SettingsRate(SimpleRateThrottle):
    """Read the rate when a request arrives, not when DRF was imported, so the settings in force
    (``CIVIC_API_*_RATE``, or a test's override) are the ones applied."""

    def get_rate(self) -> str | None:
        rates = cast(dict[str, str | None], api_settings.DEFAULT_THROTTLE_RATES)
        return rates.get(self.scope or "")


class AnonThrottle(_SettingsRate, AnonRateThrottle):
    """Per client IP (read through ``TRUSTED_PROXY_COUNT`` proxies), for requests without a key."""

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiClient) or request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def get_ident(self, request: Request) -> str:
        # The same reading of X-Forwarded-For as allauth's rate limits (civic.net.client_ip).
        return client_ip(request._request)


class ClientThrottle(_SettingsRate, UserRateThrottle):
    """Per API client, or per signed-in person."""

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiClient):
            ident = f"client-{request.auth.pk}"
        elif request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}
