"""Under a mandate that allows it (a scope the reports app declares), a mediator files a report in
the resident's name and follows their reports; the resident sees it in their access history."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from civic.registry import mandate_scope
from consent.models import AccessLog
from reports.models import Category, Report
from tests.assist.conftest import client_for
from tests.reports.conftest import INSIDE

pytestmark = pytest.mark.django_db


@pytest.fixture
def category(department: Any) -> Any:
    return Category.objects.create(
        service_code="eclairage", name="Lampadaire éteint", group="Éclairage", department=department
    )


def _report(category: Any) -> dict[str, Any]:
    return {
        "category": category.pk,
        "description": "Lampadaire éteint devant le 3",
        "lat": INSIDE[0],
        "lon": INSIDE[1],
    }


def test_it_is_a_scope_the_reports_app_declares() -> None:
    scope = mandate_scope("reports")
    assert scope is not None and "report" in str(scope.description)


def test_it_files_a_report_for_the_resident_under_a_mandate(
    mediator_client: Client, make_mandate: Any, resident: Any, districts: Any, category: Any
) -> None:
    mandate = make_mandate(resident, scopes=("reports",))
    logged = AccessLog.objects.count()
    page = mediator_client.get(f"/assist/mandates/{mandate.pk}/reports/new/")
    assert page.status_code == 200

    response = mediator_client.post(
        f"/assist/mandates/{mandate.pk}/reports/new/", _report(category)
    )

    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/assist/mandates/{mandate.pk}/#reports"
    assert (report.reporter, report.channel, report.status) == (resident, "mediator", "open")
    assert AccessLog.objects.count() == logged + 1
    detail = mediator_client.get(f"/assist/mandates/{mandate.pk}/").content.decode()
    assert f'href="/reports/{report.pk}/"' in detail  # followed from the mandate's page


def test_it_refuses_without_the_scope_or_for_another_organisation(
    mediator_client: Client,
    make_mandate: Any,
    resident: Any,
    other_mediator: Any,
    districts: Any,
    category: Any,
) -> None:
    consent_only = make_mandate(resident, scopes=("consent",))

    refused = mediator_client.post(
        f"/assist/mandates/{consent_only.pk}/reports/new/", _report(category)
    )
    elsewhere = client_for(other_mediator).post(
        f"/assist/mandates/{consent_only.pk}/reports/new/", _report(category)
    )

    assert refused.status_code == 403
    assert elsewhere.status_code == 404
    assert not Report.objects.exists()
