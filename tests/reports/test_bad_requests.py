"""Bad input gets a clear 4xx, never a 5xx: CSP reports and made-up manage links (issue 11)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core import signing
from django.test import Client

pytestmark = pytest.mark.django_db

DEEP = "[" * 100_000 + "]" * 100_000  # deeper than Python's recursion limit


@pytest.mark.parametrize("body", ["[]", "1", '"x"', "null", DEEP, "{not json"])
def test_it_a_csp_report_that_is_not_one_gets_400(client: Client, body: str) -> None:
    response = client.post("/csp-report/", body, content_type="application/csp-report")
    assert response.status_code == 400


def test_it_a_real_csp_report_is_taken(client: Client) -> None:
    body = json.dumps({"csp-report": {"violated-directive": "img-src", "blocked-uri": "data"}})
    response = client.post("/csp-report/", body, content_type="application/csp-report")
    assert response.status_code == 204


# Built in the test (a signed token carries a timestamp; parameters must be the same on every
# xdist worker).
TOKENS = {
    "garbage": lambda: "garbage",
    "of-another-kind": lambda: signing.dumps(1, salt="reports.confirm"),
    "not-a-number": lambda: signing.dumps("abc", salt="reports.manage"),
}


@pytest.mark.parametrize("kind", sorted(TOKENS))
def test_it_a_made_up_manage_link_is_404(
    client: Client, resident: Any, make_report: Any, kind: str
) -> None:
    report = make_report(resident)
    response = client.get(f"/reports/{report.pk}/edit/", {"token": TOKENS[kind]()})
    assert response.status_code == 404
