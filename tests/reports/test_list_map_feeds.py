"""The public list (filters, pages), the map's GeoJSON tiles (clusters, freshness), Atom feeds."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civic.actors import Actor, Channel
from reports.models import Report, Status
from reports.services import report_change_status, report_hide
from reports.tiles import MAX_POINTS, cell_of
from tests.reports.conftest import INSIDE

pytestmark = pytest.mark.django_db


def tile_of(lat: float, lon: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    r = math.radians(lat)
    y = int((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n)
    return x, y


def test_it_lists_public_reports_with_filters_and_pages(
    client: Client, resident: Any, triager: Any, make_report: Any, districts: Any
) -> None:
    reports = [make_report(resident) for _ in range(22)]
    report_change_status(
        actor=Actor(channel=Channel.STAFF, user=triager), report=reports[0], status=Status.FIXED
    )
    report_hide(actor=Actor(channel=Channel.STAFF, user=triager), report=reports[1], reason="x")
    page = client.get("/reports/")
    assert page.status_code == 200
    assert page.context["page"].paginator.count == 21
    assert len(page.context["page"].object_list) == 20
    second = client.get("/reports/", {"page": 2})
    assert [r.pk for r in second.context["page"]] == [reports[0].pk]
    fixed = client.get("/reports/", {"status": "fixed"})
    assert [r.pk for r in fixed.context["page"]] == [reports[0].pk]
    elsewhere = client.get("/reports/", {"district": districts[3].pk})
    assert elsewhere.context["page"].paginator.count == 0
    assert client.get("/reports/", {"period": "7"}).context["page"].paginator.count == 21


def test_it_serves_map_tiles_kept_fresh_on_each_change(
    client: Client, resident: Any, triager: Any, make_report: Any, run_on_commit: Any
) -> None:
    with run_on_commit():
        report = make_report(resident)
    x, y = tile_of(*INSIDE, 15)
    url = f"/reports/map/15/{x}/{y}.geojson"
    response = client.get(url)
    assert response["Content-Type"] == "application/geo+json"
    (feature,) = response.json()["features"]
    assert feature["properties"]["id"] == report.pk
    # The name in both languages (no English given: the French), for the page to pick.
    assert feature["properties"]["category"] == feature["properties"]["category_en"]
    assert feature["properties"]["category"] == "Nid-de-poule"
    assert feature["geometry"]["coordinates"] == [INSIDE[1], INSIDE[0]]
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    assert len(queries) == 0  # served from the cache
    etag = response["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    with run_on_commit():
        report_change_status(
            actor=Actor(channel=Channel.STAFF, user=triager), report=report, status=Status.FIXED
        )
    assert client.get(url).json()["features"] == []  # fixed: no longer on the map
    assert client.get("/reports/map/2/9/0.geojson").status_code == 404


def test_it_clusters_a_crowded_tile(resident: Any, make_report: Any, client: Client) -> None:
    first = make_report(resident)
    rows = [
        Report(
            category=first.category,
            department=first.department,
            district=first.district,
            lat=INSIDE[0] + (i % 20) * 0.0001,
            lon=INSIDE[1] + (i // 20) * 0.0001,
            cell=cell_of(INSIDE[0] + (i % 20) * 0.0001, INSIDE[1] + (i // 20) * 0.0001),
            description="x",
            status=Status.OPEN,
        )
        for i in range(MAX_POINTS + 50)
    ]
    Report.objects.bulk_create(rows)
    x, y = tile_of(*INSIDE, 14)
    features = client.get(f"/reports/map/14/{x}/{y}.geojson").json()["features"]
    assert all(f["properties"]["cluster"] for f in features)
    assert sum(f["properties"]["count"] for f in features) == MAX_POINTS + 51


def test_it_publishes_atom_feeds(
    client: Client, resident: Any, triager: Any, make_report: Any, districts: Any
) -> None:
    report = make_report(resident)
    report_change_status(
        actor=Actor(channel=Channel.STAFF, user=triager),
        report=report,
        status=Status.ACKNOWLEDGED,
        text="Vu.",
    )
    atom = "{http://www.w3.org/2005/Atom}"
    city = ET.fromstring(client.get("/reports/feed.atom").content)  # noqa: S314 - ours
    assert len(city.findall(f"{atom}entry")) == 1
    district = client.get(f"/reports/districts/{districts[0].code}/feed.atom")
    assert district.status_code == 200
    one = ET.fromstring(client.get(f"/reports/{report.pk}/feed.atom").content)  # noqa: S314
    assert one.find(f"{atom}entry/{atom}summary").text == "Vu."
    report_hide(actor=Actor(channel=Channel.STAFF, user=triager), report=report, reason="x")
    assert client.get(f"/reports/{report.pk}/feed.atom").status_code == 404
