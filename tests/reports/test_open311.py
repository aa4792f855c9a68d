"""Open311 GeoReport v2: discovery, services, requests in JSON and XML, the spec's errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from civic.actors import Actor, Channel
from civic.models import ApiClient
from reports.models import Report, Status
from reports.services import report_change_status
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


def test_it_answers_discovery_in_json_and_xml(client: Client) -> None:
    data = client.get("/open311/discovery.json").json()
    assert data["endpoints"][0]["url"] == "http://testserver/open311/v2/"
    root = parse_xml(client.get("/open311/discovery.xml").content)
    assert root.tag == "discovery"
    assert root.find("endpoints/endpoint/specification").text.startswith("http://wiki.open311")


def test_it_lists_services_and_their_attributes(
    client: Client, category: Any, anonymous_category: Any
) -> None:
    services = client.get("/open311/v2/services.json").json()
    assert {s["service_code"] for s in services} == {"nid-de-poule", "tag"}
    tag = next(s for s in services if s["service_code"] == "tag")
    assert tag["metadata"] is True and tag["type"] == "realtime"
    definition = client.get("/open311/v2/services/tag.json").json()
    (attribute,) = definition["attributes"]
    assert attribute["code"] == "offensive"
    assert attribute["datatype"] == "singlevaluelist"
    assert attribute["values"] == [{"key": "oui", "name": "Oui"}, {"key": "non", "name": "Non"}]
    root = parse_xml(client.get("/open311/v2/services/tag.xml").content)
    assert root.find("attributes/attribute/values/value/key").text == "oui"
    response = client.get("/open311/v2/services/nope.json")
    assert response.status_code == 404
    assert response.json()[0]["code"] == 404


def test_it_creates_a_request_with_an_api_key(
    client: Client, api_key: str, districts: Any, anonymous_category: Any
) -> None:
    data = {
        "api_key": api_key,
        "service_code": "tag",
        "lat": INSIDE[0],
        "long": INSIDE[1],
        "description": "Tag sur le mur",
        "email": "app-user@example.org",
        "first_name": "Ana",
        "last_name": "Lopez",
        "attribute[offensive]": "non",
        "media_url": "https://example.org/photo.jpg",
    }
    response = client.post("/open311/v2/requests.json", data)
    assert response.status_code == 201, response.content
    (created,) = response.json()
    report = Report.objects.get(pk=created["service_request_id"])
    assert report.status == Status.OPEN
    assert report.channel == Channel.API
    assert report.answers == {"offensive": "non"}
    assert report.contact_name == "Ana Lopez"
    assert report.client_media_url == "https://example.org/photo.jpg"
    (shown,) = client.get(f"/open311/v2/requests/{report.pk}.json").json()
    assert shown["service_request_id"] == report.pk
    assert shown["status"] == "open"
    assert "media_url" not in shown  # a client's link is never fetched nor republished
    text = str(shown)
    assert "app-user@example.org" not in text and "Lopez" not in text


def test_it_refuses_a_request_without_a_valid_key_or_service(
    client: Client, api_key: str, districts: Any, category: Any
) -> None:
    data = {"service_code": "nid-de-poule", "lat": INSIDE[0], "long": INSIDE[1], "description": "x"}
    response = client.post("/open311/v2/requests.json", data)
    assert response.status_code == 403
    assert response.json()[0]["code"] == 403
    response = client.post("/open311/v2/requests.xml", {**data, "api_key": "civic_wrong"})
    assert response.status_code == 403
    assert parse_xml(response.content).find("error/code").text == "403"
    response = client.post(
        "/open311/v2/requests.json", {**data, "api_key": api_key, "service_code": "nope"}
    )
    assert response.status_code == 400
    assert "service_code" in response.json()[0]["description"]
    response = client.post(
        "/open311/v2/requests.json", {**data, "api_key": api_key, "lat": 48.85, "long": 2.35}
    )
    assert response.status_code == 400
    assert not Report.objects.exists()


def test_it_lists_requests_with_filters_and_defaults(
    client: Client, resident: Any, triager: Any, make_report: Any
) -> None:
    recent = make_report(resident)
    fixed = make_report(resident)
    old = make_report(resident)
    Report.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=120))
    report_change_status(
        actor=Actor(channel=Channel.STAFF, user=triager),
        report=fixed,
        status=Status.FIXED,
        text="Rebouché.",
    )
    listed = client.get("/open311/v2/requests.json").json()
    assert [r["service_request_id"] for r in listed] == [fixed.pk, recent.pk]
    assert listed[0]["status"] == "closed" and listed[0]["status_notes"] == "Rebouché."
    assert listed[0]["requested_datetime"].endswith(("+01:00", "+02:00"))
    opened = client.get("/open311/v2/requests.json", {"status": "open"}).json()
    assert [r["service_request_id"] for r in opened] == [recent.pk]
    start = (timezone.now() - timedelta(days=200)).isoformat()
    everything = client.get("/open311/v2/requests.json", {"start_date": start}).json()
    assert len(everything) == 3
    by_id = client.get("/open311/v2/requests.json", {"service_request_id": f"{old.pk}"}).json()
    assert [r["service_request_id"] for r in by_id] == [old.pk]
    root = parse_xml(client.get("/open311/v2/requests.xml").content)
    assert root.tag == "service_requests"
    assert [e.text for e in root.findall("request/service_request_id")] == [
        str(fixed.pk),
        str(recent.pk),
    ]
    response = client.get("/open311/v2/requests.json", {"start_date": "yesterday"})
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400


def test_it_gives_the_blurred_photo_as_media_url_once_it_exists(
    client: Client, resident: Any, make_report: Any, tasks: Any, run_on_commit: Any
) -> None:
    import io

    from civic.photos import photo_clean
    from reports.services import photo_store_draft
    from tests.reports.conftest import jpeg_with_gps

    draft = photo_store_draft(clean=photo_clean(io.BytesIO(jpeg_with_gps())), draft="x" * 32)
    with run_on_commit():
        report = make_report(resident, photos=[draft])
    (shown,) = client.get(f"/open311/v2/requests/{report.pk}.json").json()
    assert "media_url" not in shown
    tasks.run()
    (shown,) = client.get(f"/open311/v2/requests/{report.pk}.json").json()
    assert shown["media_url"] == f"http://testserver/reports/photos/{draft.pk}/image.jpg"
