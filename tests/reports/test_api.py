"""POST /api/reports/: keys, anonymous rate limit, Idempotency-Key, the OpenAPI schema."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from civic.models import ApiClient
from reports.models import Photo, Report, Status
from tests.reports.conftest import INSIDE, jpeg_with_gps

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_key(db: None) -> str:
    key = ApiClient.new_key()
    ApiClient.objects.create(
        name="App", key_hash=ApiClient.hash_key(key), key_prefix=key[:10], scopes=["reports"]
    )
    return key


def body(category: Any, **extra: Any) -> dict[str, Any]:
    return {
        "category": category.service_code,
        "lat": INSIDE[0],
        "lon": INSIDE[1],
        "description": "Lampadaire éteint",
        **extra,
    }


def test_it_creates_a_report_with_an_api_key_and_photos(
    client: Client, api_key: str, districts: Any, category: Any
) -> None:
    photo = SimpleUploadedFile("a.jpg", jpeg_with_gps(), content_type="image/jpeg")
    response = client.post(
        "/api/reports/",
        body(category, photos=[photo], email="x@example.org"),
        HTTP_AUTHORIZATION=f"Api-Key {api_key}",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    report = Report.objects.get()
    assert data == {
        "id": report.pk,
        "status": "open",
        "url": f"http://testserver/reports/{report.pk}/",
    }
    assert Photo.objects.get().report == report


def test_it_keeps_an_anonymous_report_with_email_unconfirmed(
    client: Client, districts: Any, category: Any
) -> None:
    response = client.post("/api/reports/", body(category, email="x@example.org"))
    assert response.status_code == 201
    assert response.json()["status"] == Status.UNCONFIRMED


def test_it_answers_clear_errors(
    client: Client, api_key: str, districts: Any, category: Any
) -> None:
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {api_key}"}
    response = client.post("/api/reports/", {**body(category), "category": "nope"}, **auth)
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"category": ["Cette catégorie n'existe pas."]}
    response = client.post("/api/reports/", body(category, lat=48.85, lon=2.35), **auth)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "outside_city"
    broken = SimpleUploadedFile("a.jpg", b"not an image")
    response = client.post("/api/reports/", body(category, photos=[broken]), **auth)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "photo_type"
    assert not Report.objects.exists()


def test_it_honours_the_idempotency_key(
    client: Client, api_key: str, districts: Any, category: Any
) -> None:
    headers = {"HTTP_AUTHORIZATION": f"Api-Key {api_key}", "HTTP_IDEMPOTENCY_KEY": "abc-1"}
    first = client.post("/api/reports/", body(category), **headers)
    again = client.post("/api/reports/", body(category), **headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Report.objects.count() == 1


def test_it_limits_anonymous_clients_to_10_an_hour(
    client: Client, districts: Any, category: Any, anonymous_category: Any
) -> None:
    for _ in range(10):
        assert client.post("/api/reports/", body(anonymous_category)).status_code == 201
    response = client.post("/api/reports/", body(anonymous_category))
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"


def test_it_is_in_the_openapi_schema(client: Client) -> None:
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/reports/"]["post"]
    assert operation["operationId"] == "reports_create"
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert "201" in operation["responses"]
