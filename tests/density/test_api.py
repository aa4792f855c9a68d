"""The density API: forecasts as open data (in the schema), crowd reports with a density key."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from civic.models import ApiClient
from density import services
from density.cells import day_type_and_slot
from density.models import CrowdReport, Route, RouteStop
from density.seed import seed_density
from tests.density.test_forecast_rebuild import add_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def tram() -> Route:
    seed_density(stdout=StringIO())
    return Route.objects.get(gtfs_id="T1")


def same_day_type_before(at: datetime, count: int) -> list[datetime]:
    """``count`` earlier days at the same time and of the same day type (holidays skipped)."""
    wanted = day_type_and_slot(at)
    days: list[datetime] = []
    moment = at
    while len(days) < count:
        moment -= timedelta(days=1)
        if day_type_and_slot(moment) == wanted:
            days.append(moment)
    return days


def api_key(*scopes: str) -> str:
    key = ApiClient.new_key()
    ApiClient.objects.create(
        name="App", key_hash=ApiClient.hash_key(key), key_prefix=key[:10], scopes=list(scopes)
    )
    return key


def test_it_gives_the_forecast_of_a_line_at_a_stop(client: Client, tram: Route) -> None:
    stop = RouteStop.objects.get(pattern__route=tram, pattern__direction_id=0, position=2).stop
    at = timezone.now()
    for i, day in enumerate(same_day_type_before(at, 6)):
        add_report(route=tram.pk, direction=0, stop=stop.pk, level=4, at=day, device=f"d{i}")
    services.forecast_rebuild()

    response = client.get(
        "/api/density/forecast/",
        {"route": "T1", "stop": stop.gtfs_id, "direction": 0, "at": at.isoformat()},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["level"] == 4 and body["level_name"] == "very_high"
    assert body["occupancy_status"] == "CRUSHED_STANDING_ROOM_ONLY"
    assert body["samples"] == 6


def test_it_says_when_a_cell_has_too_little_data(client: Client, tram: Route) -> None:
    response = client.get("/api/density/forecast/", {"route": "T1", "stop": "GARE", "direction": 1})

    assert response.status_code == 200
    assert response.json()["level"] is None


def test_it_answers_a_structured_error_for_an_unknown_line(client: Client, tram: Route) -> None:
    response = client.get(
        "/api/density/forecast/",
        {"route": "T9", "stop": "GARE", "direction": 0},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 404
    assert response.json()["error"]["fields"] == {"route": ["This line does not exist."]}


def test_it_is_in_the_openapi_schema(client: Client) -> None:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()

    assert "/api/density/forecast/" in schema and "/api/density/reports/" in schema


def post(client: Client, key: str | None, **data: Any) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Api-Key {key}"} if key else {}
    body = {"route": "T1", "direction": 0, "stop": "HDV", "level": 2, "device_token": "abc"}
    body.update(data)
    return client.post(
        "/api/density/reports/",
        body,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **headers,
    )


def test_it_takes_an_apps_crowd_report_with_a_density_key(client: Client, tram: Route) -> None:
    response = post(client, api_key("density"))

    assert response.status_code == 201
    report = CrowdReport.objects.get()
    assert (report.level, report.channel, report.stop.gtfs_id) == (2, "api", "HDV")
    assert "abc" not in report.device_hash


@pytest.mark.parametrize("scopes", [None, ("reports",)], ids=["no-key", "other-scope"])
def test_it_refuses_a_report_without_a_density_key(
    client: Client, tram: Route, scopes: tuple[str, ...] | None
) -> None:
    response = post(client, api_key(*scopes) if scopes else None)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert not CrowdReport.objects.exists()


def test_it_refuses_a_stop_not_on_the_line_with_a_message(client: Client, tram: Route) -> None:
    response = post(client, api_key("density"), stop="STMARTIN")

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["stop"] == [
        "The stop Saint-Martin is not on line T1 in this direction."
    ]
