"""Staff pages beside the admin: the dashboard and CSV exports (no personal field in either)."""

from __future__ import annotations

import csv

from django.contrib.admin.views.decorators import staff_member_required
from django.core.files.storage import storages
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from reports.models import Report
from reports.selectors import dashboard_figures, staff_reports
from reports.services.exports import csv_rows


class _Echo:
    def write(self, value: str) -> str:
        return value


def export_response(reports: QuerySet[Report]) -> StreamingHttpResponse:
    """Streamed: a large export never sits in memory."""
    writer = csv.writer(_Echo())
    rows = (writer.writerow(row) for row in csv_rows(reports.iterator(chunk_size=1000)))
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="reports.csv"'
    return response


@staff_member_required
def export_download(request: HttpRequest, name: str) -> FileResponse:
    """A background export, for the staff member who asked for it only."""
    staff_reports(request.user)
    if not name.startswith(f"reports-{request.user.pk}-") or "/" in name:
        raise Http404
    storage = storages["private"]
    path = f"exports/{name}"
    if not storage.exists(path):
        raise Http404
    return FileResponse(storage.open(path, "rb"), as_attachment=True, filename="reports.csv")


@staff_member_required
def dashboard(request: HttpRequest) -> HttpResponse:
    context = {
        "title": _("Reports dashboard"),
        **dashboard_figures(request.user, now=timezone.now()),
    }
    return render(request, "reports/dashboard.html", context)
