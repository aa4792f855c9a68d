"""The home page, its tiles from the registry, the footer every page carries, the 404 page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civic.registry import HomeTile, home_tiles, register_home_tile

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiles(registries: None) -> Iterator[None]:
    """Tiles registered during the test vanish after it; those of the installed apps stay."""
    yield


def test_it_lists_the_tiles_apps_register(client: Client, tiles: None) -> None:
    register_home_tile(
        HomeTile(
            key="test-privacy",
            title=_("Privacy notice"),
            description="Ce que la ville fait de vos données.",
            url_name="privacy_notice",
            icon="🔒",
        )
    )
    html = client.get(reverse("home")).content.decode()
    assert f'<a href="{reverse("privacy_notice")}">' in html
    assert "Ce que la ville fait de vos données." in html
    assert "🔒" in html


def test_it_orders_the_tiles(client: Client, tiles: None) -> None:
    for key, order in (("test-late", 900), ("test-early", 1)):
        register_home_tile(
            HomeTile(key=key, title=key, description=f"{key} tile", url_name="home", order=order)
        )
    html = client.get(reverse("home")).content.decode()
    assert html.index("test-early tile") < html.index("test-late tile")


def test_it_forgets_a_tile_after_the_test(client: Client) -> None:
    assert "test-privacy" not in {tile.key for tile in home_tiles()}


def test_it_links_the_legal_pages_from_the_footer(client: Client) -> None:
    response = client.get(reverse("home"))
    footer = response.content.decode().split("<footer")[1]
    for name in ("legal_notice", "privacy_notice", "accessibility"):
        assert f'href="{reverse(name)}"' in footer
    assert 'href="mailto:dpo@civic.example"' in footer


@pytest.mark.parametrize("name", ["legal_notice", "privacy_notice", "accessibility"])
def test_it_serves_each_legal_page(client: Client, name: str) -> None:
    assert client.get(reverse(name)).status_code == 200


@override_settings(CIVIC_COMMIT="0123456789abcdef0123456789abcdef01234567")
def test_it_links_the_source_with_the_running_commit(client: Client) -> None:
    html = client.get(reverse("home")).content.decode()
    assert 'href="https://git.civic.example/civic/civic"' in html
    assert "0123456789ab" in html
    assert "0123456789abc" not in html


@override_settings(
    CIVIC_CITY={
        "name": "Bourg-les-Tests",
        "time_zone": "Europe/Paris",
        "map_center": (45.0, 5.0),
        "map_zoom": 12,
        "tile_url": "",
        "tile_attribution": "",
        "publisher": "Mairie de Bourg-les-Tests",
        "dpo_email": "dpo@bourg.example",
        "contact_email": "contact@bourg.example",
        "source_url": "https://code.bourg.example/civic",
    }
)
def test_it_shows_the_configured_city(client: Client) -> None:
    html = client.get(reverse("home")).content.decode()
    assert "Bourg-les-Tests" in html
    assert 'href="mailto:dpo@bourg.example"' in html
    assert 'href="https://code.bourg.example/civic"' in html


def test_it_answers_404_in_french_by_default(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "Page introuvable" in html
    assert response["Content-Language"] == "fr"


def test_it_answers_404_in_english_with_the_language_cookie(client: Client) -> None:
    client.cookies["civic_language"] = "en"
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Page not found" in html
    assert "Page introuvable" not in html
    assert response["Content-Language"] == "en"


def test_it_promises_only_the_services_that_run(client: Client) -> None:
    from civic.registry import home_tiles

    page = client.get("/", headers={"accept-language": "en"}).content.decode()
    for tile in home_tiles():
        assert f'href="{reverse(tile.url_name)}"' in page
    # Budgets declare their tile now that residents can take part (propose, support, follow).
    assert 'href="/budgets/"' in page
    # The reports map and list, one click from home (and in the menu).
    assert page.count(f'href="{reverse("reports:list")}"') >= 2
