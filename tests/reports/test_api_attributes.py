"""``attribute[code]`` answers: the API, Open311 and the web form accept and refuse the same."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from civic.models import ApiClient
from reports.forms import ReportForm
from reports.models import Category, Photo, Report
from tests.reports.conftest import INSIDE, jpeg_with_gps

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_key(db: None) -> str:
    key = ApiClient.new_key()
    ApiClient.objects.create(
        name="App", key_hash=ApiClient.hash_key(key), key_prefix=key[:10], scopes=["reports"]
    )
    return key


@pytest.fixture
def asking(districts: Any, department: Any) -> Category:
    return Category.objects.create(
        service_code="dechets",
        name="Déchets",
        department=department,
        anonymous_allowed=True,
        questions=[
            {
                "code": "kind",
                "label": "Quoi ?",
                "required": True,
                "datatype": "singlevaluelist",
                "values": [{"key": "sac", "name": "Un sac"}, {"key": "meuble", "name": "Meuble"}],
            },
            {"code": "note", "label": "Précisions", "datatype": "text"},
        ],
    )


def via_api(client: Client, key: str, category: Category, answers: dict[str, Any]) -> Any:
    data = {"category": category.service_code, "lat": INSIDE[0], "lon": INSIDE[1]}
    return client.post(
        "/api/reports/",
        {**data, "description": "Dépôt sauvage", **answers},
        HTTP_AUTHORIZATION=f"Api-Key {key}",
    )


def via_open311(client: Client, key: str, category: Category, answers: dict[str, Any]) -> Any:
    data = {"api_key": key, "service_code": category.service_code, "description": "Dépôt"}
    return client.post(
        "/open311/v2/requests.json", {**data, "lat": INSIDE[0], "long": INSIDE[1], **answers}
    )


def via_form(category: Category, answers: dict[str, Any]) -> ReportForm:
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    data.update({"category": str(category.pk), "description": "Dépôt sauvage"})
    data.update({"lat": str(INSIDE[0]), "lon": str(INSIDE[1])})
    for name, value in answers.items():
        data.setlist(name, value if isinstance(value, list) else [value])
    form = ReportForm(data)
    form.is_valid()
    return form


GOOD = [
    ({"attribute[kind]": "sac"}, {"kind": "sac"}),
    (
        {"attribute[kind]": " meuble ", "attribute[note]": "Près du banc"},
        {"kind": "meuble", "note": "Près du banc"},
    ),
    (
        {"attribute[kind]": "sac", "attribute[note]": "ligne 1\r\nligne 2\tfin"},
        {"kind": "sac", "note": "ligne 1\r\nligne 2\tfin"},
    ),
    ({"attribute[kind]": "sac", "attribute[unknown]": "ignored"}, {"kind": "sac"}),
    ({"attribute[kind]": "sac", "attribute[note]": "é" * 500}, {"kind": "sac", "note": "é" * 500}),
]

KIND, NOTE = "attribute[kind]", "attribute[note]"
BAD: dict[str, tuple[dict[str, Any], str]] = {
    "missing_required": ({NOTE: "rien"}, KIND),
    "empty_required": ({KIND: "  "}, KIND),
    "not_offered": ({KIND: "voiture"}, KIND),
    "two_values": ({KIND: ["sac", "meuble"]}, KIND),
    "two_texts": ({KIND: "sac", NOTE: ["a", "b"]}, NOTE),
    "too_long": ({KIND: "sac", NOTE: "x" * 501}, NOTE),
    "two_megabytes": ({KIND: "sac", NOTE: "x" * 2_000_000}, NOTE),
    "nul": ({KIND: "sac", NOTE: "a\x00b"}, NOTE),
    "nul_in_choice": ({KIND: "sac\x00"}, KIND),
    "vertical_tab": ({KIND: "sac", NOTE: "a\x0bb"}, NOTE),
    "escape": ({KIND: "sac", NOTE: "\x1b[31mred"}, NOTE),
}


@pytest.mark.parametrize(("answers", "stored"), GOOD)
def test_it_stores_the_same_answers_from_each_channel(
    client: Client, api_key: str, asking: Category, answers: dict[str, Any], stored: Any
) -> None:
    response = via_api(client, api_key, asking, answers)
    assert response.status_code == 201, response.content
    assert Report.objects.get(pk=response.json()["id"]).answers == stored
    response = via_open311(client, api_key, asking, answers)
    assert response.status_code == 201, response.content
    assert Report.objects.get(pk=response.json()[0]["service_request_id"]).answers == stored
    form = via_form(asking, answers)
    assert form.is_valid(), form.errors
    assert form.answers() == stored


@pytest.mark.parametrize("case", sorted(BAD))
def test_it_refuses_the_same_answers_on_each_channel(
    client: Client, api_key: str, asking: Category, case: str
) -> None:
    answers, field = BAD[case]
    response = via_api(client, api_key, asking, answers)
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    response = via_open311(client, api_key, asking, answers)
    assert response.status_code == 400, response.content
    assert response.json()[0]["code"] == 400
    assert not Report.objects.exists()
    form = via_form(asking, answers)
    assert not form.is_valid()
    assert field in form.errors


def test_it_refuses_a_list_sent_as_brackets(client: Client, api_key: str, asking: Category) -> None:
    response = via_open311(client, api_key, asking, {"attribute[kind][]": "sac"})
    assert response.status_code == 400
    assert response.json()[0]["description"] == "Donnez une seule réponse, en texte, à : Quoi ?"


def test_it_keeps_no_photo_when_an_answer_is_refused(
    client: Client, api_key: str, asking: Category
) -> None:
    photo = SimpleUploadedFile("a.jpg", jpeg_with_gps(), content_type="image/jpeg")
    response = via_api(client, api_key, asking, {"attribute[kind]": "voiture", "photos": [photo]})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "attribute[kind]": ["Choisissez une des réponses proposées pour : Quoi ?"]
    }
    assert not Photo.objects.exists()
