"""Density pages and feeds: thin views over selectors and services."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.signing import BadSignature
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from google.protobuf import json_format
from google.transit import gtfs_realtime_pb2

from civic.actors import Actor
from civic.charts import bar_chart
from civic.errors import CivicError
from civic.net import client_ip
from density import services
from density.cells import day_type_and_slot
from density.daytypes import DayType
from density.gtfs_rt import occupancy_feed
from density.models import CrowdReport, Feed, Route, RoutePattern, Stop
from density.selectors import (
    FIRST_HOUR,
    LAST_HOUR,
    RatedDeparture,
    departures_with_levels,
    forecast_accuracy,
    line_day_table,
    quieter_departures,
    route_direction_stops,
)

FEED_CACHE_SECONDS = 60


@require_GET
def gtfs_rt_occupancy(request: HttpRequest) -> HttpResponse:
    """``/gtfs-rt/occupancy.pb``: binary protobuf; ``?format=json`` for people debugging."""
    now = timezone.now()
    key = f"density:gtfs-rt:{int(now.timestamp()) // FEED_CACHE_SECONDS}"
    payload = cache.get(key)
    if payload is None:
        message = occupancy_feed(now=now, feeds=list(Feed.objects.order_by("code")))
        payload = message.SerializeToString()
        cache.set(key, payload, FEED_CACHE_SECONDS)
    if request.GET.get("format") == "json":
        message = gtfs_realtime_pb2.FeedMessage()
        message.ParseFromString(payload)
        return HttpResponse(json_format.MessageToJson(message), content_type="application/json")
    response = HttpResponse(payload, content_type="application/x-protobuf")
    response["Cache-Control"] = f"public, max-age={FEED_CACHE_SECONDS}"
    return response


# Resident pages ------------------------------------------------------------------------------

DEVICE_COOKIE = "density_device"
DEVICE_SALT = "density.device"
# The token rotates: the cookie is set once and not renewed, so a new one is drawn after this.
DEVICE_TOKEN_AGE = timedelta(days=90)
LAST_TRIP_COOKIE = "density_last_trip"
LEVEL_COLOURS = {1: "#00703c", 2: "#85994b", 3: "#f47738", 4: "#d4351c", 5: "#6b1c12"}


def _device_token(request: HttpRequest) -> tuple[str, bool]:
    """This browser's device token, and whether it is new (to be set as a cookie)."""
    try:
        token = request.get_signed_cookie(DEVICE_COOKIE, salt=DEVICE_SALT, max_age=DEVICE_TOKEN_AGE)
        if token:
            return token, False
    except (KeyError, BadSignature):
        pass
    return secrets.token_urlsafe(24), True


def _last_trip(request: HttpRequest) -> tuple[Route, int, Stop] | None:
    parts = request.COOKIES.get(LAST_TRIP_COOKIE, "").split(":")
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        return None
    route = Route.objects.filter(pk=int(parts[0])).first()
    stop = Stop.objects.filter(pk=int(parts[2])).first()
    if route is None or stop is None:
        return None
    return route, int(parts[1]), stop


def _levels() -> list[dict[str, Any]]:
    return [
        {
            "value": value,
            "label": label,
            "bars": range(value),
            "empty": range(5 - value),
        }
        for value, label in CrowdReport.Level.choices
    ]


def index(request: HttpRequest) -> HttpResponse:
    """ "How crowded?": the lines (searchable), the last trip in one tap, and where to report."""
    query = request.GET.get("q", "").strip()
    routes = Route.objects.all()
    if query:
        routes = routes.filter(Q(short_name__icontains=query) | Q(long_name__icontains=query))
    return render(
        request,
        "density/index.html",
        {"routes": routes, "query": query, "last_trip": _last_trip(request), "levels": _levels()},
    )


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def report(request: HttpRequest) -> HttpResponse:
    """Report a level: line → direction → stop → level, one plain form per step (no script)."""
    data = request.POST if request.method == "POST" else request.GET
    route = get_object_or_404(Route, pk=data["route"]) if _int(data.get("route")) else None
    direction = _int(data.get("direction"))
    stop = get_object_or_404(Stop, pk=data["stop"]) if _int(data.get("stop")) else None
    error = ""
    if request.method == "POST" and route and direction is not None and stop:
        token, new_token = _device_token(request)
        try:
            services.crowd_report_submit(
                actor=Actor.from_request(request),
                route=route,
                direction=direction,
                stop=stop,
                level=_int(data.get("level")) or 0,
                observed_at=timezone.now(),
                device_token=token,
                ip=client_ip(request),
            )
        except CivicError as refusal:
            error = str(refusal.message)
        else:
            messages.success(request, _("Thank you: your report is counted."))
            url = reverse("density:line", args=[route.pk])
            response = redirect(f"{url}?direction={direction}&stop={stop.pk}")
            response.set_cookie(
                LAST_TRIP_COOKIE,
                f"{route.pk}:{direction}:{stop.pk}",
                max_age=int(DEVICE_TOKEN_AGE.total_seconds()),
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
            if new_token:
                response.set_signed_cookie(
                    DEVICE_COOKIE,
                    token,
                    salt=DEVICE_SALT,
                    max_age=int(DEVICE_TOKEN_AGE.total_seconds()),
                    httponly=True,
                    samesite="Lax",
                    secure=request.is_secure(),
                )
            return response
    context: dict[str, Any] = {
        "route": route,
        "direction": direction,
        "stop": stop,
        "error": error,
        "levels": _levels(),
    }
    if route is None:
        context["routes"] = Route.objects.all()
    elif direction is None:
        context["patterns"] = RoutePattern.objects.filter(route=route)
    elif stop is None:
        context["stops"] = [
            rs.stop for rs in route_direction_stops(route_id=route.pk, direction_id=direction)
        ]
    if route is not None and direction is not None:
        context["pattern"] = RoutePattern.objects.filter(
            route=route, direction_id=direction
        ).first()
    return render(request, "density/report.html", context, status=400 if error else 200)


def line(request: HttpRequest, pk: int) -> HttpResponse:
    """A line: expected crowding through the day per stop (table and chart), now, and quieter
    departures within half an hour."""
    route = get_object_or_404(Route, pk=pk)
    patterns = list(RoutePattern.objects.filter(route=route))
    if not patterns:
        raise Http404
    direction = _int(request.GET.get("direction"))
    pattern = next((p for p in patterns if p.direction_id == direction), patterns[0])
    now = timezone.now()
    today, _slot = day_type_and_slot(now)
    day = request.GET.get("day", today)
    if day not in DayType.values:
        day = today
    rows = line_day_table(
        route_id=route.pk,
        direction_id=pattern.direction_id,
        day_type=day,
        at=now if day == today else None,
    )
    stop_id = _int(request.GET.get("stop"))
    chosen = next((row for row in rows if row.stop.pk == stop_id), rows[0] if rows else None)
    nearest: RatedDeparture | None = None
    departures: list[RatedDeparture] = []
    chart = None
    if chosen is not None:
        nearest, departures = quieter_departures(
            stop=chosen.stop, route_id=route.pk, direction_id=pattern.direction_id, at=now
        )
        chart = bar_chart(
            [
                (f"{hour:02d}:00", level, LEVEL_COLOURS.get(level or 0, ""))
                for hour, level in zip(range(FIRST_HOUR, LAST_HOUR), chosen.hours, strict=True)
            ],
            maximum=5,
        )
    return render(
        request,
        "density/line.html",
        {
            "route": route,
            "patterns": patterns,
            "pattern": pattern,
            "day": day,
            "day_types": DayType.choices,
            "hours": [f"{h:02d}" for h in range(FIRST_HOUR, LAST_HOUR)],
            "rows": rows,
            "chosen": chosen,
            "chart": chart,
            "nearest": nearest,
            "departures": departures,
            "is_today": day == today,
        },
    )


def stop(request: HttpRequest, pk: int) -> HttpResponse:
    """A stop: the next departures of every line, each with its expected level."""
    place = get_object_or_404(Stop, pk=pk)
    now = timezone.now()
    departures = departures_with_levels(stop=place, since=now, until=now + timedelta(hours=1))
    routes = dict(
        Route.objects.filter(pk__in={d.departure.run.route_id for d in departures}).values_list(
            "pk", "short_name"
        )
    )
    headsigns = {
        (p.route_id, p.direction_id): p.headsign
        for p in RoutePattern.objects.filter(route_id__in=routes)
    }
    return render(
        request,
        "density/stop.html",
        {
            "stop": place,
            "departures": [
                (
                    d,
                    routes.get(d.departure.run.route_id, ""),
                    headsigns.get((d.departure.run.route_id, d.departure.run.direction_id), ""),
                )
                for d in departures[:30]
            ],
        },
    )


def method(request: HttpRequest) -> HttpResponse:
    """How the forecast is made, the data it uses, and how accurate it measures itself."""
    week = timezone.now() - timedelta(days=7)
    accuracy = forecast_accuracy(since=week)
    return render(
        request,
        "density/method.html",
        {
            "accuracy": accuracy,
            "exact_percent": round(100 * (accuracy.exact_share or 0)),
            "k": settings.CIVIC_DENSITY_K_ANONYMITY,
            "retention_days": settings.CIVIC_DENSITY_RAW_RETENTION_DAYS,
            "lines": [
                (route, forecast_accuracy(since=week, route_id=route.pk))
                for route in Route.objects.all()
            ]
            if request.user.is_staff
            else [],
        },
    )
