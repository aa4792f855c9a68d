"""The report form finds addresses in the city's own gazetteer: without JavaScript a results
step; an address alone is placed by the gazetteer; a point is named by its nearest address."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from civic.addresses import addresses_import, ban_csv
from reports.models import Report
from tests.reports.conftest import INSIDE

pytestmark = pytest.mark.django_db

PAIX_12 = (INSIDE[0] + 0.0002, INSIDE[1] + 0.0003)


@pytest.fixture
def gazetteer() -> None:
    def row(ban_id: str, number: str, street: str, lat: float, lon: float) -> dict[str, str]:
        return {
            "id": ban_id,
            "numero": number,
            "nom_voie": street,
            "code_postal": "37000",
            "code_insee": "37261",
            "nom_commune": "Civic-sur-Loire",
            "lat": f"{lat:.6f}",
            "lon": f"{lon:.6f}",
        }

    rows = [
        row("37261_0100_00012", "12", "Rue de la Paix", *PAIX_12),
        row("37261_0100_00014", "14", "Rue de la Paix", PAIX_12[0] + 0.001, PAIX_12[1]),
        row("37261_0200_00012", "12", "Rue de la Pêcherie", INSIDE[0] + 0.002, INSIDE[1]),
    ]
    addresses_import(lines=ban_csv(rows))


def form(category: Any, **extra: Any) -> dict[str, Any]:
    return {"category": category.pk, "description": "Un trou", **extra}


def test_it_lists_the_addresses_found_without_javascript_and_puts_the_point_there(
    client: Client, resident: Any, districts: Any, category: Any, gazetteer: None
) -> None:
    client.force_login(resident)
    step = client.post("/reports/new/", form(category, address="12 rue de la p", find_address="1"))
    page = step.content.decode()
    assert step.status_code == 200 and step.context["step"] == "address"
    assert "12 rue de la Paix, 37000 Civic-sur-Loire" in page
    assert "12 rue de la Pêcherie, 37000 Civic-sur-Loire" in page
    assert "govuk-error-summary" not in page  # a step, not a mistake
    assert not Report.objects.exists()

    choices = step.context["form"].fields["address_pick"].choices
    (pick,) = [value for value, label in choices if "Paix" in label]
    client.post("/reports/new/", form(category, address="12 rue de la p", address_pick=pick))
    report = Report.objects.get()
    assert (report.lat, report.lon) == pytest.approx(PAIX_12)
    assert report.address == "12 rue de la Paix, 37000 Civic-sur-Loire"
    assert report.district == districts[0]


def test_it_says_when_no_address_matches(
    client: Client, resident: Any, districts: Any, category: Any, gazetteer: None
) -> None:
    client.force_login(resident)
    step = client.post("/reports/new/", form(category, address="rue inconnue", find_address="1"))
    assert step.status_code == 200
    assert "Aucune adresse de la ville ne correspond" in step.content.decode()


def test_it_places_a_report_given_only_an_address_by_the_gazetteer(
    client: Client, resident: Any, districts: Any, category: Any, gazetteer: None
) -> None:
    client.force_login(resident)
    response = client.post("/reports/new/", form(category, address="12 rue de la Paix"))
    assert response.status_code == 200
    report = Report.objects.get()
    assert (report.lat, report.lon) == pytest.approx(PAIX_12)
    assert report.district == districts[0]


def test_it_asks_for_the_district_when_the_address_is_unknown(
    client: Client, resident: Any, districts: Any, category: Any, gazetteer: None
) -> None:
    client.force_login(resident)
    response = client.post("/reports/new/", form(category, address="derrière la halle"))
    assert response.status_code == 400
    assert not Report.objects.exists()
    client.post(
        "/reports/new/", form(category, address="derrière la halle", district=districts[0].pk)
    )
    report = Report.objects.get()
    assert report.lat is None and report.district == districts[0]


def test_it_names_the_address_nearest_to_the_point(
    client: Client, resident: Any, districts: Any, category: Any, gazetteer: None
) -> None:
    client.force_login(resident)
    lat, lon = PAIX_12[0] + 0.0001, PAIX_12[1]
    response = client.post("/reports/new/", {"category": category.pk, "lat": lat, "lon": lon})
    assert response.status_code == 400  # no description yet
    near = "À proximité : 12 rue de la Paix, 37000 Civic-sur-Loire"
    assert near in response.content.decode()


def test_it_sets_an_area_alert_around_an_address_found_without_javascript(
    client: Client, resident: Any, districts: Any, gazetteer: None
) -> None:
    client.force_login(resident)
    add = {"action": "add", "radius_m": 300}
    step = client.post("/reports/alerts/", {**add, "address": "12 rue de la p", "find_address": 1})
    assert step.status_code == 200 and not resident.report_alerts.exists()
    choices = step.context["form"].fields["address_pick"].choices
    (pick,) = [value for value, label in choices if "Paix" in label]
    client.post("/reports/alerts/", {**add, "address": "12 rue de la p", "address_pick": pick})
    alert = resident.report_alerts.get()
    assert (alert.lat, alert.lon) == pytest.approx(PAIX_12) and alert.radius_m == 300


def test_it_sets_an_area_alert_around_a_typed_address(
    client: Client, resident: Any, districts: Any, gazetteer: None
) -> None:
    client.force_login(resident)
    client.post("/reports/alerts/", {"action": "add", "address": "14 rue de la Paix"})
    alert = resident.report_alerts.get()
    assert (alert.lat, alert.lon) == pytest.approx((PAIX_12[0] + 0.001, PAIX_12[1]))
    response = client.post("/reports/alerts/", {"action": "add", "address": "rue inconnue"})
    assert response.status_code == 400 and resident.report_alerts.count() == 1
