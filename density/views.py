"""Density pages and feeds: thin views over selectors and services."""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from google.protobuf import json_format
from google.transit import gtfs_realtime_pb2

from density.gtfs_rt import occupancy_feed
from density.models import Feed

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
