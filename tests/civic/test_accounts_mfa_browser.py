"""The second-factor set-up page staff are sent to, in a real chromium 320 px wide: accessible
(axe), no sideways scrolling, and it explains why and which free apps to use."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings
from playwright.sync_api import Page, expect

from tests.a11y import assert_accessible
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "fr-FR", "viewport": {"width": 320, "height": 640}}


@override_settings(CIVIC_STAFF_MFA_REQUIRED=True)
def test_it_staff_are_shown_why_and_how_to_set_up_a_code_app(
    page: Page, live_server: Any, triager: Any
) -> None:
    page.goto(live_server.url + "/accounts/login/?next=/admin/")
    page.get_by_label("Courriel").fill("triage@example.org")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    # allauth asks for the password again before a second factor is added.
    expect(page.get_by_role("heading", name="Confirmer l'accès")).to_be_visible()
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_label("Mot de passe").press("Enter")

    expect(page.get_by_role("heading", name="Pourquoi nous le demandons")).to_be_visible()
    expect(page.get_by_text("Aegis Authenticator")).to_be_visible()
    expect(page.get_by_role("img", name="Code QR pour votre application de codes")).to_be_visible()
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
