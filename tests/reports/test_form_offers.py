"""The form offers the photo's position when no point is set, and limits repeated sending."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from reports.models import Photo, Report
from tests.reports.conftest import INSIDE, jpeg_with_gps

pytestmark = pytest.mark.django_db


def test_it_offers_the_position_the_photo_was_taken_at(
    client: Client, resident: Any, districts: Any, category: Any
) -> None:
    client.force_login(resident)
    photo = SimpleUploadedFile("rue.jpg", jpeg_with_gps(), content_type="image/jpeg")
    data = {"category": category.pk, "description": "Trou", "photos": [photo]}
    response = client.post("/reports/new/", data)
    assert response.status_code == 200
    assert "Votre photo indique où elle a été prise" in response.content.decode()
    form = response.context["form"]
    assert (form.data["lat"], form.data["lon"]) == ("47.390000", "0.688889")
    assert not Report.objects.exists()
    # Sent as offered: published at that point, with the photo kept from the first attempt.
    response = client.post("/reports/new/", {**form.data.dict(), "photos": []})
    report = Report.objects.get()
    assert (round(report.lat, 4), round(report.lon, 4)) == (47.39, 0.6889)
    assert report.photos.count() == 1


def test_it_limits_reports_per_hour(
    client: Client, resident: Any, districts: Any, category: Any, settings: Any
) -> None:
    settings.CIVIC_REPORTS_WEB_PER_HOUR = 2
    client.force_login(resident)
    for i in range(2):
        data = {
            "category": category.pk,
            "description": f"Trou {i}",
            "lat": INSIDE[0] + i * 0.01,
            "lon": INSIDE[1],
        }
        assert client.post("/reports/new/", data).context["report"].description == f"Trou {i}"
    data["lat"] = INSIDE[0] + 0.005
    response = client.post("/reports/new/", data)
    assert response.status_code == 429
    assert "réessayez plus tard" in response.content.decode()
    assert "Trou 1" in response.content.decode()
    assert Report.objects.count() == 2

    # Refused before any photo is decoded or stored: a flood costs no image work.
    photo = SimpleUploadedFile("rue.jpg", jpeg_with_gps(), content_type="image/jpeg")
    photos_before = Photo.objects.count()
    response = client.post("/reports/new/", {**data, "photos": [photo]})
    assert response.status_code == 429
    assert Photo.objects.count() == photos_before


def test_it_stores_no_photo_a_robot_sends(client: Client, districts: Any, category: Any) -> None:
    photo = SimpleUploadedFile("rue.jpg", jpeg_with_gps(), content_type="image/jpeg")
    data = {"category": category.pk, "description": "Spam", "lat": INSIDE[0], "lon": INSIDE[1]}
    response = client.post("/reports/new/", {**data, "website": "x", "photos": [photo]})
    assert response.status_code == 400
    assert not Photo.objects.exists() and not Report.objects.exists()


def test_it_asks_the_category_s_own_questions(
    client: Client, resident: Any, districts: Any, anonymous_category: Any
) -> None:
    client.force_login(resident)
    data = {
        "category": anonymous_category.pk,
        "description": "Tag",
        "lat": INSIDE[0],
        "lon": INSIDE[1],
    }
    page = client.get("/reports/new/").content.decode()
    # Under the category's radio, hidden and disabled until it is chosen (report_form.js).
    block = f'id="questions-{anonymous_category.pk}" data-category="{anonymous_category.pk}" hidden'
    assert block in page
    question = re.search(r'<select[^>]*id="q\d+-attribute\[offensive\]"[^>]*>', page)
    assert question and "disabled" in question.group()
    # Without JavaScript: the category first, then its questions (a step, not an error).
    step = client.post("/reports/new/", data)
    assert step.status_code == 200 and step.context["step"] == "questions"
    assert 'id="id_attribute[offensive]" name="attribute[offensive]"' in step.content.decode()
    assert not Report.objects.exists()
    response = client.post("/reports/new/", {**data, "attribute[offensive]": "peut-être"})
    assert response.status_code == 400
    assert "Injurieux ?" in response.content.decode()
    client.post("/reports/new/", {**data, "attribute[offensive]": "oui"})
    assert Report.objects.get().answers == {"offensive": "oui"}
