"""Mediators record mandates with residents, who confirm them on paper or by an emailed link."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from assist.models import Mandate, sha256_text
from civic.models import User
from tests.assist.conftest import client_for

pytestmark = pytest.mark.django_db


def _new(client: Client, **data: Any) -> Any:
    form = {
        "who": "account",
        "email": "",
        "display_name": "",
        "language": "fr",
        "scopes": ["consent"],
        "days": "92",
        "confirmation": "paper",
    }
    form.update(data)
    return client.post("/assist/mandates/new/", form)


def test_it_records_a_mandate_that_acts_only_once_signed(
    mediator_client: Client, resident: Any, consent_purpose: Any
) -> None:
    response = _new(mediator_client, email="ALICE@example.org", scopes=["consent", "export"])

    mandate = Mandate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/assist/mandates/{mandate.pk}/"
    assert mandate.resident == resident
    assert mandate.scopes == ["consent", "export"]
    assert mandate.status() == "pending"
    assert 91 <= (mandate.ends_at - mandate.starts_at).days <= 92
    # The notice is in the resident's language, names the organisation, and its hash is kept.
    assert "Maison des services" in mandate.notice_text
    assert "Alice Martin" in mandate.notice_text
    assert mandate.notice_sha256 == sha256_text(mandate.notice_text)

    printed = mediator_client.get(f"/assist/mandates/{mandate.pk}/print/")
    assert mandate.notice_sha256 in printed.content.decode()
    assert "Alice Martin" in printed.content.decode()

    # Not yet signed: acting is refused.
    refused = mediator_client.post(
        f"/assist/mandates/{mandate.pk}/consents/{consent_purpose.code}/", {"action": "give"}
    )
    assert refused.status_code == 403

    mediator_client.post(f"/assist/mandates/{mandate.pk}/confirm/")
    mandate.refresh_from_db()
    assert mandate.confirmation == "paper"
    assert mandate.confirmed_at is not None
    assert mandate.is_current()
    page = mediator_client.get("/assist/").content.decode()
    assert "Alice Martin" in page


def test_it_sends_a_confirmation_link_that_confirms_once(
    mediator_client: Client, resident: Any, tasks: Any, mailoutbox: Any, run_on_commit: Any
) -> None:
    with run_on_commit():
        _new(mediator_client, email=resident.email, confirmation="email")
    tasks.run()

    mandate = Mandate.objects.get()
    assert mandate.status() == "pending"
    assert mailoutbox[-1].to == [resident.email]
    assert "Maison des services" in mailoutbox[-1].subject
    link = re.search(r"https?://\S+/mandates/confirm/(\S+)/", mailoutbox[-1].body)
    assert link is not None
    path = f"/mandates/confirm/{link.group(1)}/"
    # Only the link's hash is stored.
    assert link.group(1) not in str(Mandate.objects.values_list().get())

    anyone = Client()
    shown = anyone.get(path)
    assert shown.status_code == 200
    assert mandate.notice_sha256 in shown.content.decode()
    assert Mandate.objects.get().confirmed_at is None  # a GET (a link preview) confirms nothing

    assert anyone.post(path).status_code == 200
    assert Mandate.objects.get().is_current()
    assert anyone.post(path).status_code == 404  # used


def test_it_creates_an_account_for_a_resident_without_email(mediator_client: Client) -> None:
    response = _new(mediator_client, who="new", display_name="Rose Sans-Courriel", language="en")

    assert response.status_code == 302
    rose = User.objects.get(display_name="Rose Sans-Courriel")
    assert rose.email is None
    assert not rose.has_usable_password()
    mandate = Mandate.objects.get(resident=rose)
    assert mandate.notice_language == "en"
    assert "Rose Sans-Courriel" in mandate.notice_text
    assert "allow the mediators of Maison des services" in mandate.notice_text


def test_it_keeps_what_was_typed_and_creates_nothing_on_bad_input(
    mediator_client: Client,
) -> None:
    users = User.objects.count()

    no_email = _new(
        mediator_client, who="new", display_name="Rose Sans-Courriel", confirmation="email"
    )
    unknown = _new(mediator_client, email="nobody@example.org")
    too_long = _new(mediator_client, who="new", display_name="Rose", days="900")

    assert no_email.status_code == 400
    assert "confirme en signant le mandat imprimé" in no_email.content.decode()
    assert 'value="Rose Sans-Courriel"' in no_email.content.decode()
    assert unknown.status_code == 400
    assert "Aucun compte n\u2019utilise cette adresse" in unknown.content.decode()
    assert too_long.status_code == 400
    assert User.objects.count() == users
    assert not Mandate.objects.exists()


def test_it_refuses_a_mandate_longer_than_a_year_in_the_service(
    mediator: Any, organisation: Any, resident: Any
) -> None:
    from assist.services import mandate_record
    from civic.actors import Actor, Channel
    from civic.errors import InvalidInput

    with pytest.raises(InvalidInput):
        mandate_record(
            actor=Actor(channel=Channel.MEDIATOR, user=mediator),
            organisation=organisation,
            resident=resident,
            scopes=["consent"],
            days=400,
            confirmation="paper",
        )
    with pytest.raises(InvalidInput):
        mandate_record(
            actor=Actor(channel=Channel.MEDIATOR, user=mediator),
            organisation=organisation,
            resident=resident,
            scopes=["vote"],  # not a registered scope
            days=30,
            confirmation="paper",
        )
    assert not Mandate.objects.exists()


def test_only_members_of_an_active_organisation_reach_the_mediator_pages(
    client: Client, resident: Any, mediator: Any, organisation: Any
) -> None:
    assert client.get("/assist/").status_code == 302  # sign in first
    assert client_for(resident).get("/assist/").status_code == 403
    assert client_for(mediator).get("/assist/").status_code == 200

    organisation.is_active = False
    organisation.save()
    assert client_for(mediator).get("/assist/").status_code == 403


def test_mediators_set_up_a_second_factor_when_staff_must(
    settings: Any, mediator: Any, resident: Any
) -> None:
    settings.CIVIC_STAFF_MFA_REQUIRED = True

    response = client_for(mediator).get("/assist/")

    assert response.status_code == 302
    assert "/accounts/2fa/totp/activate/" in response["Location"]
    assert client_for(resident).get("/my-data/").status_code == 200  # residents are not asked


def test_it_gives_the_mediator_role_with_the_membership(mediator: Any) -> None:
    from assist.models import Membership
    from assist.services import mediator_role_sync

    assert mediator.has_perm("assist.act_for_resident")
    Membership.objects.filter(user=mediator).update(is_active=False)
    mediator_role_sync(user=mediator)
    mediator = User.objects.get(pk=mediator.pk)  # a fresh permission cache
    assert not mediator.has_perm("assist.act_for_resident")


def test_the_resident_sees_a_mandate_recorded_and_revoked_by_the_organisation(
    mediator_client: Client, resident: Any, make_mandate: Any, organisation: Any
) -> None:
    mandate = make_mandate(resident, confirmed=False)
    mediator_client.post(f"/assist/mandates/{mandate.pk}/revoke/")
    mandate.refresh_from_db()
    assert mandate.revoked_by_role == "mediator"

    alice = client_for(resident)
    page = alice.get("/my-data/").content.decode()
    accesses = page[page.index('id="accesses"') :]
    # Journal entries are written in the city's language (French here).
    assert "mandat enregistré par un médiateur" in accesses
    assert "mandat révoqué" in accesses
    assert organisation.name in accesses
    assert "Maud" not in accesses  # the mediator's name is never shown


def test_a_residents_own_revocation_is_not_an_access(resident: Any, make_mandate: Any) -> None:
    from consent.models import AccessLog

    mandate = make_mandate(resident)
    before = AccessLog.objects.count()
    client_for(resident).post(f"/my-data/mandates/{mandate.pk}/revoke/")

    mandate.refresh_from_db()
    assert mandate.revoked_by_role == "resident"
    assert AccessLog.objects.count() == before
