"""The report form on a phone with JavaScript: category search, the map pin, "use my position"."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from reports.models import Category
from tests.a11y import assert_accessible
from tests.conftest import PHONE
from tests.reports.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CENTER = (47.39, 0.689)  # the city's map centre (settings.CIVIC_CITY)


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "fr-FR", "viewport": PHONE}


@pytest.fixture
def categories(department: Any) -> None:
    for code, group, name, name_en in [
        ("nid-de-poule", "Voirie", "Nid-de-poule", "Pothole"),
        ("trottoir", "Voirie", "Trottoir abîmé", "Damaged pavement"),
        ("eclairage", "Éclairage", "Lampadaire éteint", "Street light out"),
        ("tag", "Propreté", "Tag ou graffiti", "Tag or graffiti"),
    ]:
        Category.objects.create(
            service_code=code,
            group=group,
            name=name,
            name_en=name_en,
            department=department,
            description="Un trou dans la chaussée." if code == "nid-de-poule" else "",
            description_en="A hole in the road." if code == "nid-de-poule" else "",
        )


def shown_options(page: Page) -> list[str]:
    """The names of the category radios a resident can see."""
    return page.locator("#id_category_0").evaluate(
        "box => [...box.querySelectorAll('.category-choice label')]"
        ".filter(label => label.checkVisibility()).map(label => label.textContent.trim())"
    )


def coordinates(page: Page) -> tuple[float, float]:
    return float(page.get_by_label("Latitude").input_value()), float(
        page.get_by_label("Longitude").input_value()
    )


def test_it_filters_the_categories_as_the_resident_types(
    page: Page, live_server: Any, categories: None
) -> None:
    page.goto(live_server.url + "/reports/new/")
    search = page.get_by_label("Chercher une catégorie")
    expect(search).to_be_visible()
    assert len(shown_options(page)) == 4
    search.fill("lampa")
    assert shown_options(page) == ["Lampadaire éteint"]
    expect(page.get_by_role("radio", name="Lampadaire éteint")).to_be_checked()
    expect(page.locator("#category-search-status")).to_have_text("1 catégorie correspond.")
    search.fill("voirie")  # a group's name shows its categories; accents and case ignored
    assert shown_options(page) == ["Nid-de-poule", "Trottoir abîmé"]
    search.fill("eclairage")
    assert shown_options(page) == ["Lampadaire éteint"]
    search.fill("zzz")
    assert shown_options(page) == []
    expect(page.locator("#category-search-status")).to_contain_text("Aucune catégorie")
    search.fill("")
    assert len(shown_options(page)) == 4
    search.fill("chaussée")  # descriptions are searched too
    assert shown_options(page) == ["Nid-de-poule"]
    search.press("Enter")  # to the choices, not sending the form
    expect(page.get_by_role("radio", name="Nid-de-poule")).to_be_focused()
    assert_accessible(page)


def test_it_searches_the_english_names_on_an_english_page(
    browser: Browser, live_server: Any, categories: None
) -> None:
    context = browser.new_context(locale="en-GB", viewport=PHONE)
    page = context.new_page()
    page.goto(live_server.url + "/reports/new/")
    page.get_by_label("Search a category").fill("light")
    assert shown_options(page) == ["Street light out"]
    assert_accessible(page)
    context.close()


def test_it_offers_radios_with_their_descriptions_without_javascript(
    browser: Browser, live_server: Any, categories: None
) -> None:
    context = browser.new_context(locale="fr-FR", viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/reports/new/")
    expect(page.get_by_label("Chercher une catégorie")).to_be_hidden()
    choices = page.get_by_role("group", name="Quel est le problème ?")
    expect(choices.get_by_role("group", name="Voirie").get_by_role("radio")).to_have_count(2)
    pothole = page.get_by_role("radio", name="Nid-de-poule")
    expect(pothole).to_have_accessible_description("Un trou dans la chaussée.")
    expect(page.get_by_text("Un trou dans la chaussée.")).to_be_visible()
    page.get_by_text("Tag ou graffiti").click()  # the label is the target
    expect(page.get_by_role("radio", name="Tag ou graffiti")).to_be_checked()
    context.close()  # (axe needs JavaScript: the same radios are checked with it above)


def test_it_sets_the_coordinates_from_a_click_or_a_dragged_pin(
    page: Page, live_server: Any, categories: None
) -> None:
    page.goto(live_server.url + "/reports/new/")
    area = page.get_by_role(
        "region", name="Carte : cliquez ou déplacez le repère jusqu'au problème"
    )
    expect(area).to_be_visible()
    expect(page.get_by_label("Latitude")).to_have_value("")

    area.scroll_into_view_if_needed()
    box = area.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2 + 40)
    lat, lon = coordinates(page)
    assert lat < CENTER[0] and abs(lat - CENTER[0]) < 0.01 and abs(lon - CENTER[1]) < 0.001

    marker = page.locator(".leaflet-marker-icon")
    marker.scroll_into_view_if_needed()
    pin = marker.bounding_box()
    assert pin is not None
    x, y = pin["x"] + pin["width"] / 2, pin["y"] + pin["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 30, y - 30, steps=5)
    page.mouse.move(x + 60, y - 60, steps=5)
    page.mouse.up()
    dragged_lat, dragged_lon = coordinates(page)
    assert dragged_lat > lat and dragged_lon > lon
    assert_accessible(page)


def test_it_uses_the_device_position_when_allowed(
    browser: Browser, live_server: Any, categories: None
) -> None:
    context = browser.new_context(
        locale="fr-FR",
        viewport=PHONE,
        geolocation={"latitude": INSIDE[0], "longitude": INSIDE[1]},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.goto(live_server.url + "/reports/new/")
    page.get_by_role("button", name="Utiliser ma position").click()
    expect(page.get_by_label("Latitude")).to_have_value(f"{INSIDE[0]:.6f}")
    expect(page.get_by_label("Longitude")).to_have_value(f"{INSIDE[1]:.6f}")
    assert_accessible(page)
    context.close()
