"""Asking again for a report's manage link, in a real chromium 320 px wide: accessible (axe),
no sideways scrolling, usable with the keyboard."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.a11y import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "fr-FR", "viewport": {"width": 320, "height": 640}}


def test_it_asks_for_the_links_again_accessibly_on_a_phone(page: Page, live_server: Any) -> None:
    page.goto(live_server.url + "/reports/links/")
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0

    page.get_by_role("button", name="envoyer les liens").click()  # nothing typed
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Adresse e-mail donnée avec votre signalement").fill("carla@example.org")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Consultez vos courriels")).to_be_visible()
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def test_it_a_dead_manage_link_leads_to_fresh_links_accessibly(
    page: Page, live_server: Any
) -> None:
    page.goto(live_server.url + "/reports/manage/not-a-real-token/")
    expect(page.get_by_role("heading", name="Ce lien ne fonctionne plus")).to_be_visible()
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0

    page.get_by_role("link", name="Demander de nouveaux liens").click()
    expect(page).to_have_url(live_server.url + "/reports/links/")
