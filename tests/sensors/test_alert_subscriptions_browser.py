"""A resident subscribes to sensor alerts from the sensor map and stops them, in a real
chromium, in French, at phone and desktop sizes; each page checked with axe."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from sensors.alerts import unsubscribe_token
from sensors.models import AlertSubscription
from tests.a11y import assert_accessible
from tests.conftest import DESKTOP, PASSWORD, PHONE

RSQUO = "\u2019"  # French typographic apostrophe, as in the catalogue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "fr-FR"}


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Courriel").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    # Signed in (on a phone the button sits behind the menu button).
    expect(page.get_by_role("button", name="Se déconnecter", include_hidden=True)).to_be_attached()


@SIZES
def test_it_a_resident_subscribes_to_sensor_alerts_and_stops_them(
    page: Page, live_server: Any, viewport: ViewportSize, resident: Any, districts: list[Any]
) -> None:
    page.set_viewport_size(viewport)
    _sign_in(page, live_server.url, resident.email)
    page.goto(live_server.url + "/sensors/")
    page.get_by_role(
        "link", name=f"Recevoir un courriel quand une alerte de capteur s{RSQUO}ouvre"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alertes des capteurs par courriel")
    assert_accessible(page)

    # Nothing chosen: a clear message, and the page still passes axe.
    page.get_by_role("button", name=f"S{RSQUO}abonner").click()
    expect(page.get_by_role("alert")).to_contain_text("Choisissez un quartier")
    assert_accessible(page)

    page.get_by_label("Quartier").select_option(label="Gare")
    page.get_by_label("Type de capteur").select_option(label=f"Hauteur d{RSQUO}eau")
    page.get_by_role("button", name=f"S{RSQUO}abonner").click()
    expect(page.get_by_role("status")).to_contain_text("Abonnement enregistré")
    expect(
        page.get_by_role("listitem").filter(has_text=f"Capteurs « Hauteur d{RSQUO}eau » à Gare")
    ).to_be_visible()
    assert AlertSubscription.objects.filter(user=resident, kind="water_level").exists()
    assert_accessible(page)

    page.get_by_role("button", name=f"Arrêter — Capteurs « Hauteur d{RSQUO}eau » à Gare").click()
    expect(
        page.get_by_text(f"Vous n{RSQUO}êtes abonné à aucune alerte de capteur.")
    ).to_be_visible()
    assert not AlertSubscription.objects.exists()


def test_it_the_unsubscribe_link_of_an_email_works_without_signing_in(
    page: Page, live_server: Any, resident: Any, districts: list[Any]
) -> None:
    subscription = AlertSubscription.objects.create(user=resident, district=districts[0])
    token = unsubscribe_token(user=resident, subscriptions=[subscription])

    page.goto(f"{live_server.url}/sensors/alerts/unsubscribe/{token}/")
    expect(
        page.get_by_role("listitem").filter(has_text="Tous les capteurs à Vieux-Port")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Arrêter ces alertes").click()

    expect(
        page.get_by_text(f"C{RSQUO}est fait : vous ne recevrez plus ces alertes.")
    ).to_be_visible()
    assert not AlertSubscription.objects.exists()
    assert_accessible(page)
