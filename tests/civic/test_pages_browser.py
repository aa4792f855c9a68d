"""Home, sign-in and the language switch in a real chromium, at phone and desktop sizes."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from tests.a11y import assert_accessible
from tests.conftest import DESKTOP, PASSWORD, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # A French-speaking browser: the city's default language.
    return {**browser_context_args, "locale": "fr-FR"}


@SIZES
def test_it_shows_the_home_page_in_french_and_accessibly(
    page: Page, live_server: Any, viewport: ViewportSize
) -> None:
    page.set_viewport_size(viewport)
    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("link", name="Aller au contenu principal")).to_be_attached()
    footer = page.get_by_role("contentinfo")
    expect(footer.get_by_role("link", name="Mentions légales")).to_be_visible()
    assert_accessible(page)


@SIZES
def test_it_switches_language_without_javascript_and_remembers_it(
    browser: Any, live_server: Any, viewport: ViewportSize
) -> None:
    context = browser.new_context(java_script_enabled=False, locale="fr-FR", viewport=viewport)
    page = context.new_page()
    page.goto(live_server.url + "/accessibility/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Déclaration d\u2019accessibilité")
    page.get_by_role("button", name="English").click()
    expect(page).to_have_url(live_server.url + "/accessibility/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Accessibility statement")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(live_server.url + "/")
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")
    context.close()


@SIZES
def test_it_shows_the_home_page_in_english_accessibly(
    browser: Any, live_server: Any, viewport: ViewportSize
) -> None:
    context = browser.new_context(locale="en-GB", viewport=viewport)
    page = context.new_page()
    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_attached()
    assert_accessible(page)
    context.close()


@SIZES
def test_it_signs_a_resident_in(
    page: Page, live_server: Any, resident: Any, viewport: ViewportSize
) -> None:
    page.set_viewport_size(viewport)
    page.goto(live_server.url + "/accounts/login/")
    assert_accessible(page)
    page.get_by_label("Courriel").fill(resident.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    menu = page.get_by_role("button", name="Menu")
    if viewport == PHONE:  # a phone's navigation collapses behind its menu button
        expect(page.get_by_role("button", name="Se déconnecter")).to_be_hidden()
        menu.click()
        expect(menu).to_have_attribute("aria-expanded", "true")
    else:
        expect(menu).to_be_hidden()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    assert_accessible(page)


def test_it_shows_a_clear_message_on_a_wrong_password(
    page: Page, live_server: Any, resident: Any
) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Courriel").fill(resident.email)
    page.get_by_label("Mot de passe").fill("not the password")
    page.get_by_role("button", name="Connexion").click()
    wrong = "L\u2019adresse e-mail ou le mot de passe sont incorrects."
    expect(page.get_by_text(wrong)).to_be_visible()
    # What was typed is kept.
    expect(page.get_by_label("Courriel")).to_have_value(resident.email)
    assert_accessible(page)


@SIZES
def test_it_shows_the_districts_on_a_map_and_in_a_table(
    page: Page, live_server: Any, districts: list[Any], viewport: ViewportSize
) -> None:
    page.set_viewport_size(viewport)
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Les quartiers de la ville").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Les quartiers de")
    expect(page.get_by_role("cell", name="Vieux-Port")).to_be_visible()
    # Leaflet drew one outline per district.
    expect(page.locator("#districts-map path.leaflet-interactive")).to_have_count(len(districts))
    assert_accessible(page)


NARROW: ViewportSize = {"width": 320, "height": 640}


def test_it_folds_the_navigation_behind_a_menu_button_on_a_phone(
    page: Page, live_server: Any
) -> None:
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/")
    menu = page.get_by_role("button", name="Menu")
    sign_in = page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Se connecter"
    )
    expect(sign_in).to_be_hidden()

    menu.click()

    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(sign_in).to_be_visible()
    assert_accessible(page)


def test_it_lists_every_link_and_the_language_switch_at_320px_without_javascript(
    browser: Any, live_server: Any
) -> None:
    context = browser.new_context(java_script_enabled=False, locale="fr-FR", viewport=NARROW)
    page = context.new_page()
    page.goto(live_server.url + "/")
    navigation = page.get_by_role("navigation", name="Menu principal")

    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    for name in ("Accueil", "Se connecter", "Créer un compte"):
        expect(navigation.get_by_role("link", name=name)).to_be_visible()
    expect(page.get_by_role("button", name="English")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.get_by_role("button", name="English").click()

    expect(page.get_by_role("navigation", name="Main menu")).to_be_visible()
    expect(page).to_have_title("Home — Civic-sur-Loire")
    context.close()
