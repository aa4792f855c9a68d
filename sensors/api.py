"""Device push endpoints: check auth, syntax and shape, persist the raw body, answer 202.

Parsing and storing happen in the worker (``sensors.tasks.ingest_batch_task``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sensors import services
from sensors.auth import airrohr_sensor, bearer_or_api_key
from sensors.formats import ShapeError, TooManyRows, airrohr, native, ttn
from sensors.models import DeviceFormat, IngestBatch, Sensor


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Too many rows in one request."
    default_code = "too_large"


def _body(request: Request) -> bytes:
    try:
        return request._request.body
    except RequestDataTooBig as exc:
        raise PayloadTooLarge(_("The body is too large.")) from exc


def _accepted(batch: IngestBatch, rows: int | None = None) -> Response:
    body: dict[str, Any] = {"batch": batch.pk, "status": "accepted"}
    if rows is not None:
        body["rows"] = rows
    return Response(body, status=status.HTTP_202_ACCEPTED)


class _PushApi(APIView):
    # Devices authenticate here, not through the site's sessions; ingest is not throttled
    # per IP (a gateway pushes for many devices), only sized per request.
    authentication_classes = ()
    permission_classes = ()
    throttle_classes = ()
    parser_classes = ()
    www_authenticate = "Bearer"

    def get_authenticate_header(self, request: Request) -> str:
        return self.www_authenticate


_ACCEPTED = {202: OpenApiResponse(description="Stored; processed in the background.")}


class NativeReadingsApi(_PushApi):
    """A JSON array or NDJSON of ``{sensor, time, quantity, value}`` (at most 10,000 rows)."""

    @extend_schema(operation_id="sensors_readings_push", request=None, responses=_ACCEPTED)
    def post(self, request: Request) -> Response:
        pusher = bearer_or_api_key(request._request, sensor_secrets=True)
        body = _body(request)
        try:
            with services.gc_paused():
                rows = native.check(body, max_rows=settings.CIVIC_SENSORS_MAX_ROWS)
        except TooManyRows as exc:
            raise PayloadTooLarge(str(exc)) from exc
        except ShapeError as exc:
            raise exceptions.ParseError(str(exc)) from exc
        if pusher.sensor is not None:
            others = {row["sensor"] for row in rows} - {pusher.sensor.device_id}
            if others:
                raise exceptions.PermissionDenied(
                    _("A sensor's secret may send only its own readings, not: %(others)s")
                    % {"others": ", ".join(sorted(others)[:5])}
                )
        batch = services.batch_receive(
            device_format=DeviceFormat.NATIVE,
            body=body.decode(),
            received_at=timezone.now(),
            sensor=pusher.sensor,
            api_client=pusher.api_client,
        )
        return _accepted(batch, len(rows))


class AirrohrPushApi(_PushApi):
    """sensor.community's firmware, "Send data to custom API", exactly as it sends it."""

    www_authenticate = 'Basic realm="sensors"'

    @extend_schema(operation_id="sensors_airrohr_push", request=None, responses=_ACCEPTED)
    def post(self, request: Request) -> Response:
        sensor = airrohr_sensor(request._request)
        body = _body(request)
        try:
            airrohr.check(body, device_header=sensor.device_id)
        except ShapeError as exc:
            raise exceptions.ParseError(str(exc)) from exc
        now = timezone.now()
        batch = services.batch_receive(
            device_format=DeviceFormat.AIRROHR,
            body=body.decode(),
            received_at=now,
            reading_time=now,
            sensor=sensor,
        )
        return _accepted(batch)


class TtnUplinkApi(_PushApi):
    """The Things Network v3 webhook, uplink messages (``Authorization`` set on the webhook)."""

    @extend_schema(operation_id="sensors_ttn_uplink", request=None, responses=_ACCEPTED)
    def post(self, request: Request) -> Response:
        pusher = bearer_or_api_key(request._request, sensor_secrets=False)
        body = _body(request)
        try:
            document = ttn.check(body)
        except ShapeError as exc:
            raise exceptions.ParseError(str(exc)) from exc
        batch = services.batch_receive(
            device_format=DeviceFormat.TTN,
            body=body.decode(),
            received_at=timezone.now(),
            sensor=Sensor.objects.filter(device_id=ttn.dev_eui(document)).first(),
            api_client=pusher.api_client,
        )
        return _accepted(batch)
