"""Open311 answers byte for byte: every endpoint and variant against committed golden files.

The goldens were captured from the hand-written views before Open311 moved to DRF, so the move
(and any later change) keeps what clients parse: status, content type and body. The data is
seeded with fixed ids and dates; only the id of a request created by a POST is normalised.
``CIVIC_GOLDEN_UPDATE=1`` rewrites the files (then review the diff).
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from civic.actors import Channel
from civic.models import ApiClient, Department
from reports.models import Category, Photo, Report, Status, Update
from tests.reports.conftest import INSIDE

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).parent / "golden"
KEY = "civic_golden-key-for-open311-tests-0123456789"
UNSCOPED_KEY = "civic_golden-key-without-the-reports-scope"
WINDOW = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-12-31T00:00:00Z"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def seeded(settings: Any, districts: Any) -> None:
    """Two departments, four categories (one inactive), five reports (one hidden), notes and a
    published photo, all with fixed ids and dates."""
    settings.TIME_ZONE = "Europe/Paris"  # what the deployment sets must not move the bytes
    settings.CIVIC_CITY = {**settings.CIVIC_CITY, "contact_email": "contact@civic.example"}
    roads = Department.objects.create(pk=501, code="voirie", name="Voirie")
    clean = Department.objects.create(pk=502, code="proprete", name="Propreté & Tags")
    pothole = Category.objects.create(
        pk=601,
        service_code="nid-de-poule",
        name="Nid-de-poule",
        name_en="Pothole",
        group="Voirie",
        group_en="Roads",
        description="Un trou dans la chaussée <profond>.",
        department=roads,
    )
    tag = Category.objects.create(
        pk=602,
        service_code="tag",
        name="Tag",
        group="Propreté",
        department=clean,
        anonymous_allowed=True,
        questions=[
            {
                "code": "offensive",
                "label": "Injurieux ?",
                "label_en": "Offensive?",
                "help": "Insultes, symboles haineux",
                "datatype": "singlevaluelist",
                "required": True,
                "values": [
                    {"key": "oui", "name": "Oui", "name_en": "Yes"},
                    {"key": "non", "name": "Non", "name_en": "No"},
                ],
            },
            {"code": "surface", "label": "Surface (m²)", "datatype": "number"},
            {"code": "seen", "label": "Vu le", "datatype": "date"},
        ],
    )
    Category.objects.create(
        pk=603, service_code="ancien", name="Ancien", department=roads, is_active=False
    )
    Category.objects.create(
        pk=604, service_code="eclairage", name="Éclairage", group="Voirie", department=roads
    )
    common = {"district": districts[0], "channel": Channel.WEB, "language": "fr"}
    rows: list[tuple[int, Category, Status, str, dict[str, Any]]] = [
        (9001, pothole, Status.OPEN, "2026-10-01T08:30:00", {"address": "3 rue <Haute> & Co"}),
        (9002, tag, Status.FIXED, "2026-10-05T17:45:12", {"department": clean}),
        (9003, pothole, Status.IN_PROGRESS, "2026-10-07T23:59:59", {"lat": None, "lon": None}),
        (9004, pothole, Status.HIDDEN, "2026-10-08T10:00:00", {}),
        (9005, tag, Status.CLOSED, "2026-03-01T06:00:00", {"department": clean}),
    ]
    for pk, category, status, created, extra in rows:
        fields = {
            "lat": INSIDE[0],
            "lon": INSIDE[1],
            "department": roads,
            "description": f"Signalement n°{pk} : « quelque chose » à voir",
            **common,
            **extra,
        }
        Report.objects.create(
            pk=pk,
            category=category,
            status=status,
            contact_email=f"author{pk}@example.org",
            contact_name="Ana Lopez",
            **fields,
        )
        Report.objects.filter(pk=pk).update(created_at=at(created), updated_at=at(created))
    Update.objects.create(pk=801, report_id=9001, text="Vu, on s'en occupe.", is_public=True)
    Update.objects.create(pk=802, report_id=9001, text="Note interne", is_public=False)
    Update.objects.create(pk=803, report_id=9002, **Update.system(Update.Kind.FIXED_BY_AUTHOR))
    Report.objects.filter(pk=9002).update(updated_at=at("2026-10-06T09:00:00"))
    Photo.objects.create(
        pk=701, report_id=9001, state=Photo.State.READY, image="reports/photos/a.jpg"
    )
    Photo.objects.create(pk=702, report_id=9003, state=Photo.State.PENDING)
    for name, key, scopes in (("App", KEY, ["reports"]), ("Sensors", UNSCOPED_KEY, ["sensors"])):
        ApiClient.objects.create(
            name=name, key_hash=ApiClient.hash_key(key), key_prefix=key[:10], scopes=scopes
        )


POST_BASE = {
    "api_key": KEY,
    "service_code": "tag",
    "lat": str(INSIDE[0]),
    "long": str(INSIDE[1]),
    "description": "Tag sur le mur",
    "attribute[offensive]": "non",
}

GETS: dict[str, tuple[str, dict[str, str]]] = {
    "discovery_json": ("/open311/discovery.json", {}),
    "discovery_xml": ("/open311/discovery.xml", {}),
    "services_json": ("/open311/v2/services.json", {}),
    "services_xml": ("/open311/v2/services.xml", {}),
    "services_en_json": ("/open311/v2/services.json", {"lang": "en"}),
    "services_en_xml": ("/open311/v2/services.xml", {"lang": "EN-gb"}),
    "services_empty_lang_json": ("/open311/v2/services.json", {"lang": ""}),
    "service_json": ("/open311/v2/services/tag.json", {}),
    "service_xml": ("/open311/v2/services/tag.xml", {}),
    "service_en_json": ("/open311/v2/services/tag.json", {"lang": "en"}),
    "service_en_xml": ("/open311/v2/services/tag.xml", {"lang": "en"}),
    "service_without_questions_xml": ("/open311/v2/services/eclairage.xml", {}),
    "service_unknown_json": ("/open311/v2/services/nope.json", {}),
    "service_unknown_xml": ("/open311/v2/services/nope.xml", {}),
    "service_inactive_json": ("/open311/v2/services/ancien.json", {}),
    "requests_json": ("/open311/v2/requests.json", WINDOW),
    "requests_xml": ("/open311/v2/requests.xml", WINDOW),
    "requests_en_json": ("/open311/v2/requests.json", {**WINDOW, "lang": "en"}),
    "requests_en_xml": ("/open311/v2/requests.xml", {**WINDOW, "lang": "en"}),
    "requests_end_only_json": ("/open311/v2/requests.json", {"end_date": "2026-10-06T00:00:00"}),
    "requests_start_plus_as_space_json": (
        "/open311/v2/requests.json",
        {"start_date": "2026-10-05T19:00:00 02:00", "end_date": "2026-12-31T00:00:00Z"},
    ),
    "requests_open_json": ("/open311/v2/requests.json", {**WINDOW, "status": "open"}),
    "requests_closed_xml": ("/open311/v2/requests.xml", {**WINDOW, "status": "closed"}),
    "requests_both_json": ("/open311/v2/requests.json", {**WINDOW, "status": "open, closed"}),
    "requests_bad_status_json": ("/open311/v2/requests.json", {**WINDOW, "status": "new"}),
    "requests_bad_status_xml": ("/open311/v2/requests.xml", {**WINDOW, "status": "new"}),
    "requests_service_code_json": ("/open311/v2/requests.json", {**WINDOW, "service_code": "tag"}),
    "requests_service_codes_xml": (
        "/open311/v2/requests.xml",
        {**WINDOW, "service_code": "tag,nid-de-poule"},
    ),
    "requests_ids_json": ("/open311/v2/requests.json", {"service_request_id": "9003, 9001"}),
    "requests_hidden_id_json": ("/open311/v2/requests.json", {"service_request_id": "9004"}),
    "requests_bad_ids_json": ("/open311/v2/requests.json", {"service_request_id": "9001,x"}),
    "requests_bad_ids_xml": ("/open311/v2/requests.xml", {"service_request_id": "-1"}),
    "requests_bad_date_json": ("/open311/v2/requests.json", {"start_date": "yesterday"}),
    "requests_bad_date_xml": ("/open311/v2/requests.xml", {"end_date": "2026-13-01"}),
    "requests_empty_parameters_json": (
        "/open311/v2/requests.json",
        {
            "service_request_id": "",
            "service_code": "",
            "status": "",
            "start_date": WINDOW["start_date"],
            "end_date": "",
            "lang": "",
            "api_key": "",
        },
    ),
    "requests_with_key_json": ("/open311/v2/requests.json", {**WINDOW, "api_key": KEY}),
    "requests_with_unknown_key_json": (
        "/open311/v2/requests.json",
        {**WINDOW, "api_key": "civic_wrong"},
    ),
    "request_json": ("/open311/v2/requests/9001.json", {}),
    "request_xml": ("/open311/v2/requests/9001.xml", {}),
    "request_en_json": ("/open311/v2/requests/9002.json", {"lang": "en"}),
    "request_en_xml": ("/open311/v2/requests/9002.xml", {"lang": "en"}),
    "request_without_point_xml": ("/open311/v2/requests/9003.xml", {}),
    "request_hidden_json": ("/open311/v2/requests/9004.json", {}),
    "request_unknown_xml": ("/open311/v2/requests/1.xml", {}),
    "request_format_query_ignored_json": ("/open311/v2/requests/9001.json", {"format": "xml"}),
}

POSTS: dict[str, tuple[str, dict[str, str]]] = {
    "post_json": (
        "/open311/v2/requests.json",
        {
            **POST_BASE,
            "email": "app-user@example.org",
            "first_name": "Ana",
            "last_name": "Lopez",
            "phone": "+33 6 00 00 00 00",
            "media_url": "https://example.org/photo.jpg",
        },
    ),
    "post_xml": ("/open311/v2/requests.xml", POST_BASE),
    "post_address_only_json": (
        "/open311/v2/requests.json",
        {**POST_BASE, "lat": "", "long": "", "address_string": "Place du Marché"},
    ),
    "post_no_key_json": ("/open311/v2/requests.json", {**POST_BASE, "api_key": ""}),
    "post_no_key_xml": (
        "/open311/v2/requests.xml",
        {k: v for k, v in POST_BASE.items() if k != "api_key"},
    ),
    "post_unknown_key_json": ("/open311/v2/requests.json", {**POST_BASE, "api_key": "civic_x"}),
    "post_unknown_key_xml": ("/open311/v2/requests.xml", {**POST_BASE, "api_key": "civic_x"}),
    "post_unscoped_key_json": (
        "/open311/v2/requests.json",
        {**POST_BASE, "api_key": UNSCOPED_KEY},
    ),
    "post_unknown_service_json": (
        "/open311/v2/requests.json",
        {**POST_BASE, "service_code": "nope"},
    ),
    "post_inactive_service_xml": (
        "/open311/v2/requests.xml",
        {**POST_BASE, "service_code": "ancien"},
    ),
    "post_no_service_json": (
        "/open311/v2/requests.json",
        {k: v for k, v in POST_BASE.items() if k != "service_code"},
    ),
    "post_bad_lat_json": ("/open311/v2/requests.json", {**POST_BASE, "lat": "north"}),
    "post_bad_long_xml": ("/open311/v2/requests.xml", {**POST_BASE, "long": "1,5"}),
    "post_lat_only_json": ("/open311/v2/requests.json", {**POST_BASE, "long": ""}),
    "post_outside_json": (
        "/open311/v2/requests.json",
        {**POST_BASE, "lat": "48.85", "long": "2.35"},
    ),
    "post_no_place_json": ("/open311/v2/requests.json", {**POST_BASE, "lat": "", "long": ""}),
    "post_no_description_json": ("/open311/v2/requests.json", {**POST_BASE, "description": " "}),
    "post_bad_choice_json": (
        "/open311/v2/requests.json",
        {**POST_BASE, "attribute[offensive]": "peut-être"},
    ),
    "post_missing_required_xml": (
        "/open311/v2/requests.xml",
        {k: v for k, v in POST_BASE.items() if k != "attribute[offensive]"},
    ),
    "post_lang_en_json": ("/open311/v2/requests.json?lang=en", {**POST_BASE, "lat": "north"}),
}

OTHER_METHODS: dict[str, tuple[str, str]] = {
    "put_requests_json": ("put", "/open311/v2/requests.json"),
    "post_services_json": ("post", "/open311/v2/services.json"),
    "post_request_xml": ("post", "/open311/v2/requests/9001.xml"),
    "options_discovery_json": ("options", "/open311/discovery.json"),
    "delete_service_xml": ("delete", "/open311/v2/services/tag.xml"),
}

_CREATED_ID = re.compile(rb"(\"service_request_id\": |<service_request_id>)\d+")


def rendered(response: Any) -> bytes:
    return f"{response.status_code}\n{response['Content-Type']}\n\n".encode() + response.content


def compare(name: str, actual: bytes) -> None:
    path = GOLDEN / f"open311_{name}.txt"
    if os.environ.get("CIVIC_GOLDEN_UPDATE") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_bytes(actual)
    assert actual == path.read_bytes(), f"{path.name} differs:\n{actual.decode()}"


@pytest.mark.parametrize("name", sorted(GETS))
def test_it_answers_each_get_as_before(client: Client, seeded: None, name: str) -> None:
    path, params = GETS[name]
    compare(name, rendered(client.get(path, params)))


@pytest.mark.parametrize("name", sorted(POSTS))
def test_it_answers_each_post_as_before(client: Client, seeded: None, name: str) -> None:
    path, data = POSTS[name]
    before = set(Report.objects.values_list("pk", flat=True))
    response = client.post(path, data)
    created = set(Report.objects.values_list("pk", flat=True)) - before
    assert len(created) == (1 if response.status_code == 201 else 0)
    compare(name, _CREATED_ID.sub(rb"\1{id}", rendered(response)))


@pytest.mark.parametrize("name", sorted(OTHER_METHODS))
def test_it_refuses_other_methods_as_before(client: Client, seeded: None, name: str) -> None:
    method, path = OTHER_METHODS[name]
    compare(name, rendered(getattr(client, method)(path)))


@pytest.mark.parametrize(
    "path",
    [
        "/open311/v2/requests",
        "/open311/v2/requests.html",
        "/open311/v2/requests.json/",
        "/open311/v2/services/tag.csv",
        "/open311/v2/requests/9001",
        "/open311/discovery",
    ],
)
def test_it_answers_other_suffixes_with_not_found(client: Client, seeded: None, path: str) -> None:
    # The site's own 404 page: its body belongs to the page templates, not to Open311.
    assert client.get(path).status_code == 404


def test_it_refuses_a_json_body_as_a_missing_key(client: Client, seeded: None) -> None:
    response = client.post("/open311/v2/requests.json", POST_BASE, content_type="application/json")
    compare("post_json_body_json", rendered(response))
