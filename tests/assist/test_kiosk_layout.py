"""A kiosk terminal's own layout and home: pictogram tiles for every service installed, the
mediation places to get help, and "Continue on your phone" always giving a public address."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from assist.models import Organisation
from assist.qr import qr_svg
from civic.registry import kiosk_tiles
from tests.assist.test_kiosk import activate

pytestmark = pytest.mark.django_db


@pytest.fixture
def kiosk(kiosk_terminal: Any, mediator_supervisor: Any, settings: Any) -> Client:
    settings.CIVIC_SITE_URL = "https://civic.example.org"
    return activate(kiosk_terminal, mediator_supervisor)


def test_it_the_site_home_on_a_terminal_is_the_kiosk_home(kiosk: Client, client: Client) -> None:
    response = kiosk.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/kiosk/"
    assert "no-store" in response["Cache-Control"]
    assert client.get("/").status_code == 200  # elsewhere, the website's home


def test_it_the_kiosk_home_shows_a_pictogram_tile_for_every_service(kiosk: Client) -> None:
    page = kiosk.get("/kiosk/").content.decode()

    tiles = re.findall(r'<li><a href="([^"]+)"><img src="([^"]+)" alt=""', page)
    assert len(tiles) == len(kiosk_tiles()) >= 4
    for _href, icon in tiles:
        assert icon.endswith(".svg")  # pictograms served by the app, never emoji
    hrefs = [href for href, _icon in tiles]
    assert "/reports/new/" in hrefs or any("report" in href for href in hrefs)
    assert "/kiosk/consents/" in hrefs and "/kiosk/my-data/" in hrefs
    assert "/mediation/places/" in hrefs


def test_it_every_tile_icon_is_served(kiosk: Client) -> None:
    from django.contrib.staticfiles import finders

    for tile in kiosk_tiles():
        if tile.icon:
            assert finders.find(tile.icon), tile.icon


def test_it_get_help_lists_the_mediation_places_and_their_hours(
    kiosk: Client, organisation: Any
) -> None:
    organisation.address = "12 rue des Halles"
    organisation.opening_hours = "Monday to Friday, 9:00 to 12:00\nSaturday, 9:00 to 12:00"
    organisation.save()
    Organisation.objects.create(code="closed", name="Closed place", is_active=False)

    page = kiosk.get("/mediation/places/").content.decode()

    assert organisation.name in page and "12 rue des Halles" in page
    assert "Monday to Friday, 9:00 to 12:00" in page
    assert "Closed place" not in page


def test_it_my_data_at_a_kiosk_offers_sign_in_or_goes_there(kiosk: Client, resident: Any) -> None:
    page = kiosk.get("/kiosk/my-data/").content.decode()
    assert "/accounts/login/?next=/my-data/" in page

    kiosk.force_login(resident)
    response = kiosk.get("/kiosk/my-data/")
    assert (response.status_code, response["Location"]) == (302, "/my-data/")


@pytest.mark.parametrize(
    ("shown", "public"),
    [
        ("/kiosk/?cleared=1", "https://civic.example.org/"),
        ("/kiosk/my-data/", "https://civic.example.org/my-data/"),
        ("/districts/?page=2&cleared=1", "https://civic.example.org/districts/?page=2"),
        ("/mediation/places/", "https://civic.example.org/mediation/places/"),
    ],
)
def test_it_continue_on_your_phone_encodes_the_public_address(
    kiosk: Client, shown: str, public: str
) -> None:
    page = kiosk.get(shown).content.decode()

    assert qr_svg(public) in page
    assert f'<code class="hash">{public}</code>' in page
    assert "cleared" not in re.search(r'<code class="hash">([^<]*)</code>', page).group(1)  # type: ignore[union-attr]
