"""Picking the line to report on: search, recent lines (this browser), favourite lines (an
account), lines near a shared place, and its stops nearest first."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from consent import registry
from density.models import FavouriteLine, Route, Stop
from density.personal_data import favourites_retention
from density.seed import seed_density
from density.views import RECENT_COOKIE

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def network(client: Client) -> None:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    seed_density(stdout=StringIO())


def line(gtfs_id: str) -> Route:
    return Route.objects.get(gtfs_id=gtfs_id)


def place(gtfs_id: str) -> dict[str, str]:
    stop = Stop.objects.get(gtfs_id=gtfs_id)
    return {"lat": f"{stop.latitude:.5f}", "lon": f"{stop.longitude:.5f}"}


def section(page: str, heading: str) -> str:
    """The part of the page from ``heading`` to the next heading."""
    start = page.index(heading)
    end = page.find("<h3", start + 1)
    return page[start : end if end > 0 else None]


def report(client: Client, route: Route, stop: str, level: int = 3) -> Any:
    return client.post(
        "/density/report/",
        {"route": route.pk, "direction": 0, "stop": Stop.objects.get(gtfs_id=stop).pk, "level": 3},
    )


def test_it_finds_a_line_by_number_or_name_without_javascript(client: Client) -> None:
    by_number = client.get("/density/report/", {"q": "T1"}).content.decode()
    by_name = client.get("/density/report/", {"q": "coteaux"}).content.decode()
    nothing = client.get("/density/report/", {"q": "Atlantis"}).content.decode()

    assert f"?route={line('T1').pk}" in by_number and f"?route={line('B2').pk}" not in by_number
    found = section(by_name, "Lines found")
    assert f"?route={line('B2').pk}" in found and f"?route={line('B5').pk}" in found
    assert f"?route={line('T1').pk}" not in found
    assert "No line matches." in nothing


def test_it_offers_the_lines_this_browser_reported_on_latest_first(client: Client) -> None:
    assert "Your recent lines" not in client.get("/density/report/").content.decode()

    report(client, line("B2"), "HDV")
    response = report(client, line("T1"), "HDV")
    page = client.get("/density/report/").content.decode()

    assert response.cookies[RECENT_COOKIE].value == f"{line('T1').pk}.{line('B2').pk}"
    recent = section(page, "Your recent lines")
    assert recent.index(f"?route={line('T1').pk}") < recent.index(f"?route={line('B2').pk}")
    assert f"?route={line('B5').pk}" not in recent


def test_it_keeps_a_signed_in_residents_favourite_lines(client: Client, resident: Any) -> None:
    client.force_login(resident)  # who reads French: an account's language wins

    added = client.post(f"/density/lines/{line('B5').pk}/favourite/", {"keep": "1"}, follow=True)
    page = client.get("/density/report/").content.decode()

    assert "La ligne 5 fait partie de vos lignes favorites." in added.content.decode()
    assert "Retirer de mes lignes favorites" in added.content.decode()
    assert f"?route={line('B5').pk}" in section(page, "Vos lignes favorites")
    client.post(f"/density/lines/{line('B5').pk}/favourite/", {"keep": "0"})
    assert "Vos lignes favorites" not in client.get("/density/report/").content.decode()


def test_it_asks_a_visitor_to_sign_in_to_keep_a_favourite(client: Client) -> None:
    page = client.get(f"/density/lines/{line('T1').pk}/").content.decode()
    response = client.post(f"/density/lines/{line('T1').pk}/favourite/", {"keep": "1"})

    assert "Add to my favourite lines" not in page
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not FavouriteLine.objects.exists()


def test_it_shows_the_lines_near_a_shared_place_nearest_first(client: Client) -> None:
    page = client.get("/density/report/", place("EXPO")).content.decode()
    nearby = section(page, "Lines near you")

    assert "Parc des Expositions, 0 m" in nearby
    assert nearby.index(f"?route={line('T1').pk}") < nearby.index(f"?route={line('B5').pk}")
    assert f"?route={line('B2').pk}" not in nearby, "line 2 stops more than 1.5 km away"
    assert "Use my location" not in page


def test_it_offers_a_place_to_type_or_the_browsers_location_when_none_is_shared(
    client: Client,
) -> None:
    page = client.get("/density/report/").content.decode()

    assert 'name="lat"' in page and "Use my location" in page and "density/locate" in page


def test_it_lists_the_stops_nearest_first_when_the_place_is_known(client: Client) -> None:
    bus = line("B2")
    in_order = client.get("/density/report/", {"route": bus.pk, "direction": 0}).content.decode()
    near = client.get(
        "/density/report/", {"route": bus.pk, "direction": 0, **place("STMARTIN")}
    ).content.decode()

    in_order, near = (page[page.index("At which stop?") :] for page in (in_order, near))
    assert in_order.index("Les Coteaux") < in_order.index("Saint-Martin")
    assert near.index("Saint-Martin") < near.index("Plaisance") < near.index("Les Coteaux")
    assert "Nearest first." in near and "0 m" in near


def test_it_ignores_a_place_that_cannot_be(client: Client) -> None:
    page = client.get("/density/report/", {"lat": "91", "lon": "x"}).content.decode()

    assert "Lines near you" not in page and "Every line" in page


def test_it_exports_erases_and_expires_favourite_lines(resident: Any) -> None:
    FavouriteLine.objects.create(user=resident, route=line("T1"))
    density = next(r for r in registry.registrations() if r.app_label == "density")

    exported = density.exporter(resident)
    assert [f["line"] for f in exported["favourite_lines"]] == [str(line("T1"))]
    assert favourites_retention(now=timezone.now()) == 0
    resident.last_login = timezone.now() - timedelta(days=800)
    resident.save(update_fields=["last_login"])
    assert favourites_retention(now=timezone.now()) == 1

    FavouriteLine.objects.create(user=resident, route=line("B2"))
    receipt = density.eraser(resident, actor=None)
    assert receipt["deleted"] and not FavouriteLine.objects.exists()
