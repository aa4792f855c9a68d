"""Export (GDPR art. 15 and 20): one job at a time, a documented zip, a link that expires."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.test import Client
from django.utils import timezone

from civic.actors import Actor
from consent import registry
from consent.models import AccessLog, ExportArchive
from consent.registry import ExportFile
from consent.services import consent_give, export_request, retention_run
from tests.consent.conftest import web

pytestmark = pytest.mark.django_db


def _request(client: Client) -> ExportArchive:
    response = client.post("/my-data/export/")
    assert response.status_code == 302
    return ExportArchive.objects.latest("requested_at")


def test_it_builds_a_documented_zip_and_emails_the_owner(
    client: Client, resident: Any, consent_purpose: Any, tasks: Any, mailoutbox: Any
) -> None:
    consent_give(actor=web(resident), purpose=consent_purpose)
    client.force_login(resident)
    with _on_commit():
        archive = _request(client)
    assert tasks.names() == ["consent.tasks.export_build_task"]

    with _on_commit():
        tasks.run()  # the export task; it queues the email on commit
    tasks.run()
    archive.refresh_from_db()
    assert archive.status == "ready"
    assert archive.expires_at is not None and archive.ready_at is not None
    assert archive.expires_at - archive.ready_at == timedelta(days=7)
    email = mailoutbox[-1]
    assert email.to == ["alice@example.org"]
    assert "export" in email.subject.lower()
    assert f"/my-data/export/{archive.pk}/download/" in email.body

    response = client.get(f"/my-data/export/{archive.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    with zipfile.ZipFile(io.BytesIO(content)) as zipped:
        assert {"data.json", "summary.html", "README.txt"} <= set(zipped.namelist())
        document = json.loads(zipped.read("data.json"))
        summary = zipped.read("summary.html").decode()
    assert document["format"] == "civic-personal-data-export/1"
    assert document["data"]["civic"]["account"]["email"] == "alice@example.org"
    assert document["data"]["consent"]["consents"][0]["purpose"] == "area-alerts"
    assert set(document["about"]) == set(document["data"])
    assert "alice@example.org" in summary


def _on_commit() -> Any:
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def test_it_runs_one_export_at_a_time_per_person(resident: Any, tasks: Any) -> None:
    with _on_commit():
        first, created = export_request(actor=web(resident))
    with _on_commit():
        second, created_again = export_request(actor=web(resident))
    assert created and not created_again
    assert first.pk == second.pk
    assert tasks.names() == ["consent.tasks.export_build_task"]


def test_it_puts_the_files_an_app_declares_in_the_archive(
    resident: Any, tasks: Any, saved_registry: None
) -> None:
    name = storages["default"].save("test-exports/pothole.jpg", ContentFile(b"JPEGDATA"))

    def files(user: Any) -> list[ExportFile]:
        return [
            ExportFile(storage="default", name=name, path="photos/pothole.jpg"),
            ExportFile(storage="default", name=name, path="../../escape.jpg"),
        ]

    registry.register(
        "sightings",
        summary="Sightings",
        exporter=lambda user: {"photos": ["photos/pothole.jpg"]},
        eraser=lambda user, *, actor: {"deleted": [], "kept": []},
        files=files,
    )
    with _on_commit():
        archive, _created = export_request(actor=web(resident))
    tasks.run()
    archive.refresh_from_db()
    with archive.file.open("rb") as handle, zipfile.ZipFile(handle) as zipped:
        names = zipped.namelist()
        assert zipped.read("files/sightings/photos/pothole.jpg") == b"JPEGDATA"
    assert not any("escape" in entry for entry in names)
    storages["default"].delete(name)


def test_it_a_second_resident_can_never_download_the_first_ones_export(
    client: Client, resident: Any, resident2: Any, tasks: Any
) -> None:
    with _on_commit():
        archive, _created = export_request(actor=web(resident))
    tasks.run()
    client.force_login(resident2)
    assert client.get(f"/my-data/export/{archive.pk}/download/").status_code == 404
    client.logout()
    response = client.get(f"/my-data/export/{archive.pk}/download/")
    assert response.status_code == 302  # to sign in


def test_it_the_download_link_expires(client: Client, resident: Any, tasks: Any) -> None:
    with _on_commit():
        archive, _created = export_request(actor=web(resident))
    tasks.run()
    client.force_login(resident)
    archive.refresh_from_db()
    ExportArchive.objects.filter(pk=archive.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert client.get(f"/my-data/export/{archive.pk}/download/").status_code == 410

    retention_run()
    archive.refresh_from_db()
    assert archive.status == "expired"
    assert not archive.file


def test_it_staff_export_asks_a_reason_and_is_access_logged(
    client: Client, resident: Any, triager: Any
) -> None:
    from django.contrib.auth.models import Permission

    triager.user_permissions.add(Permission.objects.get(codename="view_exportarchive"))
    client.force_login(triager)
    url = f"/staff/people/{resident.pk}/export/"
    assert client.get(url).status_code == 200  # the reason form
    assert not AccessLog.objects.exists()

    response = client.post(url, {"consent_access_reason": "request by letter of 3 May"})

    assert response.status_code == 200
    assert json.loads(response.content)["data"]["civic"]["account"]["email"] == resident.email
    entry = AccessLog.objects.get()
    assert entry.reason_text == "request by letter of 3 May"
    assert entry.subject.user == resident


def test_it_staff_without_the_permission_cannot_export(
    client: Client, resident: Any, triager: Any
) -> None:
    client.force_login(triager)
    assert client.get(f"/staff/people/{resident.pk}/export/").status_code == 403


def test_it_nobody_signed_out_can_request_an_export() -> None:
    from civic.errors import NotAllowed

    with pytest.raises(NotAllowed):
        export_request(actor=Actor.system())


def test_it_a_failed_build_frees_the_person_for_a_new_export(
    resident: Any, tasks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(user: Any, *, language: str) -> bytes:
        raise ValueError("exporter bug")

    monkeypatch.setattr("consent.exports.archive_build", broken)
    with _on_commit():
        archive, _created = export_request(actor=web(resident))
    with pytest.raises(ValueError):
        tasks.run()
    archive.refresh_from_db()
    assert archive.status == "failed"
    with _on_commit():
        _second, created = export_request(actor=web(resident))
    assert created
