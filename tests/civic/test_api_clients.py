"""API clients: keys created from the command line, the open districts API, throttling, schema."""

from __future__ import annotations

import hashlib
from io import StringIO
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from civic.models import ApiClient, District

pytestmark = pytest.mark.django_db

URL = "/api/districts/"


def create_api_key(name: str, *scopes: str) -> str:
    """Run the command as an operator would; return what it printed."""
    out = StringIO()
    args = [arg for scope in scopes for arg in ("--scope", scope)]
    call_command("create_api_key", name, *args, stdout=out)
    return out.getvalue()


def new_key(name: str = "Back office", *scopes: str) -> str:
    return create_api_key(name, *scopes).strip().splitlines()[-1]


def throttled(rate: str, *, proxies: int = 0) -> Any:
    return override_settings(
        TRUSTED_PROXY_COUNT=proxies,
        REST_FRAMEWORK={
            **settings.REST_FRAMEWORK,
            "NUM_PROXIES": proxies,
            "DEFAULT_THROTTLE_RATES": {"anon": rate, "user": rate},
        },
    )


# --- create_api_key --------------------------------------------------------------------------


def test_it_prints_the_key_alone_on_the_last_line_and_stores_only_its_hash() -> None:
    output = create_api_key("Back office", "reports", "sensors")
    *explanation, key = output.strip().splitlines()
    assert key.startswith("civic_") and " " not in key and len(key) > 40
    assert "Back office" in explanation[0]

    client = ApiClient.objects.get()
    assert client.name == "Back office"
    assert client.scopes == ["reports", "sensors"]
    assert client.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert client.key_prefix == key[:12]
    stored = [str(value) for value in ApiClient.objects.values_list().get()]
    assert key not in stored


def test_it_gives_the_reports_scope_by_default() -> None:
    new_key("Open311 app")
    assert ApiClient.objects.get().scopes == ["reports"]


def test_it_refuses_a_duplicate_name_clearly() -> None:
    new_key("Back office")
    with (
        translation.override("en"),
        pytest.raises(CommandError, match="An API client named Back office already exists"),
    ):
        create_api_key("Back office")
    assert ApiClient.objects.count() == 1


def test_it_rejects_an_unknown_scope() -> None:
    with pytest.raises(CommandError, match="invalid choice: 'budgets'"):
        create_api_key("Back office", "budgets")
    assert not ApiClient.objects.exists()


# --- GET /api/districts/ ---------------------------------------------------------------------


def test_it_serves_the_districts_as_open_data(client: Client, districts: list[District]) -> None:
    response = client.get(reverse("api_districts"))
    assert response.status_code == 200
    body = response.json()
    assert [item["name"] for item in body] == sorted(d.name for d in districts)
    gare = next(item for item in body if item["code"] == "gare")
    assert gare == {
        "id": districts[2].pk,
        "code": "gare",
        "name": "Gare",
        "population": 11300,
        "boundary": districts[2].boundary,
    }
    assert gare["boundary"]["type"] == "Polygon"
    assert next(item for item in body if item["code"] == "saint-martin")["population"] is None


def test_it_lists_districts_in_one_query(
    client: Client, districts: list[District], django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1):
        assert client.get(URL).status_code == 200


def test_it_identifies_a_client_by_its_key(client: Client, districts: list[District]) -> None:
    key = new_key()
    assert ApiClient.objects.get().last_used_at is None
    response = client.get(URL, HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert response.status_code == 200
    assert ApiClient.objects.get().last_used_at is not None


def test_it_refuses_a_wrong_key_with_an_error_body(client: Client) -> None:
    new_key()
    response = client.get(URL, HTTP_AUTHORIZATION="Api-Key civic_not-a-real-key")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    error = response.json()["error"]
    assert error["code"] == "authentication_failed"
    assert error["message"]
    assert error["fields"] == {}


def test_it_refuses_a_malformed_authorization_header(client: Client) -> None:
    response = client.get(URL, HTTP_AUTHORIZATION="Api-Key two parts")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_it_refuses_the_key_of_an_inactive_client(client: Client) -> None:
    key = new_key()
    ApiClient.objects.update(is_active=False)
    response = client.get(URL, HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert ApiClient.objects.get().last_used_at is None


# --- Throttling ------------------------------------------------------------------------------


def test_it_throttles_anonymous_clients_by_their_real_address(client: Client) -> None:
    with throttled("2/minute", proxies=1):
        # Behind one trusted proxy: the client is the last address the proxy appended.
        first: dict[str, Any] = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
        second: dict[str, Any] = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
        assert client.get(URL, **first).status_code == 200
        assert client.get(URL, **second).status_code == 200
        assert client.get(URL, **first).status_code == 200
        assert client.get(URL, **second).status_code == 200

        response = client.get(URL, **first)
        assert response.status_code == 429
        error = response.json()["error"]
        assert error["code"] == "throttled"
        assert error["message"]
        assert error["fields"] == {}
        assert "Retry-After" in response


def test_it_ignores_a_forged_forwarded_address_without_a_trusted_proxy(client: Client) -> None:
    with throttled("2/minute", proxies=0):
        for forged in ("198.51.100.1", "198.51.100.2"):
            assert client.get(URL, HTTP_X_FORWARDED_FOR=forged).status_code == 200
        assert client.get(URL, HTTP_X_FORWARDED_FOR="198.51.100.3").status_code == 429


def test_it_ignores_addresses_a_client_prepends_behind_a_proxy(client: Client) -> None:
    with throttled("2/minute", proxies=1):
        for forged in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
            response = client.get(URL, HTTP_X_FORWARDED_FOR=f"{forged}, 203.0.113.9")
        assert response.status_code == 429


def test_it_throttles_a_keyed_client_on_its_own_allowance(client: Client) -> None:
    key = new_key()
    with throttled("2/minute"):
        assert client.get(URL).status_code == 200
        assert client.get(URL).status_code == 200
        assert client.get(URL).status_code == 429
        # The same address with a key counts against the client, not the address.
        assert client.get(URL, HTTP_AUTHORIZATION=f"Api-Key {key}").status_code == 200


# --- Schema ----------------------------------------------------------------------------------


def test_it_describes_the_api_and_its_key_scheme(client: Client) -> None:
    response = client.get(reverse("api_schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["components"]["securitySchemes"]["ApiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "`Api-Key <key>`, from `manage.py create_api_key`.",
    }
    operation = schema["paths"]["/api/districts/"]["get"]
    assert {"ApiKey": []} in operation["security"]
    assert "District" in schema["components"]["schemas"]


def test_it_serves_the_api_docs_without_a_cdn(client: Client) -> None:
    response = client.get(reverse("api_docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn." not in html and "jsdelivr" not in html
