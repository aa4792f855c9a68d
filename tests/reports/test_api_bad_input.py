"""Bad input on ``POST /api/reports/`` and Open311: a clear 4xx, never a 5xx, nothing stored."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.test import Client

from civic.models import ApiClient
from reports.models import Category, Report
from tests.reports.conftest import INSIDE

pytestmark = pytest.mark.django_db

NINES = "9" * 30


@pytest.fixture
def api_key(db: None) -> str:
    key = ApiClient.new_key()
    ApiClient.objects.create(
        name="App", key_hash=ApiClient.hash_key(key), key_prefix=key[:10], scopes=["reports"]
    )
    return key


def open311_post(client: Client, key: str, category: Category, **fields: str) -> Any:
    data = {"api_key": key, "service_code": category.service_code, "description": "Un tag"}
    return client.post(
        "/open311/v2/requests.json", {**data, "lat": INSIDE[0], "long": INSIDE[1], **fields}
    )


OPEN311_BAD = {
    "address_too_long": ({"address_string": "a" * 256}, "address_string"),
    "name_too_long": ({"first_name": "A" * 75, "last_name": "B" * 75}, "first_name"),
    "phone_too_long": ({"phone": "0" * 41}, "phone"),
    "email_too_long": ({"email": "a" * 243 + "@example.org"}, "email"),
    "email_invalid": ({"email": "not an email"}, "email"),
    "email_with_crlf": ({"email": "a@example.org\r\nBcc: b@example.org"}, "email"),
    "nul_in_description": ({"description": "un\x00tag"}, "description"),
    "nul_in_address": ({"address_string": "rue\x00haute"}, "address_string"),
    "nul_in_first_name": ({"first_name": "A\x00na"}, "first_name"),
    "nul_in_last_name": ({"last_name": "Lo\x00pez"}, "last_name"),
    "nul_in_phone": ({"phone": "06\x00"}, "phone"),
    "nul_in_media_url": ({"media_url": "https://example.org/\x00.jpg"}, "media_url"),
    "vertical_tab_in_description": ({"description": "un\x0btag"}, "description"),
    "escape_in_address": ({"address_string": "\x1b[2Jrue"}, "address_string"),
    "nul_in_service_code": ({"service_code": "tag\x00"}, "service_code"),
}


@pytest.mark.parametrize("case", sorted(OPEN311_BAD))
def test_it_refuses_bad_fields_on_open311_in_its_error_format(
    client: Client, api_key: str, districts: Any, anonymous_category: Category, case: str
) -> None:
    fields, name = OPEN311_BAD[case]
    response = open311_post(client, api_key, anonymous_category, **fields)
    assert response.status_code == 400, response.content
    ((error),) = response.json()
    assert error["code"] == 400
    assert name in error["description"]
    assert not Report.objects.exists()


def test_it_accepts_fields_at_their_limits_on_open311(
    client: Client, api_key: str, districts: Any, anonymous_category: Category
) -> None:
    response = open311_post(
        client,
        api_key,
        anonymous_category,
        address_string="a" * 255,
        first_name="A" * 75,
        last_name="B" * 74,
        phone="0" * 40,
        email="a" * 242 + "@example.org",
        description="ligne 1\r\nligne 2\tfin",
    )
    assert response.status_code == 201, response.content
    report = Report.objects.get()
    assert len(report.contact_name) == 150
    assert report.description == "ligne 1\r\nligne 2\tfin"


@pytest.mark.parametrize("ids", [NINES, f"1,{NINES}", "²", "٣", "1,,2", str(2**63), str(2**63 - 1)])
def test_it_never_fails_on_odd_request_ids(client: Client, category: Any, ids: str) -> None:
    response = client.get("/open311/v2/requests.json", {"service_request_id": ids})
    assert response.status_code in (200, 400), response.content
    assert response.status_code == 200 or response.json()[0]["code"] == 400


@pytest.mark.parametrize("suffix", ["json", "xml"])
def test_it_answers_404_for_a_request_id_too_large_for_an_id(
    client: Client, category: Any, suffix: str
) -> None:
    response = client.get(f"/open311/v2/requests/{NINES}.{suffix}")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"end_date": "0001-01-01T00:00:00Z"},
        {"start_date": "0001-01-01T00:00:00+14:00"},
        {"start_date": "9999-12-31T23:59:59-14:00"},
        {"start_date": "0145-03-27T19:37:02-23:24"},
        {"end_date": "2026-01-01T00:00:00+23:59"},
        {"service_code": "tag\x00"},
        {"status": "open\x00"},
    ],
)
def test_it_never_fails_on_odd_filters(client: Client, category: Any, params: Any) -> None:
    response = client.get("/open311/v2/requests.json", params)
    assert response.status_code in (200, 400), response.content


def test_it_keeps_the_xml_list_readable_when_a_stored_row_holds_a_control_character(
    client: Client, resident: Any, make_report: Any
) -> None:
    report = make_report(resident)
    # Stored before control characters were refused.
    Report.objects.filter(pk=report.pk).update(description="avant\x0b\x1baprès\ttab")
    Report.objects.filter(pk=report.pk).update(address="rue\x0c haute")
    for path in ("/open311/v2/requests.xml", f"/open311/v2/requests/{report.pk}.xml"):
        root = ET.fromstring(client.get(path).content)  # noqa: S314 - our own answer
        assert root.find("request/description").text == "avantaprès\ttab"
        assert root.find("request/address").text == "rue haute"


def api_post(client: Client, category: Category, headers: dict[str, str], **fields: Any) -> Any:
    data = {"category": category.service_code, "lat": INSIDE[0], "lon": INSIDE[1]}
    return client.post("/api/reports/", {**data, "description": "Un tag", **fields}, **headers)


@pytest.mark.parametrize(
    ("fields", "name"),
    [
        ({"description": "un\x0btag"}, "description"),
        ({"description": "un\x00tag"}, "description"),
        ({"address": "rue\x1b haute"}, "address"),
        ({"name": "A\x00na", "email": "a@example.org"}, "name"),
        ({"phone": "06\x07", "email": "a@example.org"}, "phone"),
        ({"email": "a@example.org\r\nBcc: b@example.org"}, "email"),
        ({"email": "a" * 243 + "@example.org"}, "email"),
    ],
)
def test_it_refuses_control_characters_and_bad_emails_on_the_api(
    client: Client, districts: Any, anonymous_category: Category, fields: Any, name: str
) -> None:
    response = api_post(client, anonymous_category, {}, **fields)
    assert response.status_code == 400, response.content
    assert name in response.json()["error"]["fields"]
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    "header", ["Bearer abc", "Token abc", "Basic YTpi", "Api-Key civic_unknown", "Api-Key"]
)
def test_it_answers_401_to_a_key_it_cannot_read_on_the_api(
    client: Client, districts: Any, anonymous_category: Category, header: str
) -> None:
    response = api_post(client, anonymous_category, {"HTTP_AUTHORIZATION": header})
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    assert response.json()["error"]["code"] == "authentication_failed"
    assert not Report.objects.exists()


def test_it_still_files_anonymously_without_any_authorization_header(
    client: Client, districts: Any, anonymous_category: Category
) -> None:
    assert api_post(client, anonymous_category, {}).status_code == 201
