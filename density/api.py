"""The density API: forecasts as open data, and crowd reports from partner apps (API key)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from civic.actors import Actor, Channel
from civic.errors import InvalidInput, NotAllowed, NotFound
from civic.models import ApiClient
from civic.net import client_ip
from density import selectors, services
from density.cells import day_type_and_slot, slot_label
from density.forecast import LEVEL_NAMES, occupancy_status, rounded_level
from density.models import Feed, Route, Stop

API_SCOPE = "density"


def _feed(code: str | None) -> Feed:
    feeds = Feed.objects.all()
    if code:
        feeds = feeds.filter(code=code)
    found = list(feeds[:2])
    if len(found) != 1:
        raise InvalidInput(
            _("Name the feed: several are loaded.") if found else _("This feed does not exist."),
            field="feed",
        )
    return found[0]


def _route_and_stop(data: dict[str, Any]) -> tuple[Route, Stop]:
    feed = _feed(data.get("feed"))
    route = Route.objects.filter(feed=feed, gtfs_id=data["route"]).first()
    if route is None:
        raise NotFound(_("This line does not exist."), field="route")
    stop = Stop.objects.filter(feed=feed, gtfs_id=data["stop"]).first()
    if stop is None:
        raise NotFound(_("This stop does not exist."), field="stop")
    return route, stop


class ForecastApi(APIView):
    """Expected crowding of a line at a stop at a moment: open data, no key needed."""

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = (
                "DensityForecastQuery"  # its name in the OpenAPI schema (reports has an Input too)
            )

        route = serializers.CharField(help_text="The line's GTFS route_id.")
        stop = serializers.CharField(help_text="The stop's GTFS stop_id.")
        direction = serializers.IntegerField(min_value=0, max_value=1)
        at = serializers.DateTimeField(required=False, help_text="ISO 8601; default: now.")
        feed = serializers.CharField(required=False, help_text="Feed code, when several.")

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = (
                "DensityForecast"  # its name in the OpenAPI schema (reports has an Input too)
            )

        route = serializers.CharField()
        stop = serializers.CharField()
        direction = serializers.IntegerField()
        at = serializers.DateTimeField()
        day_type = serializers.CharField()
        slot = serializers.CharField(help_text="Start of the quarter hour, service-day time.")
        level = serializers.IntegerField(
            allow_null=True, help_text="1 low … 5 maximum; null: not enough data."
        )
        level_name = serializers.CharField(allow_null=True)
        expected_level = serializers.FloatField(allow_null=True)
        confidence = serializers.FloatField(allow_null=True)
        samples = serializers.IntegerField()
        occupancy_status = serializers.CharField(
            allow_null=True, help_text="The GTFS-Realtime OccupancyStatus of the level."
        )
        now = serializers.IntegerField(
            allow_null=True, help_text="The level now (only when `at` is within a minute)."
        )

    @extend_schema(
        operation_id="density_forecast",
        parameters=[InputSerializer],
        responses={200: OutputSerializer},
    )
    def get(self, request: Request) -> Response:
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        route, stop = _route_and_stop(data)
        at: datetime = data.get("at") or timezone.now()
        row = selectors.forecast_for(
            route_id=route.pk, direction_id=data["direction"], stop_id=stop.pk, at=at
        )
        day, slot = day_type_and_slot(at)
        now = None
        if abs((timezone.now() - at).total_seconds()) < 60:
            level_now = selectors.level_now(
                route_id=route.pk, direction_id=data["direction"], stop_id=stop.pk, at=at
            )
            now = level_now.rounded if level_now else None
        level = rounded_level(row.level) if row else None
        body = {
            "route": route.gtfs_id,
            "stop": stop.gtfs_id,
            "direction": data["direction"],
            "at": at,
            "day_type": str(day),
            "slot": slot_label(slot),
            "level": level,
            "level_name": LEVEL_NAMES[level] if level else None,
            "expected_level": round(row.level, 2) if row else None,
            "confidence": round(row.confidence, 2) if row else None,
            "samples": row.samples if row else 0,
            "occupancy_status": occupancy_status(row.level) if row else None,
            "now": now,
        }
        return Response(self.OutputSerializer(body).data)


class CrowdReportCreateApi(APIView):
    """A partner app's crowd report: an API key with the ``density`` scope."""

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = (
                "CrowdReportInput"  # its name in the OpenAPI schema (reports has an Input too)
            )

        route = serializers.CharField(help_text="The line's GTFS route_id.")
        direction = serializers.IntegerField(min_value=0, max_value=1)
        stop = serializers.CharField(help_text="The stop's GTFS stop_id.")
        level = serializers.IntegerField(help_text="1 low, 2 average, 3 high, 4 very high, 5 max.")
        observed_at = serializers.DateTimeField(required=False, help_text="Default: now.")
        device_token = serializers.CharField(
            max_length=200,
            help_text="The app's rotating token for this device (renew it every 90 days); "
            "only its hash is stored, for rate limits and repeats.",
        )
        feed = serializers.CharField(required=False)

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = (
                "CrowdReportOutput"  # its name in the OpenAPI schema (reports has an Input too)
            )

        id = serializers.IntegerField()
        level = serializers.IntegerField()
        observed_at = serializers.DateTimeField()

    @extend_schema(
        operation_id="density_reports_create",
        request=InputSerializer,
        responses={201: OutputSerializer},
    )
    def post(self, request: Request) -> Response:
        if not (isinstance(request.auth, ApiClient) and request.auth.has_scope(API_SCOPE)):
            raise NotAllowed(_("Crowd reports from apps need an API key with the density scope."))
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        route, stop = _route_and_stop(data)
        report = services.crowd_report_submit(
            actor=Actor.from_request(request, channel=Channel.API),
            route=route,
            direction=data["direction"],
            stop=stop,
            level=data["level"],
            observed_at=data.get("observed_at") or timezone.now(),
            device_token=f"{request.auth.pk}:{data['device_token']}",
            ip=client_ip(request._request),
        )
        return Response(
            {"id": report.pk, "level": report.level, "observed_at": report.observed_at},
            status=status.HTTP_201_CREATED,
        )
