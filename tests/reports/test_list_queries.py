"""The public list of reports costs the same few queries for 2 reports or 12 (pinned)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.reports.conftest import INSIDE

pytestmark = pytest.mark.django_db


def queries_for(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured.captured_queries)


def test_it_lists_reports_in_a_fixed_number_of_queries(
    client: Client, resident: Any, make_report: Any, django_assert_num_queries: Any
) -> None:
    reports = [make_report(resident, lat=INSIDE[0] + i * 0.001, show_name=True) for i in range(2)]
    few = queries_for(client, "/reports/")
    reports += [make_report(resident, lat=INSIDE[0] + 0.01 + i * 0.001) for i in range(10)]

    with django_assert_num_queries(few):
        page = client.get("/reports/").content.decode()
    assert all(f'href="{report.get_absolute_url()}"' in page for report in reports)
    assert few <= 6, f"the list costs {few} queries"
