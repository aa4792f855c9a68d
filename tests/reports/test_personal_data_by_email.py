"""A report sent by email before signing up belongs to the person once they verify that email:
it is in their export, private mode hides their name on it, erasure clears their contact."""

from __future__ import annotations

import io
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from civic.actors import Actor, Channel
from civic.photos import photo_clean
from consent import registry
from consent.services import personal_data_erase, private_mode_set
from reports.models import Photo, Report, Status
from reports.services import photo_store_draft
from tests.conftest import make_person
from tests.reports.conftest import face_image, jpeg_with_gps

pytestmark = pytest.mark.django_db


def web(user: Any) -> Actor:
    return Actor(channel=Channel.WEB, user=user)


def on_commit() -> Any:
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


@pytest.fixture
def emailed_report(make_report: Any) -> Report:
    """Sent without an account by Carole, name shown, then published."""
    report = make_report(
        None,
        contact_email="Carole.Petit@example.org",
        contact_name="Carole Petit",
        contact_phone="+33 6 12 34 56 78",
        show_name=True,
    )
    Report.objects.filter(pk=report.pk).update(status=Status.OPEN)
    report.refresh_from_db()
    return report


def test_it_exports_a_report_sent_before_signing_up_once_the_email_is_verified(
    emailed_report: Report,
) -> None:
    carole = make_person("carole.petit@example.org", name="Carole")
    exported = registry.registration_for(Report).exporter(carole)  # type: ignore[union-attr]
    assert [item["id"] for item in exported["reports"]] == [emailed_report.pk]
    assert exported["reports"][0]["contact_phone"] == "+33 6 12 34 56 78"


def test_it_does_not_tie_a_report_to_an_unverified_email(emailed_report: Report) -> None:
    carole = make_person("carole@example.org", name="Carole")
    EmailAddress.objects.create(user=carole, email="carole.petit@example.org", verified=False)
    exported = registry.registration_for(Report).exporter(carole)  # type: ignore[union-attr]
    assert exported["reports"] == []
    personal_data_erase(actor=web(carole), user=carole)
    emailed_report.refresh_from_db()
    assert emailed_report.contact_name == "Carole Petit"


def test_it_hides_the_name_in_private_mode_and_shows_it_again_after(
    client: Client, emailed_report: Report
) -> None:
    carole = make_person("carole.petit@example.org", name="Carole")
    assert "Carole Petit" in client.get(f"/reports/{emailed_report.pk}/").content.decode()

    private_mode_set(actor=web(carole), enabled=True)
    assert "Carole Petit" not in client.get(f"/reports/{emailed_report.pk}/").content.decode()

    private_mode_set(actor=web(carole), enabled=False)
    assert "Carole Petit" in client.get(f"/reports/{emailed_report.pk}/").content.decode()


def test_it_erases_the_contact_and_the_unblurred_originals_of_an_emailed_report(
    client: Client, emailed_report: Report, make_report: Any, tasks: Any
) -> None:
    carole = make_person("carole.petit@example.org", name="Carole")
    draft = photo_store_draft(
        clean=photo_clean(io.BytesIO(jpeg_with_gps(face_image()))), draft="f" * 32
    )
    with on_commit():
        own = make_report(carole, photos=[draft])
    tasks.run()
    photo = Photo.objects.get(report=own)
    original = photo.original
    assert original and original.storage.exists(original.name)

    receipt = personal_data_erase(actor=web(carole), user=carole)

    emailed_report.refresh_from_db()
    assert (emailed_report.contact_email, emailed_report.contact_name) == ("", "")
    assert emailed_report.contact_phone == "" and not emailed_report.show_name
    page = client.get(f"/reports/{emailed_report.pk}/").content.decode()
    assert "Carole Petit" not in page
    assert not original.storage.exists(original.name)
    photo.refresh_from_db()
    assert not photo.original and photo.image  # the blurred public copy stays with the report
    assert "2 signalements sans votre nom" in str(receipt["reports"]["kept"][0]["what"])


def test_it_logs_staff_opening_an_emailed_report_and_shows_it_once_she_signs_up(
    client: Client, triager: Any, make_report: Any
) -> None:
    import hashlib

    from consent.models import AccessLog, Subject, email_key

    draft = photo_store_draft(clean=photo_clean(io.BytesIO(jpeg_with_gps())), draft="c" * 32)
    report = make_report(None, contact_email="carole.petit@example.org", photos=[draft])
    client.force_login(triager)
    url = f"/reports/photos/{draft.pk}/unblurred/"
    response = client.post(url, {"consent_access_reason": "Carole Petit phoned about it"})
    assert response.status_code == 200
    assert client.get(f"/admin/reports/report/{report.pk}/change/").status_code == 200

    entries = list(AccessLog.objects.order_by("seq"))
    assert len(entries) == 2
    (subject,) = {entry.subject for entry in entries}
    assert subject.user is None
    # Keyed: neither the address nor its bare hash, so guesses cannot be tested against it.
    assert subject.email_key == email_key(" Carole.Petit@Example.org ")
    assert subject.email_key != hashlib.sha256(b"carole.petit@example.org").hexdigest()
    assert "carole" not in subject.email_key

    carole = make_person("carole.petit@example.org", name="Carole")
    client.force_login(carole)
    page = client.get("/my-data/").content.decode()
    assert "Carole Petit phoned about it" in page

    personal_data_erase(actor=web(carole), user=carole)
    assert not Subject.objects.filter(email_key=subject.email_key).exists()
    assert all(entry.reason_text == "" for entry in AccessLog.objects.all())
