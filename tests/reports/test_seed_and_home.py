"""The demo city has categories and published reports; the home page offers the form."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from reports.models import Category, Report

pytestmark = pytest.mark.django_db


def test_it_seeds_categories_and_20_recent_published_reports(tmp_path: Path) -> None:
    with override_settings(CIVIC_DEMO_CREDENTIALS_FILE=tmp_path / "credentials.txt"):
        call_command("seed_demo", stdout=StringIO())
        first = Report.objects.count()
        call_command("seed_demo", stdout=StringIO())
    assert Report.objects.count() == first  # idempotent
    assert Category.objects.exists()
    assert not Category.objects.filter(anonymous_allowed=False).exists()
    published = Report.objects.public()
    assert published.count() >= 20
    month_ago = timezone.now() - timedelta(days=30)
    assert not published.filter(created_at__lt=month_ago).exists()
    assert not published.filter(lat=None).exists()
    assert not published.filter(district=None).exists()


def test_it_offers_the_report_form_on_the_home_page(client: Client, category: Any) -> None:
    page = client.get("/").content.decode()
    assert 'href="/reports/new/"' in page
    assert "Signaler un problème" in page
    form = client.get("/reports/new/")
    assert form.status_code == 200
    assert "Nid-de-poule" in form.content.decode()
