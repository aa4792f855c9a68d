"""The public sensor map and a district's air-quality page."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sensors.rollups import aggregates_refresh
from tests.sensors.conftest import make_device
from tests.sensors.test_rollups import add

pytestmark = pytest.mark.django_db


@pytest.fixture
def measured(airrohr_device: Any, resident: Any) -> Any:
    hour = timezone.now().astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    add(airrohr_device.sensor, "pm25", [(hour - timedelta(hours=h), 12.0) for h in range(24)])
    add(airrohr_device.sensor, "no2", [(hour, 30.0)])
    make_device(
        "esp8266-77", "airrohr", "air_quality", latitude=47.37654, longitude=0.66321, owner=resident
    )
    aggregates_refresh()
    return airrohr_device


def test_it_shows_sensors_with_their_latest_values_and_district_index(
    client: Any, measured: Any
) -> None:
    page = client.get("/sensors/", headers={"accept-language": "en"}).content.decode()

    assert "esp8266-13463419" in page
    assert "12.0" in page and "µg/m³" in page
    assert "aqi-chip--3" in page  # Vieux-Port is moderate (NO2)
    assert "47.37654" not in page and "47.377" in page  # the resident's home stays vague


def test_it_charts_a_districts_air_over_24_hours_and_7_days(client: Any, measured: Any) -> None:
    response = client.get("/sensors/districts/vieux-port/", headers={"accept-language": "en"})

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("<svg") == 3 and "<details>" in page
    assert "Moderate" in page


def test_it_answers_404_for_an_unknown_district(client: Any, db: None) -> None:
    assert client.get("/sensors/districts/atlantis/").status_code == 404


def test_it_lists_sensors_in_a_fixed_number_of_queries(
    client: Any, measured: Any, django_assert_num_queries: Any
) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/sensors/").status_code == 200
        return len(captured.captured_queries)

    few = count()
    hour = timezone.now().astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    more = [make_device(f"esp8266-9{i}", "airrohr", "air_quality") for i in range(5)]
    for device in more:
        add(device.sensor, "pm25", [(hour, 8.0)])
    aggregates_refresh()

    with django_assert_num_queries(few):
        page = client.get("/sensors/").content.decode()
    assert all(device.device_id in page for device in more)
    assert few <= 8, f"the sensors page costs {few} queries"
