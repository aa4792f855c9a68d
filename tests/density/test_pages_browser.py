"""The density pages in chromium on a phone, in French and in English, axe on each page: a
passenger reports without an account, the same trip again in one tap, the line page's chart and
quieter departure, a refused stop's message; and no page scrolls sideways at 320 px."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from io import StringIO
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, ViewportSize, expect

from density import services
from density.cells import day_type_and_slot
from density.daytypes import day_type
from density.models import CrowdReport, Route, Stop
from density.seed import seed_density
from tests.a11y import assert_accessible
from tests.conftest import PHONE
from tests.density.test_forecast_rebuild import add_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW: ViewportSize = {"width": 320, "height": 640}
LOCALES = {"fr": "fr-FR", "en": "en-GB"}
TEXT = {
    "fr": {
        "report": "Signaler l'affluence",
        "packed": "Très forte : bondé",
        "seats": "Faible : places assises libres",
        "thanks": "Merci : votre signalement est pris en compte.",
        "same": "Même trajet que la dernière fois",
        "refused": "L'arrêt Saint-Martin n'est pas sur la ligne T1 dans ce sens.",
        "quieter": "moins chargé",
    },
    "en": {
        "report": "Report how crowded it is",
        "packed": "Very high: packed",
        "seats": "Low: seats free",
        "thanks": "Thank you: your report is counted.",
        "same": "Same trip as last time",
        "refused": "The stop Saint-Martin is not on line T1 in this direction.",
        "quieter": "quieter",
    },
}
LANGUAGES = pytest.mark.parametrize("language", ["fr", "en"])


@pytest.fixture
def tram(db: None) -> Route:
    seed_density(stdout=StringIO())
    return Route.objects.get(gtfs_id="T1")


def stop(gtfs_id: str) -> Stop:
    return Stop.objects.get(gtfs_id=gtfs_id)


def phone(browser: Browser, live_server: Any, language: str, size: ViewportSize = PHONE) -> Page:
    context = browser.new_context(locale=LOCALES[language], viewport=size)
    context.add_cookies([{"name": "civic_language", "value": language, "url": live_server.url}])
    return context.new_page()


@LANGUAGES
def test_it_takes_a_report_without_an_account_then_the_same_trip_in_one_tap(
    browser: Browser, live_server: Any, tram: Route, language: str
) -> None:
    text = TEXT[language]
    page = phone(browser, live_server, language)
    page.goto(live_server.url + "/density/")
    assert_accessible(page)

    page.get_by_role("link", name=text["report"]).first.click()
    assert_accessible(page)
    page.get_by_role("link", name="T1 - Pont de Loire - Parc des Expositions").click()
    assert_accessible(page)
    page.locator("ul.density-choices a").first.click()  # towards Parc des Expositions
    assert_accessible(page)
    page.get_by_role("link", name="Hôtel de Ville").click()
    assert_accessible(page)
    page.get_by_role("button", name=text["packed"]).click()

    expect(page.get_by_text(text["thanks"])).to_be_visible()
    assert_accessible(page)
    assert list(CrowdReport.objects.values_list("level", "stop__gtfs_id")) == [(4, "HDV")]

    page.goto(live_server.url + "/density/")
    same = page.locator("section", has=page.get_by_role("heading", name=text["same"]))
    expect(same).to_contain_text("Hôtel de Ville")
    assert_accessible(page)
    same.get_by_role("button", name=text["seats"]).click()  # one tap

    expect(page.get_by_text(text["thanks"])).to_be_visible()
    # The same trip within ten minutes: the new answer replaces the first.
    assert list(CrowdReport.objects.values_list("level", "stop__gtfs_id")) == [(1, "HDV")]


@LANGUAGES
def test_it_shows_the_message_when_the_stop_is_not_on_the_line(
    browser: Browser, live_server: Any, tram: Route, language: str
) -> None:
    text = TEXT[language]
    page = phone(browser, live_server, language)
    # An old bookmark, or a link edited by hand: a stop another line serves.
    page.goto(
        f"{live_server.url}/density/report/?route={tram.pk}&direction=0&stop={stop('STMARTIN').pk}"
    )
    page.get_by_role("button", name=text["packed"]).click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text(text["refused"])
    expect(summary).to_be_focused()
    assert_accessible(page)
    assert not CrowdReport.objects.exists()


def past_days_like(today: date, count: int) -> list[date]:
    """The last ``count`` days before ``today`` of the same day type (weekday, Saturday…)."""
    days: list[date] = []
    day = today - timedelta(days=1)
    while len(days) < count:
        if day_type(day) == day_type(today):
            days.append(day)
        day -= timedelta(days=1)
    return days


def crowded_at_eight_then_quiet(tram: Route) -> None:
    """On days like today, packed at Hôtel de Ville from 8:00, near empty from 8:30."""
    for day in past_days_like(timezone.localdate(), 2):
        for device in range(6):
            for minutes, level in ((0, 5), (10, 5), (30, 1), (40, 1), (50, 1)):
                at = timezone.make_aware(datetime.combine(day, time(8, minutes)))
                add_report(
                    route=tram.pk,
                    direction=0,
                    stop=stop("HDV").pk,
                    level=level,
                    at=at,
                    device=f"phone-{device}",
                )
    services.forecast_rebuild()


@LANGUAGES
def test_it_shows_the_lines_chart_and_a_quieter_departure(
    browser: Browser, live_server: Any, tram: Route, language: str
) -> None:
    crowded_at_eight_then_quiet(tram)
    day, _slot = day_type_and_slot(timezone.now())
    page = phone(browser, live_server, language)

    page.goto(
        f"{live_server.url}/density/lines/{tram.pk}/?direction=0&day={day}"
        f"&stop={stop('HDV').pk}&time=08:05"
    )

    expect(page.locator("#chart-day-title")).to_be_visible()
    expect(page.locator("figure svg rect").first).to_be_attached()
    quieter = page.locator(".density-departures tr", has_text=text_of(language, "quieter"))
    expect(quieter.first).to_be_visible()
    expect(quieter.first).to_contain_text("08:")
    assert quieter.first.locator("td").first.inner_text() > "08:05"
    assert_accessible(page)


def text_of(language: str, key: str) -> str:
    return TEXT[language][key]


@LANGUAGES
def test_it_never_scrolls_sideways_at_320_pixels(
    browser: Browser, live_server: Any, tram: Route, language: str
) -> None:
    page = phone(browser, live_server, language, NARROW)
    hdv = stop("HDV").pk
    for path in (
        "/density/",
        "/density/report/",
        f"/density/report/?route={tram.pk}",
        f"/density/report/?route={tram.pk}&direction=0",
        f"/density/report/?route={tram.pk}&direction=0&stop={hdv}",
        f"/density/lines/{tram.pk}/?stop={hdv}",
        f"/density/stops/{hdv}/",
        "/density/method/",
    ):
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= NARROW["width"], f"{path} is {width} px wide"
        assert_accessible(page)


def test_it_finds_the_lines_near_the_passenger_with_the_browsers_location(
    browser: Browser, live_server: Any, tram: Route
) -> None:
    expo = stop("EXPO")
    context = browser.new_context(
        locale="en-GB",
        viewport=PHONE,
        geolocation={"latitude": expo.latitude or 0.0, "longitude": expo.longitude or 0.0},
        permissions=["geolocation"],
    )
    context.add_cookies([{"name": "civic_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    page.goto(live_server.url + "/density/report/")

    page.get_by_text("Lines near me").click()
    page.get_by_role("button", name="Use my location").click()

    expect(page.get_by_role("heading", name="Lines near you")).to_be_visible()
    expect(page.get_by_text("Parc des Expositions, 0 m")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="T1 - Pont de Loire - Parc des Expositions").first.click()
    page.locator("ul.density-choices a").first.click()
    # Stops nearest first: the terminus the passenger stands at comes first.
    expect(page.locator("ul.density-choices li").first).to_contain_text("Parc des Expositions")
