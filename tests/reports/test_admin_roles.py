"""Roles reports declares for the back office: a service manager keeps the categories and where
they go (routing rules), a moderator the abuse list; each sees and edits that, and no report."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from civic.models import Department
from reports.models import Abuser, Category, RoutingRule
from tests.conftest import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def service_manager(db: None) -> Any:
    return make_person("services@example.org", staff=True, group="service_manager")


@pytest.fixture
def moderator(db: None) -> Any:
    return make_person("moderation@example.org", staff=True, group="moderator")


def reports_models_listed(client: Client) -> set[str]:
    page = client.get("/admin/")
    assert page.status_code == 200
    return {
        model["object_name"]
        for app in page.context["app_list"]
        if app["app_label"] == "reports"
        for model in app["models"]
    }


def test_it_lets_a_service_manager_edit_categories_and_their_routing_and_nothing_else(
    client: Client, service_manager: Any, department: Any, districts: Any
) -> None:
    client.force_login(service_manager)
    assert reports_models_listed(client) == {"Category"}
    lighting = Department.objects.create(code="eclairage", name="Éclairage")
    response = client.post(
        "/admin/reports/category/add/",
        {
            "service_code": "lampe",
            "name": "Lampe éteinte",
            "department": department.pk,
            "nearby_radius_m": 50,
            "questions": "[]",
            "is_active": "on",
            "order": 0,
            "routing_rules-TOTAL_FORMS": 1,
            "routing_rules-INITIAL_FORMS": 0,
            "routing_rules-MIN_NUM_FORMS": 0,
            "routing_rules-MAX_NUM_FORMS": 1000,
            "routing_rules-0-district": districts[0].pk,
            "routing_rules-0-department": lighting.pk,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    category = Category.objects.get(service_code="lampe")
    assert RoutingRule.objects.get(category=category).department == lighting
    for forbidden in ("/admin/reports/report/", "/admin/reports/abuser/", "/admin/reports/photo/"):
        assert client.get(forbidden).status_code == 403, forbidden
    assert client.get(f"/admin/reports/category/{category.pk}/delete/").status_code == 403


def test_it_lets_a_moderator_keep_the_abuse_list_and_nothing_else(
    client: Client, moderator: Any
) -> None:
    client.force_login(moderator)
    assert reports_models_listed(client) == {"Abuser"}
    response = client.post(
        "/admin/reports/abuser/add/", {"email": "spam@example.org", "reason": "Insultes"}
    )
    assert response.status_code == 302
    assert Abuser.objects.filter(reason="Insultes").count() == 1
    for forbidden in ("/admin/reports/report/", "/admin/reports/category/"):
        assert client.get(forbidden).status_code == 403, forbidden
