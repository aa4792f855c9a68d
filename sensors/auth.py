"""Who may push: a sensor by its secret, or an API client with the sensors scope."""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.translation import gettext as _
from rest_framework import exceptions

from civic.authentication import api_client_for_key
from civic.models import ApiClient
from sensors.models import DeviceFormat, Sensor
from sensors.registrations import API_SCOPE

# Compared against when no sensor matches, so a wrong device id costs the same as a wrong secret.
_NO_HASH = "0" * 64


@dataclass(frozen=True)
class Pusher:
    sensor: Sensor | None = None
    api_client: ApiClient | None = None


def _authorization(request: HttpRequest) -> tuple[str, str]:
    scheme, _sep, credentials = request.headers.get("Authorization", "").strip().partition(" ")
    return scheme.lower(), credentials.strip()


def _client_with_scope(key: str) -> ApiClient:
    client = api_client_for_key(key)
    if client is None:
        raise exceptions.AuthenticationFailed(_("This key is unknown or revoked."))
    if not client.has_scope(API_SCOPE):
        raise exceptions.PermissionDenied(_("This API key does not have the sensors scope."))
    return client


def sensor_for_secret(secret: str) -> Sensor | None:
    sensor = Sensor.objects.filter(secret_hash=Sensor.hash_secret(secret), is_active=True).first()
    hmac.compare_digest(sensor.secret_hash if sensor else _NO_HASH, Sensor.hash_secret(secret))
    return sensor


def bearer_or_api_key(request: HttpRequest, *, sensor_secrets: bool) -> Pusher:
    """``Bearer <sensor secret>`` (when allowed), ``Bearer <api key>`` or ``Api-Key <key>``."""
    scheme, credentials = _authorization(request)
    if not credentials or scheme not in {"bearer", "api-key"}:
        raise exceptions.NotAuthenticated(
            _("Send Authorization: Bearer <sensor secret> or Api-Key <key>.")
        )
    if scheme == "bearer" and sensor_secrets:
        sensor = sensor_for_secret(credentials)
        if sensor is not None:
            return Pusher(sensor=sensor)
    return Pusher(api_client=_client_with_scope(credentials))


def airrohr_sensor(request: HttpRequest) -> Sensor:
    """HTTP Basic, username = the X-Sensor header, password = the sensor's secret."""
    device_id = request.headers.get("X-Sensor", "").strip()
    scheme, credentials = _authorization(request)
    if scheme != "basic" or not device_id:
        raise exceptions.NotAuthenticated(
            _("Send X-Sensor and HTTP Basic credentials (user = X-Sensor, password = secret).")
        )
    try:
        username, _sep, password = base64.b64decode(credentials).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise exceptions.AuthenticationFailed(_("Unreadable Basic credentials.")) from exc
    sensor = Sensor.objects.filter(
        device_id=device_id, device_format=DeviceFormat.AIRROHR, is_active=True
    ).first()
    secret_ok = hmac.compare_digest(
        sensor.secret_hash if sensor else _NO_HASH, Sensor.hash_secret(password)
    )
    if sensor is None or not secret_ok or username != device_id:
        raise exceptions.AuthenticationFailed(_("Unknown sensor or wrong secret."))
    return sensor
