"""Mediators record mandates with residents, who confirm them with a code or a link emailed to
them, or, without an email address, by signing the printed notice."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.formats import date_format

from assist.models import CODE_ATTEMPTS, REQUEST_SENDS, Mandate, MandateRequest, sha256_text
from civic.actors import Actor, Channel
from civic.errors import InvalidInput
from civic.models import OutboxEmail, User
from tests.assist.conftest import client_for, emailed, expire

pytestmark = pytest.mark.django_db


def _new(client: Client, **data: Any) -> Any:
    form = {
        "who": "account",
        "email": "",
        "display_name": "",
        "language": "fr",
        "scopes": ["consent"],
        "days": "92",
    }
    form.update(data)
    return client.post("/assist/mandates/new/", form)


def test_it_records_a_paper_mandate_that_acts_only_once_signed(
    mediator_client: Client, consent_purpose: Any
) -> None:
    response = _new(
        mediator_client, who="new", display_name="Rose Sans-Courriel", scopes=["consent", "export"]
    )

    mandate = Mandate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/assist/mandates/{mandate.pk}/"
    assert mandate.resident.display_name == "Rose Sans-Courriel"
    assert mandate.scopes == ["consent", "export"]
    assert mandate.confirmation == "paper"
    assert mandate.status() == "pending"
    assert 91 <= (mandate.ends_at - mandate.starts_at).days <= 92
    # The notice is in the resident's language, names the organisation, and its hash is kept.
    assert "Maison des services" in mandate.notice_text
    assert "Rose Sans-Courriel" in mandate.notice_text
    assert mandate.notice_sha256 == sha256_text(mandate.notice_text)

    printed = mediator_client.get(f"/assist/mandates/{mandate.pk}/print/")
    assert mandate.notice_sha256 in printed.content.decode()
    assert "Rose Sans-Courriel" in printed.content.decode()

    # Not yet signed: acting is refused.
    refused = mediator_client.post(
        f"/assist/mandates/{mandate.pk}/consents/{consent_purpose.code}/", {"action": "give"}
    )
    assert refused.status_code == 403

    mediator_client.post(f"/assist/mandates/{mandate.pk}/confirm/")
    mandate.refresh_from_db()
    assert mandate.confirmed_at is not None
    assert mandate.is_current()
    page = mediator_client.get("/assist/").content.decode()
    assert "Rose Sans-Courriel" in page


def _request_path(response: Any) -> str:
    assert response.status_code == 302, response.content.decode()
    assert re.fullmatch(r"/assist/requests/[0-9a-f-]{36}/", response["Location"])
    return str(response["Location"])


def test_it_confirms_a_mandate_with_the_code_the_resident_reads_out(
    mediator_client: Client, resident: Any, consent_purpose: Any
) -> None:
    path = _request_path(_new(mediator_client, email="ALICE@example.org"))

    assert not Mandate.objects.exists()  # nothing acts, nothing is listed, before the code
    code, _link = emailed(resident.email)
    asked = MandateRequest.objects.get()
    # Only a keyed hash of the code is stored.
    assert code not in str(MandateRequest.objects.values_list().get())
    assert asked.code_hash != hashlib.sha256(code.encode()).hexdigest()

    confirmed = mediator_client.post(path, {"code": f"{code[:4]} {code[4:]}"})

    mandate = Mandate.objects.get()
    assert confirmed.status_code == 302
    assert confirmed["Location"] == f"/assist/mandates/{mandate.pk}/"
    assert mandate.resident == resident
    assert mandate.confirmation == "code"
    assert mandate.is_current()
    assert "Alice Martin" in mandate.notice_text
    assert mandate.notice_text == asked.notice_text
    # Single use: the request is closed, the code and the link dead.
    assert mediator_client.post(path, {"code": code}).status_code == 404
    assert Mandate.objects.count() == 1


def test_it_a_wrong_or_late_code_confirms_nothing(
    mediator_client: Client, resident: Any, resident2: Any
) -> None:
    path = _request_path(_new(mediator_client, email=resident.email))
    code, _link = emailed(resident.email)
    wrong = f"{(int(code) + 1) % 10**8:08d}"

    for _attempt in range(CODE_ATTEMPTS):
        refused = mediator_client.post(path, {"code": wrong})
        assert refused.status_code == 400
        assert "Ce code n\u2019est pas celui envoyé" in refused.content.decode()
    # The attempts are used up: even the right code no longer works.
    assert mediator_client.post(path, {"code": code}).status_code == 400
    assert not Mandate.objects.exists()

    # A fresh code works, but not after its few minutes.
    mediator_client.post(f"{path}resend/")
    code, _link = emailed(resident.email)
    MandateRequest.objects.update(code_expires_at=timezone.now() - timedelta(seconds=1))
    assert mediator_client.post(path, {"code": code}).status_code == 400
    assert not Mandate.objects.exists()
    mediator_client.post(f"{path}resend/")
    code, _link = emailed(resident.email)
    assert mediator_client.post(path, {"code": code}).status_code == 302
    assert Mandate.objects.get().is_current()


def test_it_a_request_is_sent_again_only_a_few_times(
    mediator_client: Client, resident: Any
) -> None:
    path = _request_path(_new(mediator_client, email=resident.email))
    for _send in range(REQUEST_SENDS + 1):
        mediator_client.post(f"{path}resend/")

    assert OutboxEmail.objects.filter(to=[resident.email]).count() == REQUEST_SENDS


def test_it_the_resident_confirms_by_the_emailed_link_once(
    mediator_client: Client, resident: Any
) -> None:
    _request_path(_new(mediator_client, email=resident.email))
    _code, path = emailed(resident.email)
    # Only the link's hash is stored.
    assert path.split("/")[-2] not in str(MandateRequest.objects.values_list().get())

    anyone = Client()
    shown = anyone.get(path)
    assert shown.status_code == 200
    assert "Alice Martin" in shown.content.decode()  # the notice, to read before confirming
    assert not Mandate.objects.exists()  # a GET (a link preview) confirms nothing

    assert anyone.post(path).status_code == 200
    mandate = Mandate.objects.get()
    assert mandate.confirmation == "email"
    assert mandate.is_current()
    assert anyone.post(path).status_code == 404  # used


def test_it_a_resident_with_an_email_address_is_never_confirmed_on_paper(
    mediator: Any, organisation: Any, resident: Any
) -> None:
    from assist.services import mandate_record

    with pytest.raises(InvalidInput):
        mandate_record(
            actor=Actor(channel=Channel.MEDIATOR, user=mediator),
            organisation=organisation,
            resident=resident,
            scopes=["consent"],
            days=30,
        )
    assert not Mandate.objects.exists()


@pytest.mark.parametrize(
    ("language", "allows", "revoke"),
    [
        ("fr", "Choix de consentement", "révoquer"),
        ("en", "Consent choices", "revoke it"),
    ],
)
def test_it_the_resident_is_told_of_every_new_mandate_in_their_language(
    language: str,
    allows: str,
    revoke: str,
    resident: Any,
    make_mandate: Callable[..., Any],
) -> None:
    resident.language = language
    resident.save()
    make_mandate(resident, scopes=("consent",), days=31)

    told = OutboxEmail.objects.filter(to=[resident.email]).latest("pk")
    ends = Mandate.objects.get().ends_at
    assert "Maison des services" in told.subject
    assert allows in told.text
    assert revoke in told.text
    assert "/my-data/mandates/" in told.text
    with translation.override(language):
        assert date_format(timezone.localtime(ends), "DATE_FORMAT") in told.text


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

    no_name = _new(mediator_client, who="new", display_name=" ", scopes=["consent", "export"])
    no_email = _new(mediator_client, email="")
    too_long = _new(mediator_client, who="new", display_name="Rose", days="900")

    assert no_name.status_code == 400
    assert "Indiquez le nom de l\u2019usager" in no_name.content.decode()
    assert no_email.status_code == 400
    assert too_long.status_code == 400
    assert 'value="Rose"' in too_long.content.decode()
    assert User.objects.count() == users
    assert not Mandate.objects.exists()
    assert not MandateRequest.objects.exists()


def test_it_refuses_a_mandate_longer_than_a_year_in_the_service(
    mediator: Any, organisation: Any, paper_resident: Any
) -> None:
    from assist.services import mandate_record

    with pytest.raises(InvalidInput):
        mandate_record(
            actor=Actor(channel=Channel.MEDIATOR, user=mediator),
            organisation=organisation,
            resident=paper_resident,
            scopes=["consent"],
            days=400,
        )
    with pytest.raises(InvalidInput):
        mandate_record(
            actor=Actor(channel=Channel.MEDIATOR, user=mediator),
            organisation=organisation,
            resident=paper_resident,
            scopes=["vote"],  # not a registered scope
            days=30,
        )
    assert not Mandate.objects.exists()


def test_it_only_members_of_an_active_organisation_reach_the_mediator_pages(
    client: Client, resident: Any, mediator: Any, organisation: Any
) -> None:
    assert client.get("/assist/").status_code == 302  # sign in first
    assert client_for(resident).get("/assist/").status_code == 403
    assert client_for(mediator).get("/assist/").status_code == 200

    organisation.is_active = False
    organisation.save()
    assert client_for(mediator).get("/assist/").status_code == 403


def test_it_mediators_set_up_a_second_factor_when_staff_must(
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


def test_it_the_resident_sees_a_mandate_recorded_and_revoked_by_the_organisation(
    mediator_client: Client, paper_resident: Any, make_mandate: Any, organisation: Any
) -> None:
    resident = paper_resident
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


def test_it_a_residents_own_revocation_is_not_an_access(resident: Any, make_mandate: Any) -> None:
    from consent.models import AccessLog

    mandate = make_mandate(resident)
    before = AccessLog.objects.count()
    client_for(resident).post(f"/my-data/mandates/{mandate.pk}/revoke/")

    mandate.refresh_from_db()
    assert mandate.revoked_by_role == "resident"
    assert AccessLog.objects.count() == before


@pytest.mark.parametrize("end", ["revoked", "expired"])
@pytest.mark.parametrize("who", ["email", "paper"])
def test_it_a_mandate_no_longer_valid_prints_no_personal_data(
    end: str,
    who: str,
    mediator_client: Client,
    make_mandate: Callable[..., Any],
    resident: Any,
    paper_resident: Any,
) -> None:
    person = resident if who == "email" else paper_resident
    mandate = make_mandate(person)
    before = mediator_client.get(f"/assist/mandates/{mandate.pk}/print/").content.decode()
    assert person.display_name in before
    if end == "revoked":
        mediator_client.post(f"/assist/mandates/{mandate.pk}/revoke/")
    else:
        expire(mandate)

    printed = mediator_client.get(f"/assist/mandates/{mandate.pk}/print/")

    page = printed.content.decode()
    assert printed.status_code == 410
    assert "n\u2019est plus valable" in page
    assert person.display_name not in page
    assert "alice@example.org" not in page
    assert mandate.notice_sha256 not in page
    assert 'class="mandate-notice"' not in page


def test_it_a_mandate_confirmed_later_ends_when_its_notice_says(
    mediator_client: Client, resident: Any, resident2: Any
) -> None:
    _request_path(_new(mediator_client, email=resident.email, days="31"))
    _request_path(_new(mediator_client, email=resident2.email, days="1"))
    _code, alice_link = emailed(resident.email)
    _code, bob_link = emailed(resident2.email)
    # Both were asked two days ago; Bob's was for one day only.
    two_days = timedelta(days=2)
    for asked in MandateRequest.objects.all():
        MandateRequest.objects.filter(pk=asked.pk).update(
            created_at=asked.created_at - two_days,
            starts_at=asked.starts_at - two_days,
            ends_at=asked.ends_at - two_days,
        )
    alice_asked = MandateRequest.objects.get(resident=resident)

    assert Client().post(bob_link).status_code == 404
    assert Client().post(alice_link).status_code == 200

    mandate = Mandate.objects.get()
    assert mandate.ends_at == alice_asked.ends_at  # not 31 days after the late confirmation
    assert mandate.ends_at < timezone.now() + timedelta(days=30)
