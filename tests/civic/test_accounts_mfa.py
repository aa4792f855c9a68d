"""Setting up a second factor tells staff and mediators why, and which free apps work (issue 11,
Accounts), in the reader's language."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client, override_settings
from django.urls import reverse

from tests.civic.test_accounts import current_code, open_totp_activation

pytestmark = pytest.mark.django_db

FREE_APPS = ["Aegis Authenticator", "FreeOTP", "2FAS Auth", "KeePassXC"]


@override_settings(CIVIC_STAFF_MFA_REQUIRED=True)
def test_it_tells_staff_why_and_which_free_apps_to_use_in_french(
    client: Client, triager: Any
) -> None:
    open_totp_activation(client, "triage@example.org")
    page = client.get(reverse("mfa_activate_totp")).content.decode()
    assert "Pourquoi nous le demandons" in page
    assert "données personnelles des habitants" in page
    for app in FREE_APPS:
        assert app in page
    assert "gratuit" in page
    assert 'alt="Code QR pour votre application de codes"' in page


@override_settings(CIVIC_STAFF_MFA_REQUIRED=True)
def test_it_explains_in_english_to_an_english_reader(client: Client, mediator: Any) -> None:
    mediator.language = "en"
    mediator.save(update_fields=["language"])
    client.cookies["civic_language"] = "en"
    open_totp_activation(client, "maud@example.org")
    page = client.get(reverse("mfa_activate_totp")).content.decode()
    assert "Why we ask" in page
    assert "mediators act on residents" in page
    assert "Aegis Authenticator" in page


@override_settings(CIVIC_STAFF_MFA_REQUIRED=True)
def test_it_still_turns_the_code_app_on_from_the_explained_page(
    client: Client, triager: Any
) -> None:
    secret = open_totp_activation(client, "triage@example.org")
    response = client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    assert Authenticator.objects.filter(user=triager, type=Authenticator.Type.TOTP).exists()
