"""A resident without a password opens My data at a kiosk with a one-time code, emailed or
printed by a mediator: used once, 15 minutes, stored hashed, five tries, and it opens only My data
on that kiosk."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from assist.models import KioskCode
from civic.models import OutboxEmail
from consent.models import AccessLog
from tests.assist.test_kiosk import activate

pytestmark = pytest.mark.django_db


@pytest.fixture
def kiosk(kiosk_terminal: Any, mediator_supervisor: Any) -> Client:
    browser = activate(kiosk_terminal, mediator_supervisor)
    browser.post("/language/", {"language": "en", "next": "/kiosk/"})
    return browser


def emailed_code(email: str) -> str:
    text = OutboxEmail.objects.filter(to=[email]).latest("pk").text
    found = re.search(r"^ {4}(\d{8})$", text, re.M)
    assert found is not None, text
    return found.group(1)


def use(kiosk: Client, identifier: str, code: str) -> Any:
    return kiosk.post("/kiosk/my-data/", {"identifier": identifier, "code": code})


def test_it_opens_my_data_with_an_emailed_code_and_nothing_else(
    kiosk: Client, resident: Any
) -> None:
    response = kiosk.post("/kiosk/my-data/send-code/", {"email": resident.email.upper()})
    assert response.status_code == 302
    code = emailed_code(resident.email)
    assert code not in str(list(KioskCode.objects.values()))  # stored hashed only

    response = use(kiosk, resident.email, code)

    assert (response.status_code, response["Location"]) == (302, "/my-data/")
    page = kiosk.get("/my-data/")
    assert page.status_code == 200 and resident.display_name in page.content.decode()
    assert '<html lang="en">' in page.content.decode()  # the language picked stays
    for elsewhere in ("/reports/new/", "/kiosk/consents/", "/my-data/delete/", "/accounts/email/"):
        refused = kiosk.get(elsewhere)
        assert refused.status_code == 403, elsewhere
        assert "A one-time code opens only My data" in refused.content.decode()
    assert kiosk.post("/kiosk/finish/").status_code == 302
    assert use(kiosk, resident.email, code).status_code == 400  # used once
    assert kiosk.get("/my-data/").status_code == 302  # signed out


def test_it_says_the_same_for_an_unknown_address_or_a_staff_account(
    kiosk: Client, triager: Any
) -> None:
    unknown = kiosk.post("/kiosk/my-data/send-code/", {"email": "nobody@example.org"}, follow=True)
    staff = kiosk.post("/kiosk/my-data/send-code/", {"email": triager.email}, follow=True)

    assert "If this address has an account" in unknown.content.decode()
    assert "If this address has an account" in staff.content.decode()
    assert not OutboxEmail.objects.exists()
    assert not KioskCode.objects.exists()


def test_it_dies_after_five_wrong_tries(kiosk: Client, resident: Any) -> None:
    kiosk.post("/kiosk/my-data/send-code/", {"email": resident.email})
    code = emailed_code(resident.email)
    wrong = "00000000" if code != "00000000" else "11111111"

    for _try in range(5):
        response = use(kiosk, resident.email, wrong)
        assert response.status_code == 400
        assert "This code does not open anything" in response.content.decode()

    assert use(kiosk, resident.email, code).status_code == 400
    assert kiosk.get("/my-data/").status_code == 302


def test_it_lasts_fifteen_minutes(kiosk: Client, resident: Any) -> None:
    kiosk.post("/kiosk/my-data/send-code/", {"email": resident.email})
    code = emailed_code(resident.email)
    issued = KioskCode.objects.get()
    assert issued.expires_at - issued.created_at == timedelta(minutes=15)
    KioskCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert use(kiosk, resident.email, code).status_code == 400


def test_a_new_code_kills_the_previous_one(kiosk: Client, resident: Any) -> None:
    kiosk.post("/kiosk/my-data/send-code/", {"email": resident.email})
    first = emailed_code(resident.email)
    kiosk.post("/kiosk/my-data/send-code/", {"email": resident.email})
    second = emailed_code(resident.email)

    if first != second:
        assert use(kiosk, resident.email, first).status_code == 400
    assert use(kiosk, resident.email, second).status_code == 302


def test_it_opens_nothing_off_the_kiosk_it_was_used_on(
    kiosk: Client, resident: Any, client: Client
) -> None:
    kiosk.post("/kiosk/my-data/send-code/", {"email": resident.email})
    use(kiosk, resident.email, emailed_code(resident.email))

    client.cookies[django_settings.SESSION_COOKIE_NAME] = kiosk.cookies[
        django_settings.SESSION_COOKIE_NAME
    ].value  # the session carried to another browser
    assert client.get("/my-data/").status_code == 302  # to sign in
    assert client.get("/").status_code == 200
    assert not client.session.get("_auth_user_id")


def test_a_mediator_prints_a_code_for_a_resident_without_email(
    kiosk: Client, make_mandate: Any, paper_resident: Any, mediator: Any
) -> None:
    mandate = make_mandate(paper_resident)
    mediator_browser = Client()
    mediator_browser.force_login(mediator)
    detail = mediator_browser.get(f"/assist/mandates/{mandate.pk}/").content.decode()
    assert f'action="/assist/mandates/{mandate.pk}/kiosk-code/"' in detail

    logged = AccessLog.objects.count()
    slip = mediator_browser.post(f"/assist/mandates/{mandate.pk}/kiosk-code/")

    page = slip.content.decode()
    assert slip.status_code == 200 and "no-store" in slip["Cache-Control"]
    issued = KioskCode.objects.get()
    code = re.search(r"kiosk-code-slip__value\">(\d{8})<", page).group(1)  # type: ignore[union-attr]
    assert issued.reference in page and issued.user == paper_resident
    assert issued.delivery == "printed" and issued.mandate == mandate
    assert AccessLog.objects.count() == logged + 1  # in the resident's access history
    reference = f" {issued.reference[:3].lower()}-{issued.reference[3:].lower()} "
    assert use(kiosk, reference, code)["Location"] == "/my-data/"
    assert "Rose Sans-Courriel" in kiosk.get("/my-data/").content.decode()


def test_a_code_is_typed_only_at_a_kiosk(client: Client) -> None:
    response = client.post("/kiosk/my-data/", {"identifier": "x@example.org", "code": "1"})
    assert response.status_code == 302 and response["Location"] == "/"
