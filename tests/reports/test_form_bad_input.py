"""Bad input gets a clear message, and nothing entered is lost, photos included."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from reports.models import Photo, Report
from tests.reports.conftest import INSIDE, OUTSIDE, jpeg_with_gps

pytestmark = pytest.mark.django_db


def form(category: Any, **extra: Any) -> dict[str, Any]:
    return {
        "category": category.pk,
        "description": "Lampadaire cassé",
        "lat": INSIDE[0],
        "lon": INSIDE[1],
        "email": "carla@example.org",
        **extra,
    }


def photo(name: str = "rue.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_with_gps(), content_type="image/jpeg")


def test_it_refuses_a_point_outside_the_city_and_keeps_the_photo(
    client: Client, districts: Any, category: Any
) -> None:
    data = form(category, lat=OUTSIDE[0], lon=OUTSIDE[1], photos=[photo()])
    response = client.post("/reports/new/", data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "en dehors de la commune" in page
    assert "Lampadaire cassé" in page
    assert not Report.objects.exists()
    (kept,) = Photo.objects.filter(report=None)
    draft = response.context["form"].data["draft"]
    assert kept.draft == draft
    # Corrected, without sending the photo again: the kept one is attached.
    response = client.post("/reports/new/", form(category, draft=draft))
    report = Report.objects.get()
    assert [p.pk for p in report.photos.all()] == [kept.pk]


def test_it_refuses_an_unknown_category(client: Client, districts: Any, category: Any) -> None:
    response = client.post("/reports/new/", {**form(category), "category": 999999})
    assert response.status_code == 400
    assert "Choisissez une catégorie dans la liste" in response.content.decode()


def test_it_refuses_an_empty_description(client: Client, districts: Any, category: Any) -> None:
    response = client.post("/reports/new/", form(category, description="   "))
    assert response.status_code == 400
    assert "Décrivez le problème" in response.content.decode()
    assert "carla@example.org" in response.content.decode()


def test_it_escapes_script_in_the_description(
    client: Client, resident: Any, districts: Any, category: Any
) -> None:
    client.force_login(resident)
    client.post("/reports/new/", form(category, description="<script>alert(1)</script>"))
    report = Report.objects.get()
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_it_refuses_a_corrupt_photo_with_a_clear_message(
    client: Client, districts: Any, category: Any
) -> None:
    broken = SimpleUploadedFile("x.jpg", jpeg_with_gps()[:200], content_type="image/jpeg")
    response = client.post("/reports/new/", form(category, photos=[broken]))
    assert response.status_code == 400
    assert "endommagée ou incomplète" in response.content.decode()
    assert not Report.objects.exists()


def test_it_refuses_a_file_that_is_not_an_image(
    client: Client, districts: Any, category: Any
) -> None:
    text = SimpleUploadedFile("x.jpg", b"hello, not a photo", content_type="image/jpeg")
    response = client.post("/reports/new/", form(category, photos=[text]))
    assert response.status_code == 400
    assert "JPEG, PNG, WebP ou HEIC" in response.content.decode()


def test_it_refuses_a_photo_over_40_megapixels(
    client: Client, districts: Any, category: Any
) -> None:
    out = io.BytesIO()
    Image.new("L", (8000, 5001)).save(out, format="PNG")
    huge = SimpleUploadedFile("big.png", out.getvalue(), content_type="image/png")
    response = client.post("/reports/new/", form(category, photos=[huge]))
    assert response.status_code == 400
    assert "40 mégapixels" in response.content.decode()


def test_it_refuses_a_photo_over_15_mb(
    client: Client, districts: Any, category: Any, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = None
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * (15 * 1024 * 1024 + 1))
    response = client.post("/reports/new/", form(category, photos=[big]))
    assert response.status_code == 400
    assert "plus de 15 Mo" in response.content.decode()


def test_it_ignores_a_robot_filling_the_honeypot(
    client: Client, districts: Any, category: Any
) -> None:
    response = client.post("/reports/new/", form(category, website="http://spam.example"))
    assert response.status_code == 400
    assert not Report.objects.exists()


def test_it_files_a_form_sent_twice_once(
    client: Client, resident: Any, districts: Any, category: Any
) -> None:
    client.force_login(resident)
    data = {**form(category), "draft": "t" * 32}
    first = client.post("/reports/new/", data)
    again = client.post("/reports/new/", data)
    assert Report.objects.count() == 1
    number = Report.objects.get().pk
    assert f"n° {number}" in first.content.decode()  # the confirmation
    assert again["Location"] == f"/reports/{number}/"  # a reload leads to the report


def test_it_keeps_five_photos_and_refuses_a_sixth(
    client: Client, districts: Any, category: Any
) -> None:
    data = form(category, photos=[photo(f"rue-{i}.jpg") for i in range(6)])
    response = client.post("/reports/new/", data)
    assert response.status_code == 400
    assert "Envoyez 5 photos au plus." in response.content.decode()
    assert Photo.objects.filter(report=None).count() == 5


def test_it_refuses_a_control_character_in_the_description_and_keeps_what_was_typed(
    client: Client, resident: Any, districts: Any, category: Any
) -> None:
    client.force_login(resident)
    response = client.post("/reports/new/", form(category, description="Trou\x0bprofond"))
    assert response.status_code == 400
    assert not Report.objects.exists()
    page = response.content.decode()
    assert "caractères" in page and "Trou" in page  # the message in French, the text kept


def test_it_the_feeds_stay_well_formed_whatever_a_stored_description_holds(
    client: Client, resident: Any, districts: Any, make_report: Any
) -> None:
    from xml.etree import ElementTree

    report = make_report(resident)
    # A row stored before descriptions were checked (or written by hand in the database).
    Report.objects.filter(pk=report.pk).update(description="Trou\x0bprofond\x1f")
    district = report.district.code
    for path in ["/reports/feed.atom", f"/reports/districts/{district}/feed.atom"]:
        response = client.get(path)
        assert response.status_code == 200, path
        ElementTree.fromstring(response.content)  # noqa: S314 - our own feed: well-formed
        assert b"Trouprofond" in response.content


def png_16_bit(width: int, height: int) -> bytes:
    """A 16-bit RGB PNG (Pillow writes none): small on disk, costly to decode."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = zlib.compress((b"\x00" + bytes(width * 6)) * height, 9)
    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def test_it_decodes_a_bounded_number_of_large_photos_per_sending(
    client: Client, districts: Any, category: Any
) -> None:
    # Issue #11: five 40-megapixel 16-bit PNGs kept a worker busy for 33 s. One is decoded; the
    # others are refused before decoding, with words saying what to do.
    data = png_16_bit(6660, 6000)
    photos = [SimpleUploadedFile(f"p{i}.png", data, content_type="image/png") for i in range(5)]
    response = client.post("/reports/new/", form(category, photos=photos))
    page = response.content.decode()
    assert response.status_code == 400
    assert Photo.objects.count() == 1
    assert page.count("envoyées en même temps") == 4 * 2  # in the summary and by the field


def test_it_refuses_before_decoding_when_the_sender_is_rate_limited(
    client: Client, districts: Any, category: Any, settings: Any
) -> None:
    settings.CIVIC_REPORTS_WEB_PER_HOUR = 0
    data = png_16_bit(6660, 6000)
    photos = [SimpleUploadedFile(f"p{i}.png", data, content_type="image/png") for i in range(5)]
    response = client.post("/reports/new/", form(category, photos=photos))
    assert response.status_code == 429
    assert not Photo.objects.exists()
