"""Reads on reports: public pages, staff pages, exports."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Prefetch, QuerySet
from django.utils import timezone

from civic.models import District
from reports.models import OPEN311_OPEN, Category, Photo, Report, Status, Update
from reports.services import reports_visible_to

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


CLOSED_PUBLIC = [Status.FIXED, Status.CLOSED, Status.NOT_RESPONSIBLE, Status.DUPLICATE]


def reports_of(user: Any) -> QuerySet[Report]:
    """A resident's own reports, newest first (for those who follow them for the resident)."""
    return (
        Report.objects.filter(reporter=user)
        .select_related("category")
        .order_by("-created_at", "-pk")
    )


def staff_reports(user: Any) -> QuerySet[Report]:
    """The reports a member of staff may see (their department's, or all for triagers)."""
    if not (user.is_staff and user.has_perm("reports.view_report")):
        raise PermissionDenied
    return Report.objects.filter(reports_visible_to(user))


def export_queryset(ids: list[int] | None = None) -> QuerySet[Report]:
    reports = Report.objects.select_related("category", "district", "department").annotate(
        support_count=Count("supports")
    )
    if ids is not None:
        reports = reports.filter(pk__in=ids)
    return reports.order_by("id")


def _median_hours(pairs: Iterable[tuple[Any, Any]]) -> float | None:
    hours = [(end - start).total_seconds() / 3600 for start, end in pairs if start and end]
    return round(statistics.median(hours), 1) if hours else None


def dashboard_figures(user: Any, *, now: datetime) -> dict[str, Any]:
    """The staff dashboard: reports by status and category, and a barometer per district
    (open reports, per 1,000 residents, median time to fix over the last 90 days)."""
    reports = staff_reports(user).filter(status__in=[*OPEN311_OPEN, *CLOSED_PUBLIC])
    since = now - timedelta(days=90)
    recent = reports.filter(confirmed_at__gte=since)
    by_status = dict(reports.values_list("status").annotate(n=Count("id")).order_by())
    statuses = [(Status(s).label, by_status.get(s, 0)) for s in [*OPEN311_OPEN, *CLOSED_PUBLIC]]
    by_category = list(
        reports.values(name=F("category__name")).annotate(n=Count("id")).order_by("-n")[:15]
    )
    open_by_district = dict(
        reports.filter(status__in=OPEN311_OPEN)
        .values_list("district")
        .annotate(n=Count("id"))
        .order_by()
    )
    fix_pairs: dict[int | None, list[tuple[Any, Any]]] = {}
    for district_id, confirmed, fixed in recent.exclude(fixed_at=None).values_list(
        "district", "confirmed_at", "fixed_at"
    ):
        fix_pairs.setdefault(district_id, []).append((confirmed, fixed))
    barometer = [
        {
            "name": district.name,
            "open": open_by_district.get(district.pk, 0),
            "per_1000": round(open_by_district.get(district.pk, 0) * 1000 / district.population, 2)
            if district.population
            else None,
            "median_fix_hours": _median_hours(fix_pairs.get(district.pk, [])),
        }
        for district in District.objects.order_by("name")
    ]
    return {
        "statuses": statuses,
        "status_max": max([n for _label, n in statuses] or [1]) or 1,
        "by_category": by_category,
        "category_max": max([row["n"] for row in by_category] or [1]),
        "barometer": barometer,
        "median_ack_hours": _median_hours(
            recent.values_list("confirmed_at", "acknowledged_at").exclude(acknowledged_at=None)
        ),
        "median_fix_hours": _median_hours(
            recent.values_list("confirmed_at", "fixed_at").exclude(fixed_at=None)
        ),
    }
