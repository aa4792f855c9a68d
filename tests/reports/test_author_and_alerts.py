"""The author corrects a report for 30 minutes; the abuse list holds reports back; area alerts
send a daily digest in the recipient's language."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from reports.models import Abuser, AreaAlert, Report, Status
from reports.services import area_alerts_digest
from tests.reports.conftest import INSIDE

pytestmark = pytest.mark.django_db


def test_it_lets_the_author_correct_a_report_for_30_minutes(
    client: Client, resident: Any, resident2: Any, make_report: Any
) -> None:
    report = make_report(resident)
    client.force_login(resident2)
    assert client.post(f"/reports/{report.pk}/edit/", {"description": "x"}).status_code == 403
    client.force_login(resident)
    client.post(f"/reports/{report.pk}/edit/", {"description": "Trou de 30 cm"})
    report.refresh_from_db()
    assert report.description == "Trou de 30 cm"
    Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - timedelta(minutes=31))
    response = client.post(f"/reports/{report.pk}/edit/", {"description": "Autre"})
    assert response.status_code == 400
    assert "30 minutes" in response.content.decode()
    report.refresh_from_db()
    assert report.description == "Trou de 30 cm"


def test_it_holds_back_reports_from_listed_senders(
    client: Client, resident: Any, make_report: Any
) -> None:
    Abuser.objects.create(email="alice@example.org", reason="spam")
    report = make_report(resident)
    assert report.status == Status.HIDDEN
    assert "abuse list" in report.hidden_reason
    assert client.get(f"/reports/{report.pk}/").status_code == 404


def test_it_sends_area_digests_once_a_day(
    client: Client,
    resident: Any,
    resident2: Any,
    make_report: Any,
    districts: Any,
    tasks: Any,
    mailoutbox: Any,
    run_on_commit: Any,
) -> None:
    client.force_login(resident2)
    response = client.post("/reports/alerts/", {"action": "add", "district": districts[0].pk})
    assert response.status_code == 302
    client.post(
        "/reports/alerts/",
        {"action": "add", "lat": INSIDE[0], "lon": INSIDE[1], "radius_m": 300},
    )
    assert AreaAlert.objects.count() == 2
    AreaAlert.objects.update(last_sent_at=timezone.now() - timedelta(days=1))
    report = make_report(resident)
    make_report(resident, lat=INSIDE[0] + 0.01)  # another district? same one, far from the point
    tasks.sent.clear()
    with run_on_commit():
        assert area_alerts_digest() == 2
    assert area_alerts_digest() == 0  # not twice a day
    tasks.run()
    subjects = sorted(m.subject for m in mailoutbox)
    assert subjects == ["1 new report in your area", "2 new reports in your area"]
    assert any(f"/reports/{report.pk}/" in m.body for m in mailoutbox)
    alert = AreaAlert.objects.first()
    client.post("/reports/alerts/", {"action": "delete", "alert": alert.pk})
    assert AreaAlert.objects.count() == 1
