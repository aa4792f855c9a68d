"""Kiosk terminals: recognised by a signed cookie staff set on the terminal's own browser; on a
terminal, nothing is cached, sessions end when idle, and consent events carry the terminal."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import signing
from django.test import Client, RequestFactory

from assist.kiosk import COOKIE_NAME, COOKIE_SALT
from assist.models import KioskTerminal, token_hash
from civic.actors import Actor
from consent.models import ConsentEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def terminal(kiosk_terminal: Any) -> Any:
    return kiosk_terminal  # the persona of tests/conftest.py


@pytest.fixture
def supervisor(mediator_supervisor: Any) -> Any:
    return mediator_supervisor


def activate(terminal: Any, supervisor: Any) -> Client:
    """A browser made the terminal by a member of staff, as the admin link does."""
    browser = Client()
    browser.force_login(supervisor)
    assert browser.get(f"/kiosk/activate/{terminal.pk}/").status_code == 200
    response = browser.post(f"/kiosk/activate/{terminal.pk}/")
    assert response.status_code == 302
    return browser


def test_it_an_unregistered_browser_is_not_a_kiosk(client: Client, terminal: Any) -> None:
    # Correctly signed (as if the secret leaked) but with a token that is not the terminal's.
    forged = signing.get_cookie_signer(salt=COOKIE_NAME + COOKIE_SALT).sign(f"{terminal.pk}:guess")
    for cookie in (None, f"{terminal.pk}:guess", forged):
        if cookie:
            client.cookies[COOKIE_NAME] = cookie
        response = client.get("/")
        assert ' kiosk"' not in response.content.decode()
        assert "no-store" not in response.get("Cache-Control", "")
    assert client.get("/kiosk/").status_code == 302  # kiosk pages lead elsewhere


def test_it_staff_activate_a_terminal_which_then_runs_in_kiosk_mode(
    terminal: Any, supervisor: Any
) -> None:
    browser = activate(terminal, supervisor)

    terminal.refresh_from_db()
    cookie = browser.cookies[COOKIE_NAME]
    token = cookie.value.split(":", 1)[1].split(":", 1)[0]
    assert terminal.token_hash == token_hash(token)  # only the hash is stored
    assert int(cookie["max-age"]) > 300 * 24 * 3600  # long-lived
    assert "_auth_user_id" not in browser.session  # the staff member is signed out

    response = browser.get("/districts/")
    page = response.content.decode()
    assert ' kiosk"' in page
    assert "no-store" in response["Cache-Control"]
    assert 'action="/kiosk/finish/"' in page


def test_it_a_kiosk_page_offers_its_address_as_a_qr_code_to_continue_on_a_phone(
    terminal: Any, supervisor: Any, client: Client, settings: Any
) -> None:
    from assist.qr import qr_svg

    settings.CIVIC_SITE_URL = "https://civic.example.org"
    browser = activate(terminal, supervisor)

    page = browser.get("/districts/?page=2").content.decode()

    url = "https://civic.example.org/districts/?page=2"
    assert "Continue on your phone" in page or "Continuer sur votre téléphone" in page
    assert url in page
    assert qr_svg(url) in page  # the very code of this page's public address
    assert 'class="qr"' not in client.get("/districts/").content.decode()  # not off a kiosk


def test_it_a_new_activation_or_switching_off_ends_the_old_browser(
    terminal: Any, supervisor: Any
) -> None:
    first = activate(terminal, supervisor)
    second = activate(terminal, supervisor)

    assert "no-store" not in first.get("/districts/").get("Cache-Control", "")
    assert "no-store" in second.get("/districts/")["Cache-Control"]

    KioskTerminal.objects.filter(pk=terminal.pk).update(is_active=False)
    assert "no-store" not in second.get("/districts/").get("Cache-Control", "")


def test_it_only_staff_allowed_to_may_activate(terminal: Any, resident: Any, triager: Any) -> None:
    resident_browser = Client()
    resident_browser.force_login(resident)
    triager_browser = Client()
    triager_browser.force_login(triager)

    assert resident_browser.post(f"/kiosk/activate/{terminal.pk}/").status_code == 302  # login
    assert triager_browser.post(f"/kiosk/activate/{terminal.pk}/").status_code == 403
    terminal.refresh_from_db()
    assert terminal.token_hash == ""


def test_it_consent_at_a_kiosk_carries_the_channel_and_the_terminal(
    terminal: Any, supervisor: Any, resident: Any, consent_purpose: Any
) -> None:
    browser = activate(terminal, supervisor)
    browser.force_login(resident)

    response = browser.post(f"/kiosk/consents/{consent_purpose.code}/", {"action": "give"})

    event = ConsentEvent.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/kiosk/receipts/{event.seq}/"
    assert event.channel == "kiosk"
    assert (event.actor_ref_type, event.actor_ref_id) == ("assist.kioskterminal", str(terminal.pk))
    assert event.actor_role == "resident"
    receipt = browser.get(response["Location"])
    page = receipt.content.decode()
    assert "<svg" in page and 'class="qr"' in page
    assert f"http://testserver/my-data/receipts/{event.seq}/" in page
    assert "no-store" in receipt["Cache-Control"]


def test_it_my_data_used_at_a_kiosk_records_the_kiosk_and_the_web_records_the_web(
    terminal: Any, supervisor: Any, resident: Any, consent_purpose: Any
) -> None:
    browser = activate(terminal, supervisor)
    browser.force_login(resident)
    at_home = Client()
    at_home.force_login(resident)

    browser.post(f"/my-data/consents/{consent_purpose.code}/", {"action": "give"})
    at_home.post(f"/my-data/consents/{consent_purpose.code}/", {"action": "withdraw"})

    kiosk, web = ConsentEvent.objects.order_by("seq")
    assert (kiosk.kind, kiosk.channel, kiosk.actor_ref_id) == ("given", "kiosk", str(terminal.pk))
    assert (web.kind, web.channel, web.actor_ref_type) == ("withdrawn", "web", "")


def test_it_a_kiosk_session_ends_when_idle_and_finish_wipes_it(
    terminal: Any, supervisor: Any, resident: Any, settings: Any
) -> None:
    settings.CIVIC_KIOSK_IDLE_SECONDS = 120
    browser = activate(terminal, supervisor)
    browser.force_login(resident)

    browser.get("/kiosk/consents/")
    assert browser.session.get_expiry_age() == 120
    assert int(browser.cookies[settings.SESSION_COOKIE_NAME]["max-age"]) == 120

    response = browser.post("/kiosk/finish/")

    assert response.status_code == 302
    assert response["Location"] == "/kiosk/?cleared=1"
    assert '"storage"' in response["Clear-Site-Data"]
    assert "_auth_user_id" not in browser.session
    assert browser.get("/kiosk/consents/").status_code == 302  # signed out
    assert "no-store" in browser.get("/kiosk/?cleared=1")["Cache-Control"]  # still the kiosk


def test_it_actor_from_request_reads_the_terminal_without_importing_assist(
    terminal: Any, resident: Any
) -> None:
    request = RequestFactory().get("/")
    request.user = resident
    assert Actor.from_request(request).channel == "web"

    request.civic_terminal = terminal.as_ref()  # type: ignore[attr-defined]
    actor = Actor.from_request(request)
    assert actor.channel == "kiosk"
    assert actor.terminal == terminal.as_ref()
