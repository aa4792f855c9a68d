"""Maps people can read: the reports map is reachable from home in two clicks and draws the
basemap (its tiles asked of this app, never a third party), and so does the staff admin's map
of a report (its script used to run before the map's element existed)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.a11y import assert_accessible
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BASEMAP = "img.leaflet-tile[src*='/basemap/']"


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "fr-FR"}


def basemap_drawn(page: Page) -> None:
    tile = page.locator(BASEMAP).first
    expect(tile).to_be_visible()
    page.wait_for_function(
        "sel => [...document.querySelectorAll(sel)].some(img => img.complete && img.naturalWidth)",
        arg=BASEMAP,
    )


def test_it_draws_the_reports_map_on_the_basemap_two_clicks_from_home(
    page: Page, live_server: Any, resident: Any, make_report: Any
) -> None:
    make_report(resident)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(live_server.url + "/")
    page.get_by_role("main").get_by_role("link", name="Problèmes signalés").click()
    expect(page.locator("#reports-map")).to_be_visible()
    basemap_drawn(page)
    assert all(url.startswith(live_server.url) for url in asked), asked  # nothing else asked
    assert_accessible(page)


def test_it_draws_the_map_of_a_report_in_the_staff_admin(
    page: Page, live_server: Any, resident: Any, triager: Any, make_report: Any
) -> None:
    report = make_report(resident)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Courriel").fill(triager.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.goto(f"{live_server.url}/admin/reports/report/{report.pk}/change/")
    expect(page.locator("#report-map")).to_be_visible()
    basemap_drawn(page)
    expect(page.locator("#report-map .leaflet-marker-icon")).to_be_visible()
