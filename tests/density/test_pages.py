"""Resident pages, without JavaScript or an account: report, line, stop and method pages."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from io import StringIO

import pytest
from django.test import Client
from django.utils import timezone, translation

from civic.registry import home_tiles, kiosk_tiles
from density import services
from density.daytypes import DayType, day_type
from density.models import CrowdReport, Route, RouteStop, Stop
from density.seed import seed_density
from density.selectors import quieter_departures
from density.views import DEVICE_COOKIE, LAST_TRIP_COOKIE
from tests.density.test_forecast_rebuild import add_report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client: Client) -> None:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def tram() -> Route:
    seed_density(stdout=StringIO())
    return Route.objects.get(gtfs_id="T1")


def hdv() -> Stop:
    return Stop.objects.get(gtfs_id="HDV")


def test_it_lists_the_lines_and_finds_one(client: Client, tram: Route) -> None:
    page = client.get("/density/").content.decode()
    found = client.get("/density/", {"q": "Coteaux - Saint"}).content.decode()

    assert (
        "How crowded?" in page and "Pont de Loire" in page and "Les Coteaux - Saint-Martin" in page
    )
    assert "Les Coteaux - Saint-Martin" in found and "Pont de Loire - Parc" not in found


def test_it_walks_a_passenger_through_line_direction_stop_and_level(
    client: Client, tram: Route
) -> None:
    lines = client.get("/density/report/").content.decode()
    directions = client.get("/density/report/", {"route": tram.pk}).content.decode()
    stops = client.get("/density/report/", {"route": tram.pk, "direction": 0}).content.decode()
    levels = client.get(
        "/density/report/", {"route": tram.pk, "direction": 0, "stop": hdv().pk}
    ).content.decode()

    assert f"?route={tram.pk}" in lines
    assert "Towards Parc des Expositions" in directions
    assert stops.index("Pont de Loire") < stops.index("Hôtel de Ville") < stops.index("Gare")
    for words in ("seats free", "a few standing", "many standing", "packed", "hard to get on"):
        assert words in levels


def test_it_takes_a_report_without_an_account_and_makes_the_next_one_one_tap(
    client: Client, tram: Route
) -> None:
    response = client.post(
        "/density/report/", {"route": tram.pk, "direction": 0, "stop": hdv().pk, "level": 4}
    )

    assert response.status_code == 302
    assert response["Location"].startswith(f"/density/lines/{tram.pk}/")
    report = CrowdReport.objects.get()
    assert (report.level, report.stop, report.channel) == (4, hdv(), "web")
    assert response.cookies[DEVICE_COOKIE]["max-age"] == 90 * 86400
    assert response.cookies[LAST_TRIP_COOKIE].value == f"{tram.pk}:0:{hdv().pk}"

    home = client.get("/density/").content.decode()
    assert "Same trip as last time" in home and f'name="stop" value="{hdv().pk}"' in home
    again = client.post(
        "/density/report/", {"route": tram.pk, "direction": 0, "stop": hdv().pk, "level": 2}
    )
    assert DEVICE_COOKIE not in again.cookies, "the token is kept, not renewed at each report"
    # The same trip within ten minutes: the new answer replaces the first.
    assert list(CrowdReport.objects.values_list("level", "device_hash")) == [
        (2, report.device_hash)
    ]


def test_it_refuses_a_stop_not_on_the_line_with_a_message(client: Client, tram: Route) -> None:
    elsewhere = Stop.objects.get(gtfs_id="STMARTIN")

    response = client.post(
        "/density/report/", {"route": tram.pk, "direction": 0, "stop": elsewhere.pk, "level": 3}
    )

    assert response.status_code == 400
    assert "The stop Saint-Martin is not on line T1 in this direction." in response.content.decode()
    assert not CrowdReport.objects.exists()


def test_it_refuses_an_unknown_level_with_a_message(client: Client, tram: Route) -> None:
    response = client.post(
        "/density/report/", {"route": tram.pk, "direction": 0, "stop": hdv().pk, "level": 9}
    )

    assert response.status_code == 400
    assert "Choose one of the five crowding levels." in response.content.decode()


def crowded_then_quiet(tram: Route) -> datetime:
    """Packed at Hôtel de Ville between 8:00 and 8:15 on weekdays, near empty from 8:30."""
    day = timezone.localdate() + timedelta(days=1)
    while day_type(day) != DayType.WEEKDAY:
        day += timedelta(days=1)
    at = timezone.make_aware(datetime.combine(day, time(8, 5)))
    for week in range(1, 3):
        for device in range(6):
            for minutes, level in ((0, 5), (10, 5), (30, 1), (40, 1), (50, 1)):
                add_report(
                    route=tram.pk,
                    direction=0,
                    stop=hdv().pk,
                    level=level,
                    at=at.replace(minute=0) - timedelta(days=7 * week, minutes=-minutes),
                    device=f"phone-{device}",
                )
    services.forecast_rebuild()
    return at


def test_it_points_to_quieter_departures_within_half_an_hour(tram: Route) -> None:
    at = crowded_then_quiet(tram)

    nearest, departures = quieter_departures(stop=hdv(), route_id=tram.pk, direction_id=0, at=at)

    assert nearest is not None and nearest.level is not None and nearest.level >= 4
    half_past = at.replace(minute=30)
    assert [d.quieter for d in departures if d.departure.at >= half_past] == [True] * len(
        [d for d in departures if d.departure.at >= half_past]
    )
    assert not any(d.quieter for d in departures if d.departure.at < at.replace(minute=15))
    assert any(d.departure.at >= half_past for d in departures)
    assert all(abs(d.departure.at - at) <= timedelta(minutes=30) for d in departures)


def test_it_shows_a_lines_day_as_a_table_and_a_chart(client: Client, tram: Route) -> None:
    crowded_then_quiet(tram)

    page = client.get(
        f"/density/lines/{tram.pk}/", {"direction": 0, "day": "weekday", "stop": hdv().pk}
    ).content.decode()

    assert "<svg" in page and "<title>08:00: " in page
    assert "Every stop, hour by hour" in page
    for route_stop in RouteStop.objects.filter(pattern__route=tram, pattern__direction_id=0):
        assert route_stop.stop.name.replace("'", "&#x27;") in page


def test_it_shows_a_stops_next_departures(client: Client, tram: Route) -> None:
    page = client.get(f"/density/stops/{hdv().pk}/").content.decode()

    assert "Hôtel de Ville" in page and "Next departures" in page


def test_it_explains_the_method_linked_from_the_algorithm_register(
    client: Client, tram: Route
) -> None:
    register = client.get("/privacy/algorithms/").content.decode()
    method = client.get("/density/method/").content.decode()

    assert 'href="/density/method/"' in register
    assert "at least 5 different devices" in method and "90 days" in method


def test_it_has_a_home_and_a_kiosk_tile() -> None:
    assert any(t.key == "density" and t.in_menu for t in home_tiles())
    with translation.override("en"):
        assert any(t.key == "density" and str(t.title) == "How crowded?" for t in kiosk_tiles())


def test_it_speaks_french_by_default(tram: Route) -> None:
    page = Client().get(f"/density/lines/{tram.pk}/").content.decode()

    assert "Quelle affluence sur la ligne" in page and "Chaque arrêt, heure par heure" in page
