"""Fixtures of the consent tests: purposes with notices, a data protection officer, actors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from civic.actors import Actor, Channel


@pytest.fixture
def consent_purpose(db: None) -> Any:
    from consent.models import LegalBasis, Purpose
    from consent.services import purpose_notice_publish

    purpose = Purpose.objects.create(
        code="area-alerts",
        title_fr="Alertes de quartier",
        title_en="Area alerts",
        legal_basis=LegalBasis.CONSENT,
    )
    purpose_notice_publish(
        actor=Actor.system(),
        purpose=purpose,
        text_fr="Nous vous écrivons quand un signalement est fait près de chez vous.",
        text_en="We write to you when a report is made near you.",
    )
    return purpose


@pytest.fixture
def public_task_purpose(db: None) -> Any:
    from consent.models import LegalBasis, Purpose
    from consent.services import purpose_notice_publish

    purpose = Purpose.objects.create(
        code="report-handling",
        title_fr="Traitement des signalements",
        title_en="Handling reports",
        legal_basis=LegalBasis.PUBLIC_TASK,
    )
    purpose_notice_publish(
        actor=Actor.system(),
        purpose=purpose,
        text_fr="Mission de service public.",
        text_en="A public task.",
    )
    return purpose


def web(user: Any) -> Actor:
    return Actor(channel=Channel.WEB, user=user)


@pytest.fixture
def saved_registry() -> Iterator[None]:
    """Let a test register or unregister data types; the real registry comes back after."""
    from consent import registry

    saved = dict(registry._registrations)
    yield
    registry._registrations.clear()
    registry._registrations.update(saved)


@pytest.fixture(autouse=True)
def _private_files(settings: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Exports and media go to the test's own folder, never to var/."""
    from django.core.files.storage import FileSystemStorage

    from consent.models import ExportArchive

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
    # A FileField binds its storage when the model is defined: point it at the test's folder.
    field = ExportArchive._meta.get_field("file")
    monkeypatch.setattr(field, "storage", FileSystemStorage(location=tmp_path / "private"))
