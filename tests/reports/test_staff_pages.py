"""The staff dashboard and CSV exports: no personal field, department agents see their own."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client

from civic.actors import Actor, Channel
from civic.models import Department
from reports.models import Category, Status
from reports.services import report_change_status

pytestmark = pytest.mark.django_db


def test_it_shows_the_dashboard_with_counts_and_the_barometer(
    client: Client, resident: Any, triager: Any, make_report: Any
) -> None:
    reports = [make_report(resident) for _ in range(3)]
    staff = Actor(channel=Channel.STAFF, user=triager)
    report_change_status(actor=staff, report=reports[0], status=Status.ACKNOWLEDGED)
    report_change_status(actor=staff, report=reports[1], status=Status.FIXED)
    client.force_login(resident)
    assert client.get("/reports/dashboard/").status_code == 302  # to the staff sign-in
    client.force_login(triager)
    response = client.get("/reports/dashboard/")
    assert response.status_code == 200
    statuses = dict(response.context["statuses"])
    assert statuses["Ouvert"] == 1 and statuses["Résolu"] == 1
    row = next(r for r in response.context["barometer"] if r["name"] == "Vieux-Port")
    assert row["open"] == 2
    assert row["per_1000"] == round(2 * 1000 / 14200, 2)
    assert response.context["median_fix_hours"] is not None
    assert "/reports/dashboard/" in client.get("/admin/reports/report/").content.decode()


def test_it_exports_csv_without_personal_fields(
    client: Client, resident: Any, triager: Any, make_report: Any
) -> None:
    report = make_report(resident, contact_phone="0600000000")
    client.force_login(triager)
    response = client.post(
        "/admin/reports/report/", {"action": "export_csv", "_selected_action": [report.pk]}
    )
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][0] == "Numéro" and rows[1][0] == str(report.pk)
    assert "alice" not in body and "0600000000" not in body


def test_it_exports_csv_in_the_language_of_the_staff_member(
    client: Client, resident: Any, triager: Any, make_report: Any, category: Any
) -> None:
    category.name_en = "Pothole"
    category.save()
    report = make_report(resident)
    client.force_login(triager)
    action = {"action": "export_csv", "_selected_action": [report.pk]}

    def export() -> list[list[str]]:
        response = client.post("/admin/reports/report/", action)
        return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))

    header, row = export()
    assert header[:7] == [
        "Numéro", "Envoyé", "Catégorie", "Statut", "Priorité", "Quartier", "Service",
    ]  # fmt: skip
    assert row[2:5] == ["Nid-de-poule", "Ouvert", "Normale"]
    triager.language = "en"
    triager.save()
    header, row = export()
    assert header[:7] == [
        "Number", "Sent", "Category", "Status", "Priority", "District", "Department",
    ]  # fmt: skip
    assert row[2:5] == ["Pothole", "Open", "Normal"]


def test_it_exports_large_lists_in_the_background(
    client: Client,
    resident: Any,
    department_agent: Any,
    make_report: Any,
    tasks: Any,
    mailoutbox: Any,
    run_on_commit: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("reports.services.exports.EXPORT_INLINE_MAX", 1)
    department_agent.language = "en"  # the file is written in the requester's language
    department_agent.save()
    mine = [make_report(resident) for _ in range(2)]
    water = Category.objects.create(
        service_code="fuite", name="Fuite", department=Department.objects.create(code="eau")
    )
    theirs = make_report(resident, category=water)
    tasks.sent.clear()
    client.force_login(department_agent)
    ids = [r.pk for r in [*mine, theirs]]
    with run_on_commit():
        client.post("/admin/reports/report/", {"action": "export_csv", "_selected_action": ids})
    with run_on_commit():
        tasks.run()  # the export task, which enqueues the email
    tasks.run()
    (message,) = mailoutbox
    assert message.to == [department_agent.email]
    url = message.body.split("/reports/exports/", 1)[1].split()[0]
    url = f"/reports/exports/{url}"
    response = client.get(url)
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert [row[0] for row in rows] == ["Number", *[str(r.pk) for r in mine]]
    assert {row[3] for row in rows[1:]} == {"Open"}
    client.force_login(resident)
    assert client.get(url).status_code == 302
