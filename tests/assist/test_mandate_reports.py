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
    from django.utils import translation

    scope = mandate_scope("reports")
    assert scope is not None
    with translation.override("en"):
        assert "report problems in public space in my name" in str(scope.description)


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


def test_each_page_view_and_act_of_a_mediator_carries_the_mediator_channel_and_mandate(
    mediator_client: Client, make_mandate: Any, resident: Any, districts: Any, category: Any
) -> None:
    mandate = make_mandate(resident, scopes=("reports",))
    before = set(AccessLog.objects.values_list("pk", flat=True))

    mediator_client.get(f"/assist/mandates/{mandate.pk}/")
    mediator_client.post(f"/assist/mandates/{mandate.pk}/reports/new/", _report(category))
    mediator_client.get(f"/assist/mandates/{mandate.pk}/")

    entries = AccessLog.objects.exclude(pk__in=before).order_by("at")
    assert entries.count() == 3  # one line each; the resident's page groups a visit's views
    for entry in entries:
        assert (entry.channel, entry.actor_role) == ("mediator", "mediator")
        assert (entry.actor_ref_type, entry.actor_ref_id) == ("assist.mandate", str(mandate.pk))


def test_it_starts_and_stops_area_alerts_for_the_resident(
    mediator_client: Client, make_mandate: Any, resident: Any, districts: Any
) -> None:
    from reports.models import AreaAlert

    assert mandate_scope("report-alerts") is not None  # declared by the reports app
    mandate = make_mandate(resident, scopes=("report-alerts",))
    district = districts[0]

    started = mediator_client.post(
        f"/assist/mandates/{mandate.pk}/alerts/", {"district": district.pk}
    )
    alert = AreaAlert.objects.get()
    assert started["Location"] == f"/assist/mandates/{mandate.pk}/#alerts"
    assert (alert.user, alert.district) == (resident, district)
    assert (
        f'name="stop" value="{alert.pk}"'
        in mediator_client.get(f"/assist/mandates/{mandate.pk}/").content.decode()
    )

    mediator_client.post(f"/assist/mandates/{mandate.pk}/alerts/", {"stop": alert.pk})
    assert not AreaAlert.objects.exists()

    consent_only = make_mandate(resident, scopes=("consent",))
    refused = mediator_client.post(
        f"/assist/mandates/{consent_only.pk}/alerts/", {"district": district.pk}
    )
    assert refused.status_code == 403 and not AreaAlert.objects.exists()
