"""Published positions never point at a home: a resident-hosted sensor's alert opens a report at
the coarsened position, and every public surface (the report page, Open311 in JSON and XML, the
report map's tiles, the sensors' open data and map) shows only that, even after the host leaves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from reports.models import Category, Report
from reports.tiles import tile_xy
from sensors.alerts import alerts_evaluate
from sensors.models import AlertRule, Sensor
from sensors.storage import readings_write
from tests.sensors.conftest import make_device

pytestmark = pytest.mark.django_db

HOME = (47.37654, 0.66321)
# What would place the home within ~10 m: the first four decimals.
EXACT = ("47.3765", "0.6632")
COARSE = (47.377, 0.663)


@pytest.fixture
def hosted_bin(districts: list[Any], department: Any, resident: Any) -> Sensor:
    Category.objects.create(
        service_code="collecte-dechets", name="Collecte des déchets", department=department
    )
    AlertRule.objects.create(
        name="Bac plein",
        quantity="fill_level",
        threshold=90,
        duration_minutes=0,
        scope=AlertRule.Scope.KIND,
        kind="bin",
        notify_subscribers=False,
        report_service_code="collecte-dechets",
    )
    return make_device(
        "bin-home-1", "native", "bin", latitude=HOME[0], longitude=HOME[1], owner=resident
    ).sensor


def _alert_report(sensor: Sensor) -> Report:
    now: datetime = timezone.now().replace(second=0, microsecond=0)
    readings_write([(sensor.pk, "fill_level", now, 95.0)])
    alerts_evaluate(now=now)
    return Report.objects.get()


def _public_surfaces(client: Client, report: Report) -> dict[str, str]:
    x, y = tile_xy(COARSE[0], COARSE[1], 16)
    urls = {
        "report page": f"/reports/{report.pk}/",
        "Open311 request json": f"/open311/v2/requests/{report.pk}.json",
        "Open311 request xml": f"/open311/v2/requests/{report.pk}.xml",
        "Open311 list json": "/open311/v2/requests.json",
        "Open311 list xml": "/open311/v2/requests.xml",
        "report map tile": f"/reports/map/16/{x}/{y}.geojson",
        "sensors open data": "/api/sensors/",
        "sensors map": "/sensors/",
    }
    pages = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, name
        pages[name] = response.content.decode()
    return pages


def _assert_coarse(pages: dict[str, str]) -> None:
    for name, body in pages.items():
        for exact in EXACT:
            assert exact not in body, f"{name} shows the home's position"


def test_it_opens_the_alert_report_at_the_coarsened_position(
    client: Client, hosted_bin: Sensor
) -> None:
    report = _alert_report(hosted_bin)

    assert (report.lat, report.lon) == COARSE
    pages = _public_surfaces(client, report)
    _assert_coarse(pages)
    assert str(COARSE[0]) in pages["Open311 request json"]
    assert str(COARSE[0]) in pages["sensors open data"]
    assert f"/reports/{report.pk}/" in pages["report map tile"]


def test_it_keeps_the_position_coarsened_after_the_host_leaves(
    client: Client, hosted_bin: Sensor
) -> None:
    hosted_bin.owner = None
    hosted_bin.save()

    report = _alert_report(hosted_bin)

    assert Sensor.objects.get(pk=hosted_bin.pk).public_position == COARSE
    assert (report.lat, report.lon) == COARSE
    _assert_coarse(_public_surfaces(client, report))


def test_it_publishes_a_city_sensor_where_it_stands(districts: list[Any]) -> None:
    city = make_device("bin-city-1", "native", "bin", latitude=HOME[0], longitude=HOME[1]).sensor
    assert city.public_position == HOME
