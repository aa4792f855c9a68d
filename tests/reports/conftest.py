"""Reports fixtures: categories, photos made in memory, a report factory."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

# Inside the demo districts (tests.conftest.districts): the first cell, Vieux-Port.
INSIDE = (47.375, 0.66)
OUTSIDE = (48.85, 2.35)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.files.storage import FileSystemStorage

    from reports.models import Photo

    # The unblurred copy's storage was built when the model was imported: point it here too,
    # so no test writes into var/ (and a worker started with CIVIC_VAR_DIR=tmp_path finds it).
    private = FileSystemStorage(location=tmp_path / "private", base_url=None)
    monkeypatch.setattr(Photo._meta.get_field("original"), "storage", private)
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }


@pytest.fixture
def category(db: None, department: Any) -> Any:
    from reports.models import Category

    return Category.objects.create(
        service_code="nid-de-poule", name="Nid-de-poule", group="Voirie", department=department
    )


@pytest.fixture
def anonymous_category(db: None, department: Any) -> Any:
    from reports.models import Category

    return Category.objects.create(
        service_code="tag",
        name="Tag",
        group="Propreté",
        department=department,
        anonymous_allowed=True,
        questions=[
            {
                "code": "offensive",
                "label": "Injurieux ?",
                "datatype": "singlevaluelist",
                "values": [{"key": "oui", "name": "Oui"}, {"key": "non", "name": "Non"}],
            }
        ],
    )


@pytest.fixture
def make_report(districts: Any, category: Any) -> Any:
    from civic.actors import Actor, Channel
    from reports.services import report_submit

    def make(user: Any = None, **kwargs: Any) -> Any:
        kwargs.setdefault("category", category)
        kwargs.setdefault("description", "Un trou dans la chaussée")
        kwargs.setdefault("lat", INSIDE[0])
        kwargs.setdefault("lon", INSIDE[1])
        channel = Channel.STAFF if user is not None and user.is_staff else Channel.WEB
        return report_submit(actor=Actor(channel=channel, user=user), **kwargs)

    return make


def face_image(size: int = 400) -> Image.Image:
    """A drawn face that OpenCV's frontal cascade finds (no photo of anyone is shipped)."""
    img = Image.new("RGB", (size, size), (90, 110, 140))
    d = ImageDraw.Draw(img)
    c, w, h = size / 2, size * 0.32, size * 0.42
    d.ellipse([c - w, c - h, c + w, c + h], fill=(225, 185, 150))
    d.chord([c - w, c - h - 10, c + w, c - h * 0.2], 180, 360, fill=(50, 35, 25))
    ey, ex = c - h * 0.15, w * 0.42
    for sx in (-1, 1):
        d.ellipse(
            [c + sx * ex - w * 0.2, ey - h * 0.07, c + sx * ex + w * 0.2, ey + h * 0.07],
            fill=(245, 245, 245),
        )
        d.ellipse(
            [c + sx * ex - w * 0.09, ey - h * 0.06, c + sx * ex + w * 0.09, ey + h * 0.06],
            fill=(40, 30, 20),
        )
        d.rectangle(
            [c + sx * ex - w * 0.25, ey - h * 0.2, c + sx * ex + w * 0.25, ey - h * 0.14],
            fill=(60, 40, 30),
        )
    d.polygon(
        [(c, ey + h * 0.05), (c - w * 0.13, c + h * 0.2), (c + w * 0.13, c + h * 0.2)],
        fill=(195, 150, 120),
    )
    d.ellipse([c - w * 0.4, c + h * 0.38, c + w * 0.4, c + h * 0.52], fill=(150, 60, 60))
    return img.filter(ImageFilter.GaussianBlur(size / 100))


def plate_image() -> tuple[Image.Image, tuple[int, int, int, int]]:
    """A drawn number plate (Pillow's own font, no system font needed) that OpenCV's plate
    cascade finds, and the plate's box."""
    img = Image.new("RGB", (600, 400), (90, 90, 90))
    d = ImageDraw.Draw(img)
    box = (150, 170, 300, 66)
    x, y, w, h = box
    d.rectangle([x, y, x + w, y + h], fill=(245, 245, 245), outline=(0, 0, 0), width=4)
    d.text((x + 15, y + 7), "A123BC 77", fill=(0, 0, 0), font=ImageFont.load_default(size=44))
    return img, box


def jpeg_with_gps(image: Image.Image | None = None, *, orientation: int = 1) -> bytes:
    """A JPEG carrying EXIF with a GPS position, a camera model and an orientation."""
    image = image or Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0110] = "Secret Camera 3000"  # Model
    exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (47.0, 23.0, 24.0)
    gps[3] = "E"
    gps[4] = (0.0, 41.0, 20.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, comment=b"taken at home")
    return out.getvalue()
