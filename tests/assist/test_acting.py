"""A mediator acts for a resident under a current mandate, within its scopes; every act is
journaled and visible to the resident under "Who accessed my data"."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from assist.models import Mandate
from consent.models import AccessLog, ConsentEvent, ExportArchive
from tests.assist.conftest import client_for, expire

pytestmark = pytest.mark.django_db


def _choice(client: Client, mandate: Any, purpose: Any, action: str) -> Any:
    return client.post(
        f"/assist/mandates/{mandate.pk}/consents/{purpose.code}/", {"action": action}
    )


def test_it_a_mediator_gives_and_withdraws_consent_on_behalf(
    mediator_client: Client,
    make_mandate: Callable[..., Any],
    resident: Any,
    consent_purpose: Any,
    public_task_purpose: Any,
) -> None:
    mandate = make_mandate(resident)

    page = mediator_client.get(f"/assist/mandates/{mandate.pk}/")
    assert f'action="/assist/mandates/{mandate.pk}/consents/area-alerts/"' in page.content.decode()
    assert _choice(mediator_client, mandate, consent_purpose, "give").status_code == 302
    assert _choice(mediator_client, mandate, consent_purpose, "withdraw").status_code == 302
    assert _choice(mediator_client, mandate, public_task_purpose, "object").status_code == 302

    events = list(ConsentEvent.objects.order_by("seq"))
    assert [event.kind for event in events] == ["given", "withdrawn", "objected"]
    for event in events:
        assert event.subject.user == resident
        assert event.channel == "mediator"
        assert event.actor_role == "mediator"
        assert (event.actor_ref_type, event.actor_ref_id) == ("assist.mandate", str(mandate.pk))
    # The receipt of an act, printable, for the resident beside the mediator.
    receipt = mediator_client.get(f"/assist/mandates/{mandate.pk}/receipts/{events[0].seq}/")
    assert receipt.status_code == 200
    assert events[0].hash in receipt.content.decode()


def test_it_the_resident_sees_each_act_with_the_organisation_never_the_mediator(
    mediator_client: Client,
    make_mandate: Callable[..., Any],
    resident: Any,
    consent_purpose: Any,
) -> None:
    mandate = make_mandate(resident)
    mediator_client.get(f"/assist/mandates/{mandate.pk}/")
    _choice(mediator_client, mandate, consent_purpose, "give")

    accesses = AccessLog.objects.filter(subject__user=resident).order_by("at", "id")
    assert all(entry.channel == "mediator" for entry in accesses)
    assert all(entry.actor_ref_id == str(mandate.pk) for entry in accesses)
    assert len(accesses) == 3  # confirmed with the emailed code, page viewed, consent recorded

    page = client_for(resident).get("/my-data/").content.decode()
    accessed = page[page.index('id="accesses"') :]
    assert "Maison des services" in accessed
    assert "Maud" not in accessed
    assert "Alertes de quartier" in accessed  # what was changed


@pytest.mark.parametrize("state", ["expired", "revoked", "unconfirmed", "no_scope"])
def test_it_refuses_and_writes_nothing_without_a_current_mandate_for_it(
    state: str,
    mediator_client: Client,
    mediator: Any,
    make_mandate: Callable[..., Any],
    resident: Any,
    paper_resident: Any,
    consent_purpose: Any,
) -> None:
    mandate = make_mandate(
        paper_resident if state == "unconfirmed" else resident,
        confirmed=state != "unconfirmed",
        scopes=("export",) if state == "no_scope" else ("consent",),
    )
    if state == "expired":
        expire(mandate)
    if state == "revoked":
        Mandate.objects.filter(pk=mandate.pk).update(revoked_at=timezone.now())
    accesses = AccessLog.objects.count()

    response = _choice(mediator_client, mandate, consent_purpose, "give")

    assert response.status_code == 403
    assert not ConsentEvent.objects.exists()
    assert AccessLog.objects.count() == accesses
    if state != "no_scope":
        # The page says what state it is in, and shows none of the resident's choices.
        page = mediator_client.get(f"/assist/mandates/{mandate.pk}/").content.decode()
        assert "Area alerts" not in page and "Alertes de quartier" not in page
        assert AccessLog.objects.count() == accesses


def test_it_another_organisations_mediator_cannot_act_or_see(
    other_mediator: Any,
    make_mandate: Callable[..., Any],
    resident: Any,
    consent_purpose: Any,
) -> None:
    mandate = make_mandate(resident, scopes=("consent", "export"))
    intruder = client_for(other_mediator)
    accesses = AccessLog.objects.count()

    assert intruder.get(f"/assist/mandates/{mandate.pk}/").status_code == 404
    assert _choice(intruder, mandate, consent_purpose, "give").status_code == 404
    assert intruder.post(f"/assist/mandates/{mandate.pk}/export/").status_code == 404
    assert intruder.post(f"/assist/mandates/{mandate.pk}/revoke/").status_code == 404
    assert "Alice" not in intruder.get("/assist/").content.decode()
    assert not ConsentEvent.objects.exists()
    assert not ExportArchive.objects.exists()
    assert AccessLog.objects.count() == accesses
    assert Mandate.objects.get().revoked_at is None


def test_it_a_mediator_downloads_an_export_only_with_the_export_scope(
    mediator_client: Client,
    make_mandate: Callable[..., Any],
    resident: Any,
    tasks: Any,
    run_on_commit: Any,
) -> None:
    consent_only = make_mandate(resident, scopes=("consent",))
    assert mediator_client.post(f"/assist/mandates/{consent_only.pk}/export/").status_code == 403
    assert not ExportArchive.objects.exists()

    with_export = make_mandate(resident, scopes=("export",))
    with run_on_commit():
        response = mediator_client.post(f"/assist/mandates/{with_export.pk}/export/")
    assert response.status_code == 302
    with run_on_commit():
        tasks.run()
    archive = ExportArchive.objects.get()
    assert archive.status == "ready"

    refused = mediator_client.get(
        f"/assist/mandates/{consent_only.pk}/exports/{archive.pk}/download/"
    )
    assert refused.status_code == 403
    # The owner's own link is not a way around it either.
    assert mediator_client.get(f"/my-data/export/{archive.pk}/download/").status_code == 404

    response = mediator_client.get(
        f"/assist/mandates/{with_export.pk}/exports/{archive.pk}/download/"
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    with zipfile.ZipFile(io.BytesIO(content)) as zipped:
        assert "data.json" in zipped.namelist()
    # Logged twice for the resident: the request (by consent) and the download (by assist).
    logged = AccessLog.objects.filter(
        subject__user=resident, object_type="consent.exportarchive", object_id=str(archive.pk)
    )
    assert [entry.channel for entry in logged] == ["mediator", "mediator"]

    Mandate.objects.filter(pk=with_export.pk).update(revoked_at=timezone.now())
    again = mediator_client.get(f"/assist/mandates/{with_export.pk}/exports/{archive.pk}/download/")
    assert again.status_code == 403


def test_it_a_resident_revokes_a_mandate_in_one_click(
    mediator_client: Client,
    make_mandate: Callable[..., Any],
    resident: Any,
    resident2: Any,
    consent_purpose: Any,
) -> None:
    mandate = make_mandate(resident)
    assert client_for(resident2).post(f"/my-data/mandates/{mandate.pk}/revoke/").status_code == 404

    owner = client_for(resident)
    listing = owner.get("/my-data/mandates/").content.decode()
    assert "Maison des services" in listing
    response = owner.post(f"/my-data/mandates/{mandate.pk}/revoke/")

    assert response.status_code == 302
    mandate.refresh_from_db()
    assert mandate.revoked_at is not None
    assert mandate.revoked_by_role == "resident"
    assert _choice(mediator_client, mandate, consent_purpose, "give").status_code == 403
    assert not ConsentEvent.objects.exists()
    # "My data" leads to the mandates.
    assert "/my-data/mandates/" in owner.get("/my-data/").content.decode()
