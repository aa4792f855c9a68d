"""Photos: no metadata leaves, faces are pixelated, nothing public before the blur task."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from civic.photos import faces_find, photo_clean
from consent.models import AccessLog
from reports.models import Photo, Report
from tests.reports.conftest import INSIDE, face_image, jpeg_with_gps, plate_image

pytestmark = pytest.mark.django_db


def send(client: Client, category: Any, data: bytes, name: str = "rue.jpg") -> Any:
    upload = SimpleUploadedFile(name, data, content_type="image/jpeg")
    return client.post(
        "/reports/new/",
        {
            "category": category.pk,
            "description": "Trou",
            "lat": INSIDE[0],
            "lon": INSIDE[1],
            "photos": [upload],
        },
    )


def test_it_strips_exif_and_gps_and_applies_orientation() -> None:
    source = jpeg_with_gps(Image.new("RGB", (64, 48), (200, 30, 30)), orientation=6)
    assert b"Secret Camera" in source
    clean = photo_clean(io.BytesIO(source))
    assert b"Secret Camera" not in clean.jpeg and b"taken at home" not in clean.jpeg
    with Image.open(io.BytesIO(clean.jpeg)) as image:
        assert not image.getexif()
        assert "exif" not in image.info and "comment" not in image.info
        assert "icc_profile" not in image.info and "xmp" not in image.info
        assert image.size == (48, 64)  # rotated as the camera said


def test_it_caps_the_size_at_2048_pixels() -> None:
    out = io.BytesIO()
    Image.new("RGB", (4000, 1000), (10, 10, 10)).save(out, format="PNG")
    clean = photo_clean(out)
    assert (clean.width, clean.height) == (2048, 512)


def test_it_publishes_a_photo_only_once_blurred_and_without_gps(
    client: Client,
    resident: Any,
    districts: Any,
    category: Any,
    tasks: Any,
    run_on_commit: Any,
) -> None:
    client.force_login(resident)
    with run_on_commit():
        send(client, category, jpeg_with_gps())
    report = Report.objects.get()
    photo = Photo.objects.get(report=report)
    assert photo.state == Photo.State.PENDING
    assert client.get(f"/reports/photos/{photo.pk}/image.jpg").status_code == 404
    assert "/reports/photos/" not in client.get(f"/reports/{report.pk}/").content.decode()
    assert "reports.tasks.photo_anonymise_task" in tasks.names()
    tasks.run()
    photo.refresh_from_db()
    assert photo.state == Photo.State.READY
    response = client.get(f"/reports/photos/{photo.pk}/image.jpg")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert b"Secret Camera" not in body
    with Image.open(io.BytesIO(body)) as image:
        assert not image.getexif()
        assert not image.getexif().get_ifd(0x8825)
    assert (
        f"/reports/photos/{photo.pk}/thumb.jpg"
        in client.get(f"/reports/{report.pk}/").content.decode()
    )
    # The original bytes were never stored: the private copy is the cleaned one.
    with photo.original.open("rb") as handle:
        assert b"Secret Camera" not in handle.read()


def test_it_pixelates_a_face() -> None:
    face = face_image(400)
    (box,) = faces_find(face)
    from civic.photos import anonymise, encode_jpeg

    public, _thumb, count = anonymise(encode_jpeg(face))
    assert count >= 1
    x, y, w, h = box
    with Image.open(io.BytesIO(public)) as image:
        region = np.asarray(image.convert("L").crop((x, y, x + w, y + h)), dtype=float)
    original = np.asarray(face.convert("L").crop((x, y, x + w, y + h)), dtype=float)
    # Pixelated: far fewer distinct levels, and the eyes' contrast is gone.
    assert len(np.unique(region.round(-1))) < len(np.unique(original.round(-1)))
    assert faces_find(Image.open(io.BytesIO(public))) == []
    assert np.abs(region - original).mean() > 5


def test_it_pixelates_a_number_plate() -> None:
    from civic.photos import anonymise, encode_jpeg

    plate, (x, y, w, h) = plate_image()
    assert faces_find(plate)
    public, _thumb, count = anonymise(encode_jpeg(plate))
    assert count >= 1
    with Image.open(io.BytesIO(public)) as image:
        pixels = np.asarray(image.convert("L"), dtype=float)
        assert faces_find(image) == []
    drawn = np.asarray(plate.convert("L"), dtype=float)
    region, before = pixels[y : y + h, x : x + w], drawn[y : y + h, x : x + w]
    # The characters are gone: the plate is a few flat blocks, no longer black on white.
    assert region.std() < before.std() / 2
    assert np.abs(pixels[:40, :40] - drawn[:40, :40]).mean() < 5  # the rest is untouched


def test_it_serves_the_unblurred_copy_to_staff_with_a_recorded_reason(
    client: Client, resident: Any, triager: Any, make_report: Any, tasks: Any
) -> None:
    from reports.services import photo_store_draft

    draft = photo_store_draft(clean=photo_clean(io.BytesIO(jpeg_with_gps())), draft="d" * 32)
    report = make_report(resident, photos=[draft])
    url = f"/reports/photos/{draft.pk}/unblurred/"
    client.force_login(resident)
    assert client.get(url).status_code == 403
    client.force_login(triager)
    assert client.get(url).status_code == 200  # the reason form
    assert not AccessLog.objects.exists()
    response = client.post(url, {"consent_access_reason": "checking a complaint"})
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    (entry,) = AccessLog.objects.all()
    assert entry.reason_text == "checking a complaint"
    assert report.pk


def test_it_reads_heic_and_webp_and_stores_jpeg() -> None:
    for fmt in ("HEIF", "WEBP", "PNG"):
        out = io.BytesIO()
        Image.new("RGB", (64, 48), (10, 200, 10)).save(out, format=fmt)
        clean = photo_clean(out)
        assert clean.jpeg.startswith(b"\xff\xd8\xff"), fmt
        assert (clean.width, clean.height) == (64, 48)
