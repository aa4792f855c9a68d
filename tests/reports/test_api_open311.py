"""Open311 as part of the API: throttled per IP and per client, described in the schema, and
refusing in its own format (a 403 with the spec's list, never DRF's 401)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.test import Client
from drf_spectacular.validation import validate_schema

from civic.models import ApiClient
from tests.reports.conftest import INSIDE

pytestmark = pytest.mark.django_db


def parse_xml(content: bytes) -> ET.Element:
    return ET.fromstring(content)  # noqa: S314 - our own response, not untrusted input


@pytest.fixture
def api_key(db: None) -> str:
    key = ApiClient.new_key()
    ApiClient.objects.create(
        name="App", key_hash=ApiClient.hash_key(key), key_prefix=key[:10], scopes=["reports"]
    )
    return key


@pytest.fixture
def low_rates(settings: Any) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "5/minute"},
    }


def test_it_throttles_anonymous_clients_per_ip_in_the_spec_format(
    client: Client, category: Any, low_rates: None
) -> None:
    for _ in range(3):
        assert client.get("/open311/v2/services.json").status_code == 200
    response = client.get("/open311/v2/services.xml")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert parse_xml(response.content).find("error/code").text == "429"
    other = client.get("/open311/v2/services.json", REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 200


def test_it_throttles_a_key_as_one_client_whatever_its_address(
    client: Client, category: Any, api_key: str, low_rates: None
) -> None:
    for n in range(5):
        response = client.get(
            "/open311/v2/services.json", {"api_key": api_key}, REMOTE_ADDR=f"192.0.2.{n}"
        )
        assert response.status_code == 200
    response = client.get("/open311/v2/services.json", {"api_key": api_key})
    assert response.status_code == 429
    assert response.json()[0]["code"] == 429


def test_it_refuses_with_a_403_list_whatever_the_authorization_header(
    client: Client, districts: Any, category: Any, api_key: str
) -> None:
    data = {"service_code": category.service_code, "lat": INSIDE[0], "long": INSIDE[1]}
    for header in (f"Api-Key {api_key}", "Api-Key civic_wrong", "Bearer x", "Api-Key"):
        response = client.post(
            "/open311/v2/requests.json", {**data, "description": "x"}, HTTP_AUTHORIZATION=header
        )
        assert response.status_code == 403, header
        assert response.json() == [
            {
                "code": 403,
                "description": "Une api_key valide avec le droit « signalements » est requise.",
            }
        ]


def test_it_answers_the_suffix_format_whatever_the_accept_header(
    client: Client, category: Any
) -> None:
    response = client.get("/open311/v2/services.xml", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    response = client.get("/open311/v2/services.json", HTTP_ACCEPT="text/html")
    assert response["Content-Type"] == "application/json"


def test_it_describes_open311_in_a_valid_openapi_schema(client: Client) -> None:
    schema = client.get("/api/schema/", {"format": "json"}).json()
    validate_schema(schema)
    requests = schema["paths"]["/open311/v2/requests.{fmt}"]
    assert requests["post"]["operationId"] == "open311_requests_create"
    assert set(requests["get"]["responses"]["200"]["content"]) == {"application/json", "text/xml"}
    assert {"Open311ApiKey": []} in requests["post"]["security"]
    for path in (
        "/open311/discovery.{fmt}",
        "/open311/v2/services.{fmt}",
        "/open311/v2/services/{code}.{fmt}",
        "/open311/v2/requests/{id}.{fmt}",
    ):
        assert path in schema["paths"], path
