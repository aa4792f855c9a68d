"""Staff pages beside the admin: the dashboard and CSV exports (no personal field in either)."""

from __future__ import annotations

import csv
import io
import secrets
import statistics
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db.models import Count, F, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civic.city import absolute_url
from civic.mail import email_send_templated
from civic.models import District, User
from reports.models import OPEN311_OPEN, Report, Status
from reports.services import reports_visible_to

EXPORT_INLINE_MAX = 5000
# Column headers, in the language of the staff member who asks for the export.
EXPORT_COLUMNS = [
    gettext_lazy("Number"),
    gettext_lazy("Sent"),
    gettext_lazy("Category"),
    gettext_lazy("Status"),
    gettext_lazy("Priority"),
    gettext_lazy("District"),
    gettext_lazy("Department"),
    gettext_lazy("Latitude"),
    gettext_lazy("Longitude"),
    gettext_lazy("Address or place"),
    gettext_lazy("Supports"),
    gettext_lazy("Acknowledged"),
    gettext_lazy("Fixed"),
    gettext_lazy("Closed"),
]


def _visible(user: Any) -> QuerySet[Report]:
    if not (user.is_staff and user.has_perm("reports.view_report")):
        raise PermissionDenied
    return Report.objects.filter(reports_visible_to(user))


def _csv_rows(reports: Iterable[Report]) -> Iterator[list[Any]]:
    """Rows in the active language: headers, category names, status and priority labels.
    Dates stay ISO 8601 and coordinates plain numbers, so spreadsheets read them."""
    yield [str(column) for column in EXPORT_COLUMNS]
    for r in reports:
        yield [
            r.pk,
            r.created_at.isoformat(),
            r.category.display_name,
            r.get_status_display(),
            r.get_priority_display(),
            r.district.name if r.district else "",
            r.department.name,
            r.lat,
            r.lon,
            r.address,
            getattr(r, "support_count", 0),
            r.acknowledged_at.isoformat() if r.acknowledged_at else "",
            r.fixed_at.isoformat() if r.fixed_at else "",
            r.closed_at.isoformat() if r.closed_at else "",
        ]


def export_queryset(ids: list[int] | None = None) -> QuerySet[Report]:
    reports = Report.objects.select_related("category", "district", "department").annotate(
        support_count=Count("supports")
    )
    if ids is not None:
        reports = reports.filter(pk__in=ids)
    return reports.order_by("id")


class _Echo:
    def write(self, value: str) -> str:
        return value


def export_response(reports: QuerySet[Report]) -> StreamingHttpResponse:
    """Streamed: a large export never sits in memory."""
    writer = csv.writer(_Echo())
    rows = (writer.writerow(row) for row in _csv_rows(reports.iterator(chunk_size=1000)))
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="reports.csv"'
    return response


def export_write(*, user_id: int, ids: list[int]) -> str:
    """The background path for large exports: a file in private storage, a link by email."""
    user = User.objects.get(pk=user_id)
    allowed = Report.objects.filter(reports_visible_to(user)).values_list("pk", flat=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    visible_ids = list(allowed.filter(pk__in=ids))
    with translation.override(user.language or settings.LANGUAGE_CODE):
        for row in _csv_rows(export_queryset(visible_ids).iterator(chunk_size=1000)):
            writer.writerow(row)
    name = storages["private"].save(
        f"exports/reports-{user_id}-{secrets.token_hex(12)}.csv",
        ContentFile(buffer.getvalue().encode()),
    )
    if user.email:
        email_send_templated(
            to=user.email,
            template_prefix="reports/email/export_ready",
            context={"url": absolute_url(f"/reports/exports/{name.rsplit('/', 1)[-1]}")},
            language=user.language,
        )
    return name


@staff_member_required
def export_download(request: HttpRequest, name: str) -> FileResponse:
    """A background export, for the staff member who asked for it only."""
    _visible(request.user)
    if not name.startswith(f"reports-{request.user.pk}-") or "/" in name:
        raise Http404
    storage = storages["private"]
    path = f"exports/{name}"
    if not storage.exists(path):
        raise Http404
    return FileResponse(storage.open(path, "rb"), as_attachment=True, filename="reports.csv")


def _median_hours(pairs: Iterable[tuple[Any, Any]]) -> float | None:
    hours = [(end - start).total_seconds() / 3600 for start, end in pairs if start and end]
    return round(statistics.median(hours), 1) if hours else None


@staff_member_required
def dashboard(request: HttpRequest) -> HttpResponse:
    reports = _visible(request.user).filter(status__in=[*OPEN311_OPEN, *_CLOSED_PUBLIC])
    since = timezone.now() - timedelta(days=90)
    recent = reports.filter(confirmed_at__gte=since)
    by_status = dict(reports.values_list("status").annotate(n=Count("id")).order_by())
    statuses = [(Status(s).label, by_status.get(s, 0)) for s in [*OPEN311_OPEN, *_CLOSED_PUBLIC]]
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
    context = {
        "title": _("Reports dashboard"),
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
    return render(request, "reports/dashboard.html", context)


_CLOSED_PUBLIC = [Status.FIXED, Status.CLOSED, Status.NOT_RESPONSIBLE, Status.DUPLICATE]
