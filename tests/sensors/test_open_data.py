"""Open data: sensors, readings, aggregates and the index, as JSON and CSV, in the schema."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from sensors.rollups import aggregates_refresh
from tests.sensors.conftest import make_device
from tests.sensors.test_rollups import add

pytestmark = pytest.mark.django_db


@pytest.fixture
def hour() -> datetime:
    return timezone.now().astimezone(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(
        hours=2
    )


def test_it_lists_sensors_with_residents_positions_rounded(
    client: Any, districts: list[Any], resident: Any
) -> None:
    make_device(
        "esp8266-1", "airrohr", "air_quality", latitude=47.37654, longitude=0.66321, owner=resident
    )

    body = client.get("/api/sensors/").json()

    assert body == [
        {
            "device_id": "esp8266-1",
            "kind": "air_quality",
            "quantities": body[0]["quantities"],
            "latitude": 47.377,
            "longitude": 0.663,
            "district": "vieux-port",
        }
    ]


def test_it_serves_readings_as_json_and_csv(
    client: Any, airrohr_device: Any, hour: datetime
) -> None:
    add(airrohr_device.sensor, "pm25", [(hour, 10.0), (hour + timedelta(minutes=5), 12.5)])

    as_json = client.get("/api/sensors/data/readings/", {"sensor": "esp8266-13463419"}).json()
    as_csv = client.get("/api/sensors/data/readings/", {"quantity": "pm25", "format": "csv"})

    assert [(row["value"], row["unit"]) for row in as_json] == [(10.0, "µg/m³"), (12.5, "µg/m³")]
    assert as_csv["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode())))
    assert [row["value"] for row in rows] == ["10.0", "12.5"]
    assert rows[0]["sensor"] == "esp8266-13463419"


def test_it_serves_district_aggregates_and_the_index(
    client: Any, airrohr_device: Any, hour: datetime
) -> None:
    add(airrohr_device.sensor, "no2", [(hour, 30.0), (hour + timedelta(minutes=30), 50.0)])
    aggregates_refresh()

    aggregates = client.get(
        "/api/sensors/data/aggregates/", {"district": "vieux-port", "quantity": "no2"}
    ).json()
    index = client.get("/api/sensors/data/air-quality/", {"district": "vieux-port"}).json()

    assert [
        (datetime.fromisoformat(a["start"]), a["mean"], a["count"], a["sensor"]) for a in aggregates
    ] == [(hour, 40.0, 2, None)]
    assert index[0]["level"] == 3 and index[0]["scale"] == "eaqi-2024"


def test_it_refuses_a_window_longer_than_a_month(client: Any, db: None) -> None:
    response = client.get(
        "/api/sensors/data/readings/",
        {"since": "2026-01-01T00:00:00Z", "until": "2026-03-01T00:00:00Z"},
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_it_documents_the_sensor_endpoints_in_the_openapi_schema(client: Any, db: None) -> None:
    schema = client.get("/api/schema/", {"format": "json"}).json()

    for path in (
        "/api/sensors/",
        "/api/sensors/data/readings/",
        "/api/sensors/data/aggregates/",
        "/api/sensors/data/air-quality/",
        "/api/sensors/readings/",
    ):
        assert path in schema["paths"], path
