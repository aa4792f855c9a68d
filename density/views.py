"""Density pages and feeds: thin views over selectors and services."""

from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.signing import BadSignature
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
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
    favourite_lines,
    forecast_accuracy,
    is_favourite,
    line_day_table,
    lines_by_ids,
    lines_matching,
    lines_near,
    quieter_departures,
    route_direction_stops,
    stops_by_distance,
    weekly_accuracy,
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
RECENT_COOKIE = "density_recent_lines"
RECENT_LINES = 5
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
    return render(
        request,
        "density/index.html",
        {
            "routes": lines_matching(query),
            "query": query,
            "last_trip": _last_trip(request),
            "levels": _levels(),
        },
    )


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _clock(value: str) -> time | None:
    """A time of day typed as HH:MM (what ``<input type=time>`` sends), else None."""
    try:
        return time.fromisoformat(value) if len(value) == 5 else None
    except ValueError:
        return None


def _place(data: Any) -> tuple[float, float] | None:
    """The place the passenger shared (``lat``, ``lon``), if any and plausible."""
    try:
        latitude, longitude = float(data.get("lat", "")), float(data.get("lon", ""))
    except ValueError:
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return latitude, longitude


def _recent_ids(request: HttpRequest) -> list[int]:
    """The lines this browser reported on lately (a cookie: no account needed), latest first."""
    return [int(p) for p in request.COOKIES.get(RECENT_COOKIE, "").split(".") if p.isdigit()][
        :RECENT_LINES
    ]


def _remember(response: HttpResponse, request: HttpRequest, route: Route, trip: str) -> None:
    """The trip for next time's one tap, and the line among the recent ones."""
    recent = [route.pk, *(pk for pk in _recent_ids(request) if pk != route.pk)][:RECENT_LINES]
    age = int(DEVICE_TOKEN_AGE.total_seconds())
    for name, value in ((LAST_TRIP_COOKIE, trip), (RECENT_COOKIE, ".".join(map(str, recent)))):
        response.set_cookie(
            name, value, max_age=age, httponly=True, samesite="Lax", secure=request.is_secure()
        )


def _pick_context(
    request: HttpRequest, route: Route | None, direction: int | None, stop: Stop | None
) -> dict[str, Any]:
    """What the report page offers at its current step: lines, directions or stops."""
    place = _place(request.GET)
    context: dict[str, Any] = {
        "place": place,
        "place_params": f"&lat={place[0]:.5f}&lon={place[1]:.5f}" if place else "",
    }
    if route is None:
        query = request.GET.get("q", "").strip()
        user = request.user if request.user.is_authenticated else None
        context |= {
            "routes": lines_matching(query),
            "query": query,
            "recent": lines_by_ids(_recent_ids(request)) if not query else [],
            "favourites": favourite_lines(user=user) if user and not query else [],
            "nearby": lines_near(latitude=place[0], longitude=place[1]) if place else [],
        }
    elif direction is None:
        context["patterns"] = RoutePattern.objects.filter(route=route)
    elif stop is None:
        stops = [rs.stop for rs in route_direction_stops(route_id=route.pk, direction_id=direction)]
        context["stops"] = stops_by_distance(
            stops, latitude=place and place[0], longitude=place and place[1]
        )
    if route is not None and direction is not None:
        context["pattern"] = RoutePattern.objects.filter(
            route=route, direction_id=direction
        ).first()
    return context


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
            _remember(response, request, route, f"{route.pk}:{direction}:{stop.pk}")
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
    context = {
        "route": route,
        "direction": direction,
        "stop": stop,
        "error": error,
        "levels": _levels(),
        **_pick_context(request, route, direction, stop),
    }
    return render(request, "density/report.html", context, status=400 if error else 200)


@login_required
@require_POST
def favourite(request: HttpRequest, pk: int) -> HttpResponse:
    """Keep a line among the signed-in resident's favourites (or stop keeping it)."""
    route = get_object_or_404(Route, pk=pk)
    kept = services.favourite_line_set(
        actor=Actor.from_request(request), route=route, favourite=request.POST.get("keep") == "1"
    )
    messages.success(
        request,
        (
            _("Line %(line)s is among your favourite lines.")
            if kept
            else _("Line %(line)s is no longer among your favourite lines.")
        )
        % {"line": route.short_name or route.long_name},
    )
    return redirect("density:line", pk=route.pk)


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
    leaving = _clock(request.GET.get("time", ""))
    # "Leaving at" another time today: the departures around it, not around now.
    at = timezone.make_aware(datetime.combine(timezone.localdate(now), leaving)) if leaving else now
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
            stop=chosen.stop, route_id=route.pk, direction_id=pattern.direction_id, at=at
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
            "leaving": leaving,
            "favourite": request.user.is_authenticated
            and is_favourite(user=request.user, route=route),
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
            "weeks": weekly_accuracy(),
            "lines": [
                (
                    route,
                    forecast_accuracy(since=week, route_id=route.pk),
                    next(iter(weekly_accuracy(route_id=route.pk, weeks=1)), None),
                )
                for route in Route.objects.all()
            ]
            if request.user.is_staff
            else [],
        },
    )
