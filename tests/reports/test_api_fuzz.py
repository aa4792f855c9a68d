"""Whatever a client sends to Open311 or ``POST /api/reports/``, the answer is never a 5xx.

A fixed, derandomised run of a few dozen examples each, so CI stays fast and repeatable.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civic.models import ApiClient
from reports.models import Report
from tests.reports.conftest import INSIDE

pytestmark = pytest.mark.django_db

# CI: a fixed, derandomised run of a few seconds. `make fuzz`: CIVIC_FUZZ_EXAMPLES=5000, random.
LONG = int(os.environ.get("CIVIC_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=LONG or 40,
    derandomize=not LONG,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Any character a request can carry (lone surrogates cannot be encoded in UTF-8).
texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
odd = st.one_of(
    texts,
    st.sampled_from(["", " ", "9" * 30, "-1", "1e400", "nan", "0001-01-01T00:00:00+14:00"]),
    st.integers().map(str),
)


@pytest.fixture
def api_key(db: None) -> str:
    key = ApiClient.new_key()
    ApiClient.objects.create(
        name="App", key_hash=ApiClient.hash_key(key), key_prefix=key[:10], scopes=["reports"]
    )
    return key


@FUZZ
@given(
    fields=st.dictionaries(
        st.sampled_from(
            [
                "description",
                "address_string",
                "first_name",
                "last_name",
                "phone",
                "email",
                "media_url",
                "lat",
                "long",
                "service_code",
                "attribute[offensive]",
                "attribute[offensive][]",
                "attribute[other]",
            ]
        ),
        odd,
    )
)
def test_it_never_fails_on_an_open311_post(
    client: Client, api_key: str, districts: Any, anonymous_category: Any, fields: Any
) -> None:
    data = {"api_key": api_key, "service_code": "tag", "lat": INSIDE[0], "long": INSIDE[1]}
    response = client.post("/open311/v2/requests.xml", {**data, **fields})
    assert response.status_code in (201, 400), response.content
    ET.fromstring(response.content)  # noqa: S314 - our own answer, well-formed


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(
            ["service_request_id", "service_code", "status", "start_date", "end_date", "lang"]
        ),
        odd,
    )
)
def test_it_never_fails_on_an_open311_list(
    client: Client, api_key: str, resident: Any, make_report: Any, params: Any
) -> None:
    report = make_report(resident)
    # A row stored before descriptions were checked: the list must still be well-formed XML.
    Report.objects.filter(pk=report.pk).update(description="Un trou\x0b profond")
    response = client.get("/open311/v2/requests.xml", {**params, "api_key": api_key})
    assert response.status_code in (200, 400), response.content
    ET.fromstring(response.content)  # noqa: S314 - our own answer, well-formed


@FUZZ
@given(
    fields=st.dictionaries(
        st.sampled_from(
            [
                "category",
                "description",
                "address",
                "name",
                "phone",
                "email",
                "lat",
                "lon",
                "show_name",
                "attribute[offensive]",
            ]
        ),
        odd,
    )
)
def test_it_never_fails_on_an_api_report(
    client: Client, api_key: str, districts: Any, anonymous_category: Any, fields: Any
) -> None:
    data = {"category": "tag", "lat": INSIDE[0], "lon": INSIDE[1], "description": "Un tag"}
    response = client.post(
        "/api/reports/", {**data, **fields}, HTTP_AUTHORIZATION=f"Api-Key {api_key}"
    )
    assert response.status_code in (201, 400), response.content
