"""Accounts: email sign-up with verification, language, admin login through allauth, staff MFA."""

from __future__ import annotations

import time
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from allauth.mfa.totp.internal.auth import yield_hotp_counters_from_time as counters
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from civic.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long and unusual passphrase 42"


def sign_up(client: Client, email: str, **headers: Any) -> Any:
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        **headers,
    )


def sign_in(client: Client, email: str, password: str = PASSWORD) -> Any:
    return client.post(reverse("account_login"), {"login": email, "password": password})


def open_totp_activation(client: Client, email: str) -> str:
    """Sign in for real, confirm the password as allauth asks, open the TOTP page: its secret."""
    sign_in(client, email)
    page = client.get(reverse("mfa_activate_totp"))
    if page.status_code == 302 and page["Location"].startswith(reverse("account_reauthenticate")):
        client.post(page["Location"], {"password": PASSWORD})
        page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    return client.session[SECRET_SESSION_KEY]


def current_code(secret: str) -> str:
    # Allauth accepts only the current 30-second period: never compute a code about to expire.
    if time.time() % 30 > 27:
        time.sleep(3.5)
    window = list(counters())
    return format_hotp_value(hotp_value(secret, window[len(window) // 2]))


def signed_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


# --- Sign-up and verification ----------------------------------------------------------------


def test_it_sends_the_verification_email_in_french_through_celery(
    client: Client, tasks: Any, run_on_commit: Any, mailoutbox: list[Any]
) -> None:
    client.cookies["civic_language"] = "fr"
    with run_on_commit():
        response = sign_up(client, "Claire@Example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")

    user = User.objects.get(email="claire@example.org")
    assert user.language == "fr"
    assert not EmailAddress.objects.get(user=user).verified
    # Nothing leaves before a worker runs the task.
    assert tasks.names() == ["civic.tasks.send_email_task"]
    assert mailoutbox == []

    assert tasks.run() == 1
    [message] = mailoutbox
    assert message.to == ["claire@example.org"]
    assert message.subject == "Confirmez votre adresse e-mail"
    assert "/accounts/confirm-email/" in message.body


def test_it_sends_the_verification_email_in_english_to_an_english_visitor(
    client: Client, tasks: Any, run_on_commit: Any, mailoutbox: list[Any]
) -> None:
    with run_on_commit():
        sign_up(client, "dan@example.org", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8")
    tasks.run()
    [message] = mailoutbox
    assert User.objects.get(email="dan@example.org").language == "en"
    assert message.subject == "Please Confirm Your Email Address"


def test_it_sends_nothing_when_the_sign_up_is_refused(
    client: Client, tasks: Any, run_on_commit: Any
) -> None:
    with run_on_commit():
        response = client.post(
            reverse("account_signup"),
            {"email": "eve@example.org", "password1": NEW_PASSWORD, "password2": "other"},
        )
    assert response.status_code == 200
    assert not User.objects.filter(email="eve@example.org").exists()
    assert tasks.sent == []


def test_it_refuses_to_sign_in_an_unverified_account(
    client: Client, tasks: Any, run_on_commit: Any
) -> None:
    with run_on_commit():
        sign_up(client, "fred@example.org")
    client.logout()
    tasks.sent.clear()

    with run_on_commit():
        response = sign_in(client, "fred@example.org", NEW_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert signed_in_user_id(client) is None
    assert client.get(reverse("account_email")).status_code == 302


def test_it_signs_in_a_verified_resident(client: Client, resident: User) -> None:
    response = sign_in(client, "alice@example.org")
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(resident.pk)


# --- Language --------------------------------------------------------------------------------


def test_it_shows_pages_in_the_language_stored_on_the_account(
    client: Client, resident2: User
) -> None:
    client.cookies["civic_language"] = "fr"
    client.force_login(resident2)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()


def test_it_stores_the_language_chosen_with_the_switch(client: Client, resident2: User) -> None:
    client.force_login(resident2)
    response = client.post(reverse("language_switch"), {"language": "fr", "next": "/legal/"})
    assert response.status_code == 302
    assert response["Location"] == "/legal/"
    assert response.cookies["civic_language"].value == "fr"
    resident2.refresh_from_db()
    assert resident2.language == "fr"
    assert '<html lang="fr">' in client.get(reverse("home")).content.decode()


def test_it_keeps_the_language_picked_before_signing_in_and_makes_it_the_accounts(
    client: Client, resident: User
) -> None:
    assert resident.language == "fr"
    client.post(reverse("language_switch"), {"language": "en", "next": "/"})
    response = client.post(
        reverse("account_login"), {"login": resident.email, "password": PASSWORD}, follow=True
    )
    assert '<html lang="en">' in response.content.decode()
    assert '<html lang="en">' in client.get(reverse("home")).content.decode()
    resident.refresh_from_db()
    assert resident.language == "en"  # and so are the emails the city sends them


def test_it_ignores_an_unknown_language_and_a_foreign_next(client: Client, resident2: User) -> None:
    client.force_login(resident2)
    response = client.post(
        reverse("language_switch"), {"language": "xx", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
    resident2.refresh_from_db()
    assert resident2.language == "en"


# --- Admin login and staff MFA ---------------------------------------------------------------


def test_it_sends_the_admin_login_to_allauth(client: Client) -> None:
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=%2Fadmin%2F"


def test_it_refuses_the_admin_to_a_resident(client: Client, resident: User) -> None:
    client.force_login(resident)
    assert client.get("/admin/login/").status_code == 403


@override_settings(CIVIC_STAFF_MFA_REQUIRED=True)
def test_it_sends_staff_without_totp_to_set_it_up(client: Client, triager: User) -> None:
    client.force_login(triager)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp") + "?next=%2Fadmin%2F"
    # Signing out, reading the account pages and switching language stay possible.
    assert client.get(reverse("account_email")).status_code == 200


@override_settings(CIVIC_STAFF_MFA_REQUIRED=True)
def test_it_does_not_ask_a_resident_for_totp(client: Client, resident: User) -> None:
    client.force_login(resident)
    assert client.get(reverse("home")).status_code == 200
    response = client.get("/admin/")
    assert not response["Location"].startswith(reverse("mfa_activate_totp"))


@override_settings(CIVIC_STAFF_MFA_REQUIRED=False)
def test_it_lets_staff_in_without_totp_when_the_demo_relaxes_it(
    client: Client, triager: User
) -> None:
    client.force_login(triager)
    assert client.get("/admin/").status_code == 200


@override_settings(CIVIC_STAFF_MFA_REQUIRED=True)
def test_it_lets_staff_in_once_totp_is_active(client: Client, triager: User) -> None:
    secret = open_totp_activation(client, "triage@example.org")
    response = client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=triager, type=Authenticator.Type.TOTP).exists()
    assert client.get("/admin/").status_code == 200


@override_settings(CIVIC_STAFF_MFA_REQUIRED=True)
def test_it_refuses_a_wrong_totp_code(client: Client, triager: User) -> None:
    secret = open_totp_activation(client, "triage@example.org")
    accepted = {format_hotp_value(hotp_value(secret, counter)) for counter in counters()}
    wrong = next(code for code in ("000000", "111111", "222222") if code not in accepted)
    response = client.post(reverse("mfa_activate_totp"), {"code": wrong})
    assert response.status_code == 200
    assert not Authenticator.objects.filter(user=triager).exists()
    assert client.get("/admin/").status_code == 302


# --- Residents without email -----------------------------------------------------------------


def test_it_keeps_a_resident_without_email_or_password() -> None:
    first = User.objects.create_user()
    second = User.objects.create_user(display_name="Mme Roux")
    assert first.email is None and second.email is None
    assert not first.has_usable_password()
    with translation.override("en"):
        assert str(first) == f"resident #{first.pk}"
    assert str(second) == "Mme Roux"
