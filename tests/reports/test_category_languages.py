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


def test_it_offers_the_categories_in_the_page_language(client: Client, pothole: Category) -> None:
    french = client.get("/reports/new/").content.decode()
    assert "Nid-de-poule" in french and 'label="Voirie"' in french
    english = client.get("/reports/new/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Pothole" in english and 'label="Roads"' in english
    assert "Nid-de-poule" not in english


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


def test_it_seeds_english_names_for_the_demo_categories(tmp_path: Path) -> None:
    with override_settings(CIVIC_DEMO_CREDENTIALS_FILE=tmp_path / "credentials.txt"):
        call_command("seed_demo", stdout=StringIO())
    assert not Category.objects.filter(name_en="").exists()
    assert Category.objects.get(service_code="nid-de-poule").name_en == "Pothole"
