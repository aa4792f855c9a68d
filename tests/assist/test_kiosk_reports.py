"""Filing a report at a kiosk: no email, no file chooser (the terminal's camera fills the photo
field), and a receipt above the report's public page, whose QR code is that public address."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from assist.qr import qr_svg
from reports.models import Report
from tests.assist.test_kiosk import activate
from tests.reports.conftest import (  # noqa: F401 - _media: photos stored under tmp_path
    INSIDE,
    _media,
    jpeg_with_gps,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def kiosk(kiosk_terminal: Any, mediator_supervisor: Any, settings: Any) -> Client:
    settings.CIVIC_SITE_URL = "https://civic.example.org"
    settings.LANGUAGE_CODE = "en"
    return activate(kiosk_terminal, mediator_supervisor)


@pytest.fixture
def category(db: None, department: Any) -> Any:
    """A category that, on the website, needs an email address."""
    from reports.models import Category

    return Category.objects.create(
        service_code="eclairage", name="Lampadaire éteint", group="Éclairage", department=department
    )


def _filed(kiosk: Client, category: Any, **extra: Any) -> Any:
    data = {
        "category": category.pk,
        "description": "Broken street light",
        "lat": INSIDE[0],
        "lon": INSIDE[1],
        **extra,
    }
    return kiosk.post("/reports/new/", data)


def test_it_the_kiosk_form_asks_no_email_and_offers_no_file_chooser(
    kiosk: Client, client: Client, districts: Any, category: Any
) -> None:
    page = kiosk.get("/reports/new/").content.decode()

    assert 'name="email"' not in page and 'name="phone"' not in page
    (photo_input,) = re.findall(r"<input[^>]*name=\"photos\"[^>]*>", page)
    assert " hidden" in photo_input and "data-kiosk-camera" in photo_input
    assert 'id="kiosk-camera-template"' in page and "assist/camera.js" in page
    web = client.get("/reports/new/").content.decode()
    assert 'name="email"' in web and "data-kiosk-camera" not in web  # the website unchanged


def test_it_files_a_report_without_email_with_the_camera_photo_and_shows_a_receipt(
    kiosk: Client, districts: Any, category: Any, kiosk_terminal: Any
) -> None:
    assert not category.anonymous_allowed  # on the website this category needs an email
    photo = SimpleUploadedFile("kiosk-photo.jpg", jpeg_with_gps(), content_type="image/jpeg")

    response = _filed(kiosk, category, photos=[photo])

    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/{report.pk}/"
    assert report.is_public and report.channel == "kiosk" and report.contact_email == ""
    assert report.photos.count() == 1
    page = kiosk.get(response["Location"]).content.decode()
    public = f"https://civic.example.org/reports/{report.pk}/"
    assert f"Your report no. {report.pk} is filed" in page
    assert qr_svg(public) in page  # the report's public address, to follow it from a phone
    assert f"civic.example.org/reports/{report.pk}/</strong>" in page  # the short link
    assert "kiosk-receipt-page" in page  # the 80 mm print layout applies


def test_it_shows_the_receipt_only_to_whoever_filed_the_report_at_that_terminal(
    kiosk: Client, client: Client, districts: Any, category: Any
) -> None:
    _filed(kiosk, category)
    report = Report.objects.get()
    other = Report.objects.create(
        category=category,
        description="Another",
        lat=INSIDE[0],
        lon=INSIDE[1],
        department=category.department,
        status="open",
    )

    assert "is filed" not in client.get(f"/reports/{report.pk}/").content.decode()
    assert "is filed" not in kiosk.get(f"/reports/{other.pk}/").content.decode()
    kiosk.post("/kiosk/finish/")
    assert "is filed" not in kiosk.get(f"/reports/{report.pk}/").content.decode()


def test_it_still_asks_an_email_on_the_website_for_such_a_category(
    client: Client, districts: Any, category: Any
) -> None:
    response = client.post(
        "/reports/new/",
        {"category": category.pk, "description": "Hole", "lat": INSIDE[0], "lon": INSIDE[1]},
    )

    assert response.status_code == 400
    assert not Report.objects.exists()
