"""Budgets on a phone, in French and in English, axe on each page: a resident proposes a
project with a photo and a pin on the map; a budget officer's review shows on the proposal's
page; the "what became of the projects" page shows the list and the map."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Browser, Page, expect

from budgets.models import Budget, Heading, Outcome, Photo, Project, Proposal
from budgets.services import milestone_add, proposal_review
from tests.a11y import assert_accessible
from tests.budgets._cycle import (  # noqa: F401
    budget_fixture,
    budgets_media_fixture,
    jpeg_with_gps,
    propose,
    staff,
)
from tests.conftest import PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("budgets_media"),
]

TEXT = {
    "fr": {"propose": "Proposer un projet", "title": "Titre", "send": "Envoyer la proposition"},
    "en": {"propose": "Propose a project", "title": "Title", "send": "Send the proposal"},
}


def _page(browser: Browser, live_server: Any, language: str, user: Any = None) -> Page:
    context = browser.new_context(locale="fr-FR" if language == "fr" else "en-GB", viewport=PHONE)
    context.add_cookies([{"name": "civic_language", "value": language, "url": live_server.url}])
    if user is not None:
        client = Client()
        client.force_login(user)
        value = client.cookies["sessionid"].value
        context.add_cookies([{"name": "sessionid", "value": value, "url": live_server.url}])
    return context.new_page()


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_it_lets_a_resident_propose_with_a_photo_and_a_pin(
    browser: Browser, live_server: Any, resident: Any, budget: Any, tasks: Any, tmp_path: Path,
    language: str,
) -> None:  # fmt: skip
    resident.language = language
    resident.save(update_fields=["language"])
    page = _page(browser, live_server, language, resident)
    page.goto(live_server.url + budget.get_absolute_url())
    assert_accessible(page)
    _no_sideways_scroll(page)
    page.get_by_role("link", name=TEXT[language]["propose"]).click()
    expect(page.locator("#budgets-map")).to_be_visible()
    assert_accessible(page)
    page.get_by_label(TEXT[language]["title"], exact=True).fill("Des bancs à l'ombre")
    page.locator("#id_description").fill("Dix bancs sous les platanes.")
    page.locator("#id_estimated_cost").fill("4500")
    page.locator("#budgets-map").click()  # the pin, where the resident taps
    assert page.locator("#id_lat").input_value() != ""
    photo = tmp_path / "banc.jpg"
    photo.write_bytes(jpeg_with_gps())
    page.locator("input[type=file][name=photos]").set_input_files(str(photo))
    page.get_by_role("button", name=TEXT[language]["send"]).click()
    expect(page.locator("h1")).to_have_text("Des bancs à l'ombre")
    assert_accessible(page)
    _no_sideways_scroll(page)
    proposal = Proposal.objects.get()
    assert proposal.latitude is not None and Photo.objects.get().proposal == proposal


@pytest.mark.parametrize("language", ["fr", "en"])
def test_it_shows_the_review_on_the_proposal_page(
    browser: Browser, live_server: Any, resident: Any, budget_officer: Any, budget: Any,
    language: str,
) -> None:  # fmt: skip
    proposal = propose(budget, resident)
    Budget.objects.filter(pk=budget.pk).update(phase=Budget.Phase.REVIEW)
    proposal_review(
        actor=staff(budget_officer), proposal=proposal, feasibility="unfeasible",
        explanation="Le terrain appartient à l'État.",
    )  # fmt: skip
    page = _page(browser, live_server, language)
    page.goto(live_server.url + proposal.get_absolute_url())
    expect(page.get_by_text("Le terrain appartient à l'État.")).to_be_visible()
    assert_accessible(page)
    _no_sideways_scroll(page)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_it_shows_what_became_of_the_projects_as_a_list_and_a_map(
    browser: Browser, live_server: Any, resident: Any, budget_officer: Any, language: str
) -> None:
    budget = Budget.objects.create(title="Budget 2026", phase=Budget.Phase.IMPLEMENTATION)
    heading = Heading.objects.create(budget=budget, name="Ville", amount=Decimal(1000))
    project = Project.objects.create(heading=heading, pabulib_id="p1", title="Fontaines", cost=500)
    Proposal.objects.create(
        budget=budget, proposer=resident, title="Fontaines", description="Trois fontaines",
        estimated_cost=500, latitude=47.39, longitude=0.689, project=project,
    )  # fmt: skip
    Outcome.objects.create(heading=heading, rule="mes", fingerprint="x", selected=["p1"])
    milestone_add(
        actor=staff(budget_officer), project=project, date=date(2027, 3, 1),
        title="Chantier ouvert", status="in_progress", progress=40,
    )  # fmt: skip
    page = _page(browser, live_server, language)
    page.goto(live_server.url + "/budgets/projects/")
    expect(page.locator("#budgets-map .leaflet-marker-icon")).to_have_count(1)
    assert_accessible(page)
    _no_sideways_scroll(page)
    page.get_by_role("link", name="Fontaines").click()
    expect(page.get_by_text("Chantier ouvert")).to_be_visible()
    assert_accessible(page)
    _no_sideways_scroll(page)
