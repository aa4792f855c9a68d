"""The mediator's and the kiosk's journeys in a real chromium, checked with axe on each page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from assist.kiosk import COOKIE_NAME
from assist.models import KioskTerminal, Mandate
from consent.models import ConsentEvent
from tests.a11y import assert_accessible
from tests.assist.conftest import emailed
from tests.conftest import PASSWORD, make_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "en-GB"}


def _sign_in(page: Page, base: str, email: str, then: str) -> None:
    page.goto(f"{base}/accounts/login/?next={then}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def test_it_a_mediator_records_a_mandate_and_acts_for_the_resident(
    page: Page,
    live_server: Any,
    mediator: Any,
    resident: Any,
    consent_purpose: Any,
) -> None:
    base = live_server.url
    mediator.language = "en"
    mediator.save()
    resident.language = "en"
    resident.save()
    _sign_in(page, base, mediator.email, "/assist/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mediation")
    assert_accessible(page)

    page.get_by_role("link", name="Record a new mandate").click()
    assert_accessible(page)
    page.get_by_role("button", name="Record the mandate").click()  # empty: errors, 400
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    page.get_by_label("has an email address", exact=False).check()
    assert_accessible(page)
    page.get_by_label("Resident's email address").fill(resident.email)
    page.get_by_label("Consent choices", exact=False).check()
    page.get_by_role("button", name="Record the mandate").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Confirm with the code the resident received"
    )
    assert_accessible(page)
    code, _link = emailed(resident.email)
    page.get_by_label("Code received by the resident").fill("00000000")
    page.get_by_role("button", name="Confirm the mandate").click()  # wrong: error, 400
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Code received by the resident").fill(code)
    page.get_by_role("button", name="Confirm the mandate").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Alice Martin")
    expect(page.get_by_role("status")).to_contain_text("The mandate is confirmed")
    assert_accessible(page)

    page.get_by_role("link", name="Print the mandate").click()
    expect(page.locator(".mandate-notice")).to_contain_text("Maison des services")
    assert_accessible(page)
    page.go_back()

    page.get_by_role("button", name="Give their consent: Area alerts").click()
    expect(page.get_by_role("status")).to_contain_text("The resident's choice is recorded")
    event = ConsentEvent.objects.get()
    assert event.channel == "mediator"
    page.get_by_role("link", name=f"Receipt no. {event.seq}").click()
    assert_accessible(page)

    # The resident, on their own device, sees it and revokes the mandate in one click.
    resident_page = page.context.browser.new_page(locale="en-GB")  # type: ignore[union-attr]
    _sign_in(resident_page, base, resident.email, "/my-data/")
    expect(resident_page.locator("#accesses")).to_contain_text("Maison des services")
    expect(resident_page.locator("#accesses")).not_to_contain_text("Maud")
    resident_page.get_by_role("link", name="My mandates").click()
    assert_accessible(resident_page)
    resident_page.get_by_role("button", name="Revoke the mandate of Maison des services").click()
    expect(resident_page.get_by_role("status")).to_contain_text("is revoked")
    assert_accessible(resident_page)
    assert Mandate.objects.get().revoked_by_role == "resident"


def test_it_a_paper_mandate_is_shown_to_the_resident_by_the_mediator_and_after_sign_in(
    page: Page, live_server: Any, mediator: Any, resident: Any
) -> None:
    base = live_server.url
    mediator.language = "en"
    mediator.save()
    resident.language = "en"
    resident.save()
    _sign_in(page, base, mediator.email, "/assist/mandates/new/")
    page.get_by_label("has no email address", exact=False).check()
    page.get_by_label("Resident's name").fill("Rose Sans-Courriel")
    page.get_by_label("Consent choices", exact=False).check()
    page.get_by_role("button", name="Record the mandate").click()
    page.get_by_role("button", name="The resident has signed the printed mandate").click()
    expect(page.get_by_role("heading", name="Tell the resident")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="The resident has been shown it and keeps it").click()
    expect(page.get_by_role("heading", name="Tell the resident")).to_have_count(0)
    assert Mandate.objects.get().resident_informed_at is not None

    # A paper mandate recorded before residents with an email confirmed by code (the migration
    # leaves those unseen): the resident finds it after signing in, and revokes it there.
    Mandate.objects.update(resident=resident, resident_informed_at=None)
    resident_page = page.context.browser.new_page(locale="en-GB")  # type: ignore[union-attr]
    _sign_in(resident_page, base, resident.email, "/my-data/")
    banner = resident_page.get_by_role("complementary", name="A mandate was recorded for you")
    expect(banner).to_contain_text("Maison des services")
    assert_accessible(resident_page)
    banner.get_by_role("button", name="Revoke the mandate of Maison des services").click()
    expect(resident_page.get_by_role("status")).to_contain_text("is revoked")
    expect(banner).to_have_count(0)
    assert Mandate.objects.get().revoked_by_role == "resident"


def test_it_a_resident_gives_consent_at_a_kiosk_and_clears_it(
    page: Page, live_server: Any, resident: Any, consent_purpose: Any
) -> None:
    base = live_server.url
    resident.language = "en"
    resident.save()
    terminal = KioskTerminal.objects.create(name="Town hall kiosk", location="Hall")
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
    assert_accessible(page)
    page.get_by_role("link", name="My consents: give or withdraw").click()
    page.get_by_label("Email").fill(resident.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My consents")
    assert_accessible(page)
    button = page.get_by_role("button", name="Give my consent: Area alerts")
    assert button.bounding_box()["height"] >= 64  # type: ignore[index]
    button.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Consent receipt")
    expect(page.locator("main svg.qr")).to_be_visible()
    assert_accessible(page)
    assert ConsentEvent.objects.get().channel == "kiosk"

    page.locator("#kiosk-bar").get_by_role("button", name="Finish and clear").click()
    expect(page.get_by_role("status")).to_contain_text("The screen is cleared")
    assert_accessible(page)
    page.goto(base + "/kiosk/consents/")
    expect(page.get_by_label("Password")).to_be_visible()  # signed out


def test_it_an_idle_kiosk_warns_then_clears_the_screen(
    page: Page, live_server: Any, resident: Any, consent_purpose: Any, settings: Any
) -> None:
    settings.CIVIC_KIOSK_IDLE_SECONDS = 40  # the page warns after 10 s, clears after 20 s
    base = live_server.url
    resident.language = "en"
    resident.save()
    terminal = KioskTerminal.objects.create(name="Town hall kiosk", location="Hall")
    staff = make_person("sup@example.org", staff=True, group="mediator_supervisor")
    activation = Client()
    activation.force_login(staff)
    activation.post(f"/kiosk/activate/{terminal.pk}/")
    page.context.add_cookies(
        [{"name": COOKIE_NAME, "value": activation.cookies[COOKIE_NAME].value, "url": base}]
    )
    _sign_in(page, base, resident.email, "/kiosk/consents/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My consents")

    dialog = page.get_by_role("dialog", name="Are you still there?")
    expect(dialog).to_be_visible(timeout=15_000)
    assert_accessible(page)
    expect(page).to_have_url(re.compile(r"/kiosk/\?cleared=1$"), timeout=15_000)
    page.goto(base + "/kiosk/consents/")
    expect(page.get_by_label("Password")).to_be_visible()  # the session is gone
