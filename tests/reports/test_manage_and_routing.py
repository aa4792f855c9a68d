"""An author without an account manages their report through the emailed link; the author hides
their name at any time; routing follows district overrides and tells the department; triage
places a report sent with an address only; unblurred copies go a set time after closing."""

from __future__ import annotations

import io
import os
import re
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from civic.actors import Actor, Channel
from civic.models import Department
from civic.photos import photo_clean
from reports.models import Photo, Report, RoutingRule, Status
from reports.personal_data import reports_retention
from reports.services import photo_anonymise, photo_store_draft, report_change_status
from tests.reports.conftest import INSIDE, jpeg_with_gps
from tests.reports.test_admin import change_form_data

UNBLURRED_KEPT_AFTER_CLOSE = timedelta(days=settings.CIVIC_REPORTS_UNBLURRED_KEPT_DAYS)

pytestmark = pytest.mark.django_db


def test_it_emails_a_private_manage_link_to_withdraw_or_hide_ones_name(
    client: Client,
    districts: Any,
    anonymous_category: Any,
    tasks: Any,
    mailoutbox: Any,
    run_on_commit: Any,
) -> None:
    data = {
        "category": anonymous_category.pk,
        "description": "Tag sur le mur",
        "lat": INSIDE[0],
        "lon": INSIDE[1],
        "email": "carla@example.org",
        "name": "Carla",
        "show_name": "on",
        "attribute[offensive]": "non",
    }
    with run_on_commit():
        client.post("/reports/new/", data)
    tasks.run()
    confirm = re.search(r"/reports/confirm/(\S+)/", mailoutbox[0].body)
    assert confirm
    mailoutbox.clear()
    with run_on_commit():
        client.post(f"/reports/confirm/{confirm.group(1)}/")
    tasks.run()
    report = Report.objects.get()
    assert report.status == Status.OPEN and report.public_name == "Carla"
    (message,) = [m for m in mailoutbox if m.to == ["carla@example.org"]]
    link = re.search(r"http://\S+(/reports/manage/(\S+)/)", message.body)
    assert link
    page = client.get(link.group(1))
    assert page.status_code == 200
    assert client.get("/reports/manage/forged-token/").status_code == 404

    token = link.group(2)
    action = f"/reports/{report.pk}/author/"
    assert client.post(action, {"action": "hide_name"}).status_code == 403  # no link, no account
    assert client.post(action, {"action": "withdraw", "token": "forged"}).status_code == 404
    client.post(action, {"action": "hide_name", "token": token})
    assert "Carla" not in client.get(f"/reports/{report.pk}/").content.decode()
    client.post(action, {"action": "withdraw", "token": token})
    report.refresh_from_db()
    assert report.status == Status.HIDDEN and report.hidden_reason == "withdrawn by author"
    assert client.get(f"/reports/{report.pk}/").status_code == 404


def test_it_lets_the_author_hide_their_name_at_any_time(
    client: Client, resident: Any, make_report: Any
) -> None:
    report = make_report(resident, show_name=True)
    Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - timedelta(days=60))
    assert "Alice Martin" in client.get(f"/reports/{report.pk}/").content.decode()
    client.force_login(resident)
    client.post(f"/reports/{report.pk}/author/", {"action": "hide_name"})
    assert "Alice Martin" not in client.get(f"/reports/{report.pk}/").content.decode()


def test_it_routes_by_district_override_and_tells_that_department(
    resident: Any,
    districts: Any,
    category: Any,
    make_report: Any,
    tasks: Any,
    mailoutbox: Any,
    run_on_commit: Any,
) -> None:
    metropole = Department.objects.create(
        code="metropole", name="Voirie métropolitaine", email="metropole@example.org"
    )
    RoutingRule.objects.create(category=category, district=districts[0], department=metropole)
    with run_on_commit():
        report = make_report(resident)
    tasks.run()
    assert report.district == districts[0] and report.department == metropole
    (message,) = [m for m in mailoutbox if m.to == ["metropole@example.org"]]
    assert f"/admin/reports/report/{report.pk}/change/" in message.body
    assert not [m for m in mailoutbox if m.to == [category.department.email]]


def test_it_lets_triage_place_a_report_sent_with_an_address_only(
    client: Client, districts: Any, anonymous_category: Any, triager: Any, tasks: Any
) -> None:
    client.post(
        "/reports/new/",
        {
            "category": anonymous_category.pk,
            "description": "Tag sous le pont",
            "address": "Sous le pont de la gare",
            "district": districts[1].pk,
            "attribute[offensive]": "non",
        },
    )
    report = Report.objects.get()
    assert report.lat is None and report.district == districts[1]
    client.force_login(triager)
    data = change_form_data(client, report, lat=INSIDE[0], lon=INSIDE[1])
    response = client.post(f"/admin/reports/report/{report.pk}/change/", data)
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.lat, report.lon) == INSIDE
    assert report.district == districts[0]  # found again from the point
    assert report.cell is not None  # on the map now


def test_it_deletes_the_unblurred_copy_a_set_time_after_the_report_closes(
    resident: Any, triager: Any, make_report: Any
) -> None:
    draft = photo_store_draft(clean=photo_clean(io.BytesIO(jpeg_with_gps())), draft="r" * 32)
    report = make_report(resident, photos=[draft])
    photo_anonymise(photo_id=draft.pk)
    report_change_status(
        actor=Actor(channel=Channel.STAFF, user=triager), report=report, status=Status.FIXED
    )
    photo = Photo.objects.get()
    path = photo.original.path
    closed = Report.objects.get().updated_at
    assert reports_retention(now=closed + UNBLURRED_KEPT_AFTER_CLOSE - timedelta(days=1)) == 0
    assert Photo.objects.get().original
    reports_retention(now=closed + UNBLURRED_KEPT_AFTER_CLOSE + timedelta(days=1))
    photo.refresh_from_db()
    assert not photo.original and photo.is_public  # the blurred copy stays public
    assert not os.path.exists(path)
