"""Deeply nested JSON to every sensor endpoint, with every kind of credential: a 4xx, never a
5xx (issue 11, item 18: it was a RecursionError)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.sensors.test_push_airrohr import firmware_headers

pytestmark = pytest.mark.django_db

DEEP = "[" * 100_000 + "]" * 100_000  # deeper than Python's recursion limit


@pytest.mark.parametrize(
    ("url", "auth"),
    [
        ("/api/sensors/readings/", "key"),
        ("/api/sensors/readings/", "secret"),
        ("/api/sensors/push/ttn/", "basic"),
        ("/api/sensors/push/airrohr/", "airrohr"),
    ],
)
def test_it_deeply_nested_json_to_the_sensor_endpoints_is_refused_not_a_500(
    client: Client,
    url: str,
    auth: str,
    native_device: Any,
    airrohr_device: Any,
    sensors_key: str,
) -> None:
    headers = {
        "key": {"Authorization": f"Api-Key {sensors_key}"},
        "secret": {"Authorization": f"Bearer {native_device.secret}"},
        "basic": {"Authorization": f"Bearer {sensors_key}"},
        "airrohr": firmware_headers(airrohr_device),
    }[auth]
    response = client.post(url, DEEP, content_type="application/json", headers=headers)
    assert response.status_code == 400, response.content[:300]
