"""Reads on reports."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from reports.models import OPEN311_OPEN, Category, Photo, Report, Update

PERIOD_DAYS = {"7": 7, "30": 30, "90": 90, "365": 365}


def categories_grouped() -> list[tuple[str, list[Category]]]:
    groups: dict[str, list[Category]] = {}
    for category in Category.objects.filter(is_active=True).order_by("group", "order", "name"):
        groups.setdefault(category.group, []).append(category)
    return list(groups.items())


def report_public_detail(pk: int) -> Report | None:
    """A public report with its public updates and public photos; None when not public."""
    return (
        Report.objects.public()
        .select_related("category", "district", "reporter", "duplicate_of")
        .annotate(support_count=Count("supports", distinct=True))
        .prefetch_related(
            Prefetch("updates", queryset=Update.objects.filter(is_public=True), to_attr="timeline"),
            Prefetch(
                "photos",
                queryset=Photo.objects.filter(state=Photo.State.READY).exclude(image=""),
                to_attr="public_photos",
            ),
        )
        .filter(pk=pk)
        .first()
    )


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


def reports_near(*, category: Category, lat: float, lon: float, limit: int = 5) -> list[Report]:
    """Open reports of this category within its radius, nearest first: "already reported?".

    The bounding box uses the (lat, lon) index; the true distance then trims its corners.
    """
    radius = category.nearby_radius_m
    dlat = radius / 111_320
    dlon = radius / (111_320 * max(0.01, math.cos(math.radians(lat))))
    candidates = (
        Report.objects.filter(
            category=category,
            status__in=OPEN311_OPEN,
            lat__range=(lat - dlat, lat + dlat),
            lon__range=(lon - dlon, lon + dlon),
        )
        .annotate(support_count=Count("supports"))
        .order_by("-created_at")[:50]
    )
    near: list[Report] = []
    for report in candidates:
        report.distance_m = distance_m(lat, lon, report.lat, report.lon)  # type: ignore[arg-type,attr-defined]
        if report.distance_m <= radius:  # type: ignore[attr-defined]
            near.append(report)
    near.sort(key=lambda report: report.distance_m)  # type: ignore[attr-defined]
    return near[:limit]


def reports_public_filtered(filters: dict[str, Any]) -> QuerySet[Report]:
    """Public reports, newest first, by category, status ("open" = any open stage), district
    and period ("7", "30", "90" or "365" days)."""
    reports = Report.objects.public().select_related("category", "district")
    if filters.get("category"):
        reports = reports.filter(category=filters["category"])
    if filters.get("district"):
        reports = reports.filter(district=filters["district"])
    status = filters.get("status")
    if status == "open":
        reports = reports.filter(status__in=OPEN311_OPEN)
    elif status:
        reports = reports.filter(status=status)
    if filters.get("period") in PERIOD_DAYS:
        since = timezone.now() - timedelta(days=PERIOD_DAYS[filters["period"]])
        reports = reports.filter(created_at__gte=since)
    return reports.order_by("-created_at", "-id")
