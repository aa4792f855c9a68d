"""The staff back office as a product: the city's name and "staff" in its header, the staff
tools (triage queue, its map, the dashboard) in its menu for those whose job needs them, a way
back to the public site and sign-out, in the staff member's language; refusals and missing
pages explained in that language."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from civic.city import city
from tests.conftest import make_person

pytestmark = pytest.mark.django_db


def test_it_brands_the_admin_with_the_city_and_shows_the_staff_tools_in_french(
    client: Client, triager: Any
) -> None:
    client.force_login(triager)
    page = client.get("/admin/").content.decode()
    assert city().name in page and '<span class="staff-badge">personnel</span>' in page
    assert 'href="/admin/reports/report/">Signalements à trier</a>' in page
    assert 'href="/admin/reports/report/map/">Carte de la file</a>' in page
    assert 'href="/reports/dashboard/">Tableau de bord des signalements</a>' in page
    assert 'href="/">Site public</a>' in page
    assert 'action="/admin/logout/"' in page and "Se déconnecter" in page
    dashboard = client.get("/reports/dashboard/").content.decode()
    assert 'aria-current="page">Tableau de bord des signalements</a>' in dashboard


def test_it_speaks_english_to_staff_who_read_english(client: Client) -> None:
    reader = make_person("eve@example.org", staff=True, group="triager", language="en")
    client.force_login(reader)
    page = client.get("/admin/").content.decode()
    assert '<span class="staff-badge">staff</span>' in page
    assert ">Reports to triage</a>" in page and ">Public site</a>" in page
    assert "Sign out" in page


def test_it_shows_the_reports_tools_only_to_staff_whose_job_needs_them(
    client: Client, sensor_operator: Any
) -> None:
    client.force_login(sensor_operator)
    page = client.get("/admin/").content.decode()
    assert city().name in page
    assert "/admin/reports/report/" not in page and "/reports/dashboard/" not in page


def test_it_explains_a_refusal_and_a_missing_page_in_the_staff_members_language(
    client: Client, sensor_operator: Any, triager: Any
) -> None:
    client.force_login(sensor_operator)
    refused = client.get("/reports/dashboard/")
    assert refused.status_code == 403
    text = refused.content.decode()
    assert "Accès refusé" in text and 'href="/admin/"' in text
    client.force_login(triager)
    missing = client.get("/admin/reports/nothing-here/")
    assert missing.status_code == 404
    assert "Page introuvable" in missing.content.decode() or "introuvable" in (
        missing.content.decode()
    )
