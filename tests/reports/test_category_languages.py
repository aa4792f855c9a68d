"""Category names, groups and descriptions in the page's language: French by default, English
when the page is in English, French again when no English was given."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import translation
from pytest_django.asserts import assertInHTML

from reports.models import Category

pytestmark = pytest.mark.django_db


@pytest.fixture
def pothole(category: Any) -> Category:
    category.name_en = "Pothole"
    category.group_en = "Roads"
    category.description_en = "A hole in the road."
    category.description = "Un trou dans la chaussée."
    category.save()
    return category


def test_it_shows_the_name_in_the_active_language_with_french_as_fallback(
    pothole: Category, department: Any
) -> None:
    untranslated = Category.objects.create(
        service_code="banc", name="Banc cassé", department=department
    )
    with translation.override("fr"):
        assert pothole.display_name == "Nid-de-poule"
    with translation.override("en"):
        assert pothole.display_name == "Pothole"
        assert pothole.display_group == "Roads"
        assert pothole.display_description == "A hole in the road."
        assert untranslated.display_name == "Banc cassé"
    with translation.override("fr"):
        assert pothole.display_group == "Voirie"


def choice(category: Category, name: str, description: str) -> str:
    pk = category.pk
    return (
        f'<div class="govuk-radios__item category-choice"><input class="govuk-radios__input" '
        f'type="radio" name="category" value="{pk}" '
        f'id="id_category_{pk}" aria-describedby="id_category_{pk}-hint">'
        f'<label class="govuk-label govuk-radios__label" for="id_category_{pk}">{name}</label>'
        f'<div class="govuk-hint govuk-radios__hint category-choice__description" '
        f'id="id_category_{pk}-hint">{description}</div></div>'
    )


def legend(group: str) -> str:
    return f'<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{group}</legend>'


def test_it_offers_each_category_with_its_description_in_the_page_language(
    client: Client, pothole: Category
) -> None:
    french = client.get("/reports/new/").content.decode()
    assertInHTML(choice(pothole, "Nid-de-poule", "Un trou dans la chaussée."), french)
    assertInHTML(legend("Voirie"), french)
    english = client.get("/reports/new/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assertInHTML(choice(pothole, "Pothole", "A hole in the road."), english)
    assertInHTML(legend("Roads"), english)
    assert "Nid-de-poule" not in english and "Un trou dans la chaussée." not in english


def test_it_keeps_the_chosen_category_checked_after_a_failed_attempt(
    client: Client, pothole: Category, districts: Any
) -> None:
    page = client.post("/reports/new/", {"category": pothole.pk, "description": ""})
    assert page.status_code == 400
    assertInHTML(
        f'<input class="govuk-radios__input" type="radio" name="category" value="{pothole.pk}"'
        f' id="id_category_{pothole.pk}" aria-describedby="id_category_{pothole.pk}-hint" checked>',
        page.content.decode(),
    )


def test_it_asks_the_category_questions_in_the_page_language(
    client: Client, pothole: Category, districts: Any
) -> None:
    pothole.questions = [
        {
            "code": "depth",
            "label": "Profondeur ?",
            "label_en": "How deep?",
            "help": "En centimètres.",
            "help_en": "In centimetres.",
            "required": True,
            "datatype": "singlevaluelist",
            "values": [
                {"key": "small", "name": "Peu profond", "name_en": "Shallow"},
                {"key": "big", "name": "Très profond"},
            ],
        }
    ]
    pothole.save()
    data = {"category": pothole.pk, "description": "Trou", "attribute[depth]": ""}
    english = client.post("/reports/new/", data, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "How deep?" in english and "In centimetres." in english
    assert "Shallow" in english and "Très profond" in english  # no English given: French
    assert "This field is required." in english
    french = client.post("/reports/new/", data).content.decode()
    assert "Profondeur ?" in french and "Peu profond" in french and "How deep?" not in french
    (attribute,) = client.get("/open311/v2/services/nid-de-poule.json?lang=en").json()["attributes"]
    assert attribute["description"] == "How deep?"
    assert attribute["datatype_description"] == "In centimetres."
    assert [value["name"] for value in attribute["values"]] == ["Shallow", "Très profond"]


def test_it_titles_the_report_page_in_the_page_language(
    client: Client, resident: Any, make_report: Any, pothole: Category
) -> None:
    report = make_report(resident, category=pothole)
    english = client.get(f"/reports/{report.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"Report #{report.pk}: Pothole" in english
    french = client.get(f"/reports/{report.pk}/").content.decode()
    assert f"Signalement n° {report.pk} : Nid-de-poule" in french


def test_it_names_open311_services_in_french_unless_asked_for_english(
    client: Client, pothole: Category
) -> None:
    (service,) = client.get("/open311/v2/services.json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert service["service_name"] == "Nid-de-poule" and service["group"] == "Voirie"
    (service,) = client.get("/open311/v2/services.json?lang=en").json()
    assert service["service_name"] == "Pothole"
    assert service["group"] == "Roads"
    assert service["description"] == "A hole in the road."
    (service,) = client.get("/open311/v2/services.xml").content.decode().split("<service>")[1:]
    assert "<description>Un trou dans la chaussée.</description>" in service


def test_it_seeds_english_names_for_the_demo_categories(tmp_path: Path) -> None:
    with override_settings(CIVIC_DEMO_CREDENTIALS_FILE=tmp_path / "credentials.txt"):
        call_command("seed_demo", stdout=StringIO())
    assert not Category.objects.filter(name_en="").exists()
    assert not Category.objects.filter(description="").exists()
    assert not Category.objects.filter(description_en="").exists()
    assert Category.objects.get(service_code="nid-de-poule").name_en == "Pothole"
