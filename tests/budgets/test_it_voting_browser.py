"""Voting on a phone, in French and English, axe on each page: the live remaining-budget bar,
sending and changing a ballot, the close, the results; a kiosk voter with a letter code."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from assist.kiosk import COOKIE_NAME
from budgets.models import Ballot
from budgets.services import voting, voting_close
from civic.actors import Actor
from tests.a11y import assert_accessible
from tests.budgets._voting import open_budget, verified
from tests.conftest import make_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "fr": {
        "left": "Reste à dépenser",
        "over": "Dépassement du budget de",
        "send": "Envoyer mon bulletin",
        "sent": "Votre bulletin est enregistré",
        "voted": "Vous avez voté",
        "funded": "Financé",
        "code": "Votre code de vote",
        "continue": "Continuer",
        "finish": "J'ai fini de voter",
    },
    "en": {
        "left": "Left to spend",
        "over": "Over budget by",
        "send": "Send my ballot",
        "sent": "Your ballot is recorded",
        "voted": "You have voted",
        "funded": "Funded",
        "code": "Your voting code",
        "continue": "Continue",
        "finish": "I have finished voting",
    },
}


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_context_args,
        "viewport": {"width": 390, "height": 844},
        "locale": "fr-FR",  # a signed-in resident's own language wins over it
    }


def _signed_in(page: Page, base: str, user: Any) -> None:
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base, "httpOnly": True}]
    )


@pytest.mark.parametrize("language", ["fr", "en"])
def test_it_a_resident_votes_with_the_budget_bar_changes_the_ballot_and_sees_the_results(
    page: Page, live_server: Any, resident: Any, language: str
) -> None:
    text = TEXT[language]
    base = live_server.url
    resident.language = language
    resident.save()
    o = open_budget()
    verified(o.budget, resident, o.district)
    _signed_in(page, base, resident)

    page.goto(f"{base}/budgets/{o.budget.pk}/vote/")
    assert_accessible(page)
    page.get_by_role("link", name="Toute la ville").click()
    bar = page.locator("#budget-bar-text")
    expect(bar).to_contain_text(f"{text['left']} 100")
    assert_accessible(page)
    page.get_by_label("Parc").check()
    page.get_by_label("Rue").check()
    expect(bar).to_contain_text(f"{text['over']} 10")
    assert_accessible(page)
    page.get_by_label("Rue").uncheck()
    page.get_by_label("École").check()
    expect(bar).to_contain_text(f"{text['left']} 10")
    page.get_by_role("button", name=text["send"]).click()
    expect(page.get_by_role("status")).to_contain_text(text["sent"])
    expect(page.locator("main")).to_contain_text(text["voted"])
    assert_accessible(page)

    page.get_by_role("link", name="Toute la ville").click()  # change it
    expect(page.get_by_label("Parc")).to_be_checked()
    expect(page.get_by_label("École")).to_be_checked()
    page.get_by_label("École").uncheck()
    page.get_by_role("button", name=text["send"]).click()
    expect(page.get_by_role("status")).to_contain_text(text["sent"])
    assert list(Ballot.objects.get(heading=o.city).lines.values_list("project", flat=True)) == [
        o.parc.pk
    ]

    voting_close(actor=Actor.system(), budget=o.budget)
    page.goto(f"{base}/budgets/{o.budget.pk}/results/")
    row = page.get_by_role("row").filter(has_text="Parc").first
    expect(row).to_contain_text(text["funded"])
    assert_accessible(page)


def test_it_a_kiosk_voter_votes_with_a_letter_code(
    page: Page, live_server: Any, budget_officer: Any
) -> None:
    text = TEXT["fr"]
    base = live_server.url
    o = open_budget()
    letter = voting.voting_codes_issue(
        actor=Actor(channel="staff", user=budget_officer),
        budget=o.budget,
        count=1,
        district=o.district,
    )[0]
    from assist.models import KioskTerminal

    terminal = KioskTerminal.objects.create(name="Borne mairie", location="Hall")
    staff = make_person("sup@example.org", staff=True, group="mediator_supervisor")
    activation = Client()
    activation.force_login(staff)
    activation.post(f"/kiosk/activate/{terminal.pk}/")
    cookie = activation.cookies[COOKIE_NAME]
    page.context.add_cookies(
        [{"name": COOKIE_NAME, "value": cookie.value, "url": base, "httpOnly": True}]
    )

    page.goto(base + "/kiosk/")
    expect(page.locator("body")).to_have_class(re.compile(r"\bkiosk\b"))
    page.get_by_role("link", name="Projets et vote").click()
    assert_accessible(page)
    page.get_by_label(text["code"]).fill(voting.code_display(letter.code))
    page.get_by_role("button", name=text["continue"]).click()
    assert_accessible(page)
    page.get_by_role("link", name="Nord").click()
    page.get_by_label("Bancs").check()
    page.get_by_role("button", name=text["send"]).click()
    expect(page.get_by_role("status")).to_contain_text(text["sent"])
    page.get_by_role("button", name=text["finish"]).click()
    assert_accessible(page)

    assert Ballot.objects.get().channel == Ballot.Channel.KIOSK
