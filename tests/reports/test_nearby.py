"""Before sending, open reports of the same kind nearby are offered: follow or support instead."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from reports.models import Report
from tests.reports.conftest import INSIDE

pytestmark = pytest.mark.django_db


def test_it_offers_nearby_reports_before_sending_a_new_one(
    client: Client, resident: Any, resident2: Any, make_report: Any, category: Any
) -> None:
    existing = make_report(resident)
    far = make_report(resident, lat=INSIDE[0] + 0.01)  # about 1.1 km north
    client.force_login(resident2)
    data = {
        "category": category.pk,
        "description": "Gros trou",
        "lat": INSIDE[0] + 0.001,  # about 110 m away
        "lon": INSIDE[1],
    }
    response = client.post("/reports/new/", data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Already reported?" in page  # in Bob's language, English
    assert f"/reports/{existing.pk}/" in page and f"/reports/{far.pk}/" not in page
    assert Report.objects.count() == 2
    assert response.context["form"].data["nearby_seen"] == "True"

    client.post(f"/reports/{existing.pk}/support/")
    assert existing.supports.filter(user=resident2).exists()
    assert existing.subscriptions.filter(user=resident2).exists()

    response = client.post("/reports/new/", {**data, "nearby_seen": "True"})
    assert response.status_code == 200
    assert "Report sent" in response.content.decode()
    assert Report.objects.count() == 3
