"""Fixtures for the cycle, proposals, review and tracking tests (import them by name)."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from PIL import Image


@pytest.fixture(name="budgets_media")
def budgets_media_fixture(settings: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Photos written under the test's own folder, never into var/."""
    from django.core.files.storage import FileSystemStorage

    from budgets.models import Photo

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


@pytest.fixture(name="budget")
def budget_fixture(districts: Any) -> Any:
    """A budget taking proposals: a city-wide heading and one for the first district."""
    from django.utils import timezone

    from budgets.models import Budget, Heading

    now = timezone.now()
    budget = Budget.objects.create(
        title="Budget 2027",
        phase=Budget.Phase.PROPOSALS,
        information_starts=now - timedelta(days=20),
        proposals_starts=now - timedelta(days=10),
        review_starts=now + timedelta(days=20),
        voting_starts=now + timedelta(days=40),
        results_starts=now + timedelta(days=50),
        implementation_starts=now + timedelta(days=60),
    )
    Heading.objects.create(budget=budget, name="Toute la ville", amount=Decimal("100000"))
    Heading.objects.create(
        budget=budget, name=districts[0].name, district=districts[0], amount=Decimal("20000")
    )
    return budget


def jpeg_with_gps() -> bytes:
    """A small JPEG carrying a camera model and a GPS position in its EXIF."""
    image = Image.new("RGB", (64, 48), (30, 120, 200))
    exif = Image.Exif()
    exif[0x0110] = "Secret Camera 3000"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (47.0, 23.0, 24.0), "E", (0.0, 41.0, 20.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def web(user: Any) -> Any:
    from civic.actors import Actor, Channel

    return Actor(channel=Channel.WEB, user=user)


def staff(user: Any) -> Any:
    from civic.actors import Actor, Channel

    return Actor(channel=Channel.STAFF, user=user)


def propose(budget: Any, user: Any, **extra: Any) -> Any:
    from budgets.services import proposal_submit

    fields: dict[str, Any] = {
        "title": "Des bancs au parc",
        "description": "Dix bancs à l'ombre.",
        "estimated_cost": Decimal("5000"),
    }
    fields.update(extra)
    return proposal_submit(actor=web(user), budget=budget, **fields)
