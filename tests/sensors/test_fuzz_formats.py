"""Whatever a device sends, in every sensor format: the request answers 202, 400 or 413 (never a
5xx), and what it accepted the worker parses without failing (issue 11).

CI: a fixed, derandomised run of a few dozen examples. ``make fuzz``: CIVIC_FUZZ_EXAMPLES.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sensors.models import IngestBatch
from tests.sensors.test_push_airrohr import firmware_headers

pytestmark = pytest.mark.django_db

LONG = int(os.environ.get("CIVIC_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=LONG or 30,
    derandomize=not LONG,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
# Any text a device can put in JSON (NUL and lone surrogates included, as \\u escapes).
texts = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["bin-0042", "fill_level", "SDS_P1", "samples", "\x00", "\ud800", "1e400"]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    texts,
)
documents = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=12,
)
NOW = "2026-01-01T00:00:00+00:00"
native_rows = st.lists(
    st.fixed_dictionaries(
        {"sensor": st.one_of(st.just("bin-0042"), documents), "time": st.just(NOW)},
        optional={"quantity": st.one_of(st.just("fill_level"), documents), "value": documents},
    ),
    min_size=1,
    max_size=3,
)
ttn_uplinks = st.fixed_dictionaries(
    {
        "end_device_ids": st.fixed_dictionaries({"dev_eui": st.just("70B3D57ED0001234")}),
        "received_at": st.just(NOW),
        "uplink_message": st.fixed_dictionaries(
            {"decoded_payload": st.dictionaries(texts, documents, max_size=3)}
        ),
    }
)
airrohr_pushes = st.fixed_dictionaries(
    {
        "esp8266id": st.just("13463419"),
        "software_version": documents,
        "sensordatavalues": st.lists(
            st.fixed_dictionaries({"value_type": texts, "value": documents}), max_size=4
        ),
    }
)


def dumps(document: Any) -> str:
    return json.dumps(document)  # NaN and Infinity as Python writes them, surrogates escaped


def post_and_ingest(push: Any, url: str, body: str, headers: dict[str, str]) -> None:
    IngestBatch.objects.all().delete()
    response = push(url, body, **headers)  # the worker's task runs after the request
    assert response.status_code in (202, 400, 413), response.content[:300]
    if response.status_code == 202:
        batch = IngestBatch.objects.get()
        assert batch.state == IngestBatch.State.DONE, batch.last_error


@FUZZ
@given(body=st.one_of(native_rows.map(dumps), documents.map(dumps)))
def test_it_never_fails_on_native_rows(
    native_device: Any, sensors_key: str, push: Any, body: str
) -> None:
    headers = {"Authorization": f"Api-Key {sensors_key}"}
    post_and_ingest(push, "/api/sensors/readings/", body, headers)


@FUZZ
@given(body=st.one_of(ttn_uplinks.map(dumps), documents.map(dumps)))
def test_it_never_fails_on_ttn_uplinks(
    ttn_device: Any, sensors_key: str, push: Any, body: str
) -> None:
    post_and_ingest(
        push, "/api/sensors/push/ttn/", body, {"Authorization": f"Bearer {sensors_key}"}
    )


@FUZZ
@given(body=st.one_of(airrohr_pushes.map(dumps), documents.map(dumps)))
def test_it_never_fails_on_airrohr_pushes(airrohr_device: Any, push: Any, body: str) -> None:
    post_and_ingest(push, "/api/sensors/push/airrohr/", body, firmware_headers(airrohr_device))
