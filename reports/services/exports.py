"""CSV exports of reports for staff, in the language of who asks (no personal field)."""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import translation
from django.utils.translation import gettext_lazy

from civic.city import absolute_url
from civic.mail import email_send_templated
from civic.models import User
from reports.models import Report
from reports.selectors import export_queryset
from reports.services.triage import reports_visible_to

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


def csv_rows(reports: Iterable[Report]) -> Iterator[list[Any]]:
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


def export_write(*, user_id: int, ids: list[int]) -> str:
    """The background path for large exports: a file in private storage, a link by email."""
    user = User.objects.get(pk=user_id)
    allowed = Report.objects.filter(reports_visible_to(user)).values_list("pk", flat=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    visible_ids = list(allowed.filter(pk__in=ids))
    with translation.override(user.language or settings.LANGUAGE_CODE):
        for row in csv_rows(export_queryset(visible_ids).iterator(chunk_size=1000)):
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
