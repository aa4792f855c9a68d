"""Reports plug into consent: private mode, the export's photos, labels and receipts in French."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.storage import storages
from django.test import Client
from django.utils import timezone, translation

from civic.actors import Actor, Channel
from civic.photos import photo_clean
from consent import registry
from consent.models import ExportArchive
from consent.seed import seed_consent
from consent.services import export_request, personal_data_erase, private_mode_set
from reports.models import AreaAlert, Photo, Report, Subscription
from reports.services import (
    area_alert_create,
    area_alerts_digest,
    photo_store_draft,
    report_change_status,
    report_follow,
)
from tests.reports.conftest import face_image, jpeg_with_gps

pytestmark = pytest.mark.django_db


def web(user: Any) -> Actor:
    return Actor(channel=Channel.WEB, user=user)


def on_commit() -> Any:
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def test_it_registers_purposes_labels_files_and_private_mode() -> None:
    (registration,) = [r for r in registry.registrations() if r.app_label == "reports"]
    assert registration.files is not None and registration.private_mode is not None
    assert registration.purposes == ("report-follow-up",)
    assert set(registration.purposes) <= {spec.code for spec in registry.purpose_specs()}


def test_it_labels_every_key_the_exporter_returns(
    resident: Any, make_report: Any, districts: Any
) -> None:
    make_report(resident, show_name=True)  # and its author follows it
    area_alert_create(actor=web(resident), district=districts[0])
    (registration,) = [r for r in registry.registrations() if r.app_label == "reports"]

    def keys(value: Any) -> set[str]:
        if isinstance(value, dict):
            return set(value) | {k for item in value.values() for k in keys(item)}
        if isinstance(value, list):
            return {k for item in value for k in keys(item)}
        return set()

    assert keys(registration.exporter(resident)) <= set(registration.labels)


def test_it_hides_names_and_pauses_follows_and_alerts_then_restores_exactly(
    resident: Any, resident2: Any, make_report: Any, districts: Any
) -> None:
    named = make_report(resident, show_name=True)
    already_hidden = make_report(resident, show_name=False)
    others = make_report(resident2, show_name=True)
    report_follow(actor=web(resident), report=others)
    alert = area_alert_create(actor=web(resident), district=districts[0])
    follows = set(Subscription.objects.filter(user=resident).values_list("pk", flat=True))
    assert len(follows) == 3  # two auto-follows of her own reports and one of Bob's

    private_mode_set(actor=web(resident), enabled=True)

    assert not Report.objects.filter(reporter=resident, show_name=True).exists()
    assert not Subscription.objects.filter(user=resident, paused=False).exists()
    assert AreaAlert.objects.get(pk=alert.pk).paused
    others.refresh_from_db()
    assert others.show_name  # someone else's report is untouched
    assert not Subscription.objects.filter(user=resident2, paused=True).exists()

    private_mode_set(actor=web(resident), enabled=False)

    named.refresh_from_db()
    already_hidden.refresh_from_db()
    assert named.show_name
    assert not already_hidden.show_name  # private mode did not hide it: it stays hidden
    assert (
        set(Subscription.objects.filter(user=resident, paused=False).values_list("pk", flat=True))
        == follows
    )
    assert not AreaAlert.objects.get(pk=alert.pk).paused


def test_it_restores_only_what_private_mode_changed(
    resident: Any, make_report: Any, districts: Any
) -> None:
    kept = make_report(resident, show_name=True)
    dropped = make_report(resident, show_name=True)
    private_mode_set(actor=web(resident), enabled=True)
    Subscription.objects.filter(report=dropped, user=resident).delete()  # unfollowed meanwhile

    private_mode_set(actor=web(resident), enabled=False)

    assert set(Subscription.objects.filter(user=resident).values_list("report_id", flat=True)) == {
        kept.pk
    }
    assert set(
        Report.objects.filter(reporter=resident, show_name=True).values_list("pk", flat=True)
    ) == {kept.pk, dropped.pk}


def test_it_sends_nothing_to_a_person_in_private_mode(
    resident: Any,
    resident2: Any,
    triager: Any,
    make_report: Any,
    districts: Any,
    tasks: Any,
    mailoutbox: Any,
) -> None:
    report = make_report(resident2)
    report_follow(actor=web(resident), report=report)
    own = make_report(resident)
    alert = area_alert_create(actor=web(resident), district=districts[0])
    AreaAlert.objects.filter(pk=alert.pk).update(last_sent_at=timezone.now() - timedelta(days=2))
    private_mode_set(actor=web(resident), enabled=True)
    tasks.sent.clear()
    staff = Actor(channel=Channel.STAFF, user=triager)

    with on_commit():
        report_change_status(actor=staff, report=report, status="acknowledged", text="Vu")
        report_change_status(actor=staff, report=own, status="acknowledged", text="Vu")
        area_alerts_digest()
    tasks.run()

    recipients = {address for email in mailoutbox for address in email.to}
    assert "bob@example.org" in recipients  # the author of the first report is told
    assert "alice@example.org" not in recipients


def test_it_shows_no_name_on_a_report_sent_in_private_mode(
    client: Client, resident: Any, make_report: Any
) -> None:
    private_mode_set(actor=web(resident), enabled=True)

    report = make_report(resident, show_name=True)

    assert not report.show_name
    assert not Subscription.objects.filter(report=report, user=resident).exists()
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert "Alice Martin" not in page


def test_it_exports_the_blurred_photo_and_never_the_unblurred_one(
    resident: Any, make_report: Any, tasks: Any
) -> None:
    seed_consent(stdout=io.StringIO())
    face = jpeg_with_gps(face_image(400))  # a face: the public copy differs from the private one
    draft = photo_store_draft(clean=photo_clean(io.BytesIO(face)), draft="e" * 32)
    with on_commit():
        report = make_report(resident, photos=[draft])
    tasks.run()  # the blur task
    photo = Photo.objects.get(report=report)
    assert photo.state == Photo.State.READY and photo.faces >= 1
    public = storages["default"].open(photo.image.name, "rb").read()
    with photo.original.open("rb") as handle:
        unblurred = handle.read()
    assert public != unblurred

    with on_commit():
        archive, _created = export_request(actor=web(resident))
    assert "consent.tasks.export_build_task" in tasks.names()
    with on_commit():
        tasks.run()
    tasks.run()  # the "your export is ready" email
    archive = ExportArchive.objects.get(pk=archive.pk)
    assert archive.status == "ready"

    with archive.file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as zipped:
        names = zipped.namelist()
        photos = [name for name in names if name.startswith("files/reports/")]
        assert photos == [f"files/reports/report-{report.pk}/photo-1.jpg"]
        assert zipped.read(photos[0]) == public
        contents = [zipped.read(name) for name in names]
        document = json.loads(zipped.read("data.json"))
    assert unblurred not in contents
    assert photo.original.name not in json.dumps(document)
    assert document["data"]["reports"]["reports"][0]["photos"] == 1
    assert [purpose["code"] for purpose in document["about"]["reports"]["purposes"]] == [
        "report-follow-up"
    ]


def test_it_shows_the_labels_translated_in_french_on_my_data(
    client: Client, resident: Any, make_report: Any, districts: Any
) -> None:
    seed_consent(stdout=io.StringIO())
    make_report(resident, show_name=True)
    area_alert_create(actor=web(resident), district=districts[0])
    client.force_login(resident)  # her account's language is French

    page = client.get("/my-data/").content.decode()

    section = page.split('id="section-reports"', 1)[1].split("</article>", 1)[0]
    assert "Courriels de suivi des signalements" in section  # the purpose, beside the data
    for label in ("Vos signalements", "Nom affiché publiquement", "Alertes de secteur"):
        assert label in section
    assert "Show name" not in section and "Area alerts" not in section


def test_it_writes_the_erasure_receipt_in_the_persons_language(
    resident: Any, make_report: Any
) -> None:
    make_report(resident)
    make_report(resident)

    with translation.override("fr"):
        receipt = personal_data_erase(actor=web(resident), user=resident)

    part = receipt["reports"]
    assert "abonnements aux signalements" in part["deleted"]
    assert part["kept"][0]["what"] == "2 signalements sans votre nom ni vos coordonnées"
    json.dumps(receipt)  # plain strings, storable as is
