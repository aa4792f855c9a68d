"""schemathesis against the API's own OpenAPI schema (``/api/schema/``), in-process through the
real WSGI app: whatever the schema lets a client send, valid or not, the answer is never a 5xx.

CI: a fixed, derandomised run of a few examples per operation. ``make fuzz``
(CIVIC_FUZZ_EXAMPLES=5000): long and random.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings

from civic.actors import Actor
from civic.registry import api_scopes
from civic.services import api_client_create

pytestmark = pytest.mark.django_db

LONG = int(os.environ.get("CIVIC_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=LONG or 20,
    derandomize=not LONG,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
METHODS = {"get", "post", "put", "patch", "delete"}
# Collected from the same generator that serves /api/schema/, so every xdist worker sees the
# same operations; the test itself loads the schema over HTTP.
OPERATIONS = sorted(
    (method.upper(), path)
    for path, item in SchemaGenerator().get_schema(request=None, public=True)["paths"].items()
    for method in item
    if method in METHODS
)


@pytest.fixture
def app(districts: Any, category: Any, anonymous_category: Any) -> Iterator[Any]:
    """The real WSGI handler, as gunicorn runs it. Like Django's test client, it must not close
    the test's database connection (and its transaction) at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def api_key(db: None) -> str:
    scopes = [scope.code for scope in api_scopes()]
    _client, key = api_client_create(actor=Actor.system(), name="Fuzzer", scopes=scopes)
    return key


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_it_never_answers_a_5xx(app: Any, api_key: str, method: str, path: str) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app)
    operation = schema[path][method]
    headers = {"Authorization": f"Api-Key {api_key}"}

    @FUZZ
    @given(case=operation.as_strategy())
    def call(case: Any) -> None:
        # Each example in a savepoint of its own, as each request has its transaction.
        with transaction.atomic():
            response = case.call(headers=headers)
        assert response.status_code < 500, (case.as_curl_command(), response.text[:500])

    call()
