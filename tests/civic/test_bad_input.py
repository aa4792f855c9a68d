"""Bad input to every API endpoint that takes a body: a clear 4xx, never a 5xx (issue 11)."""

from __future__ import annotations

import pytest
from django.test import Client

from civic.actors import Actor
from civic.services import api_client_create

pytestmark = pytest.mark.django_db

DEEP = "[" * 100_000 + "]" * 100_000  # deeper than Python's recursion limit
DEEP_OBJECT = '{"a":' * 100_000 + "1" + "}" * 100_000

# Each endpoint that reads a JSON body answers 400; the form-only ones refuse the type (415;
# Open311 first asks for its api_key, which it reads from the form: 403 in its own format).
POSTS = {"/api/reports/": 415, "/open311/v2/requests.json": 403, "/api/density/reports/": 400}


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["array", "object"])
@pytest.mark.parametrize("url", sorted(POSTS))
def test_it_answers_a_4xx_to_deeply_nested_json(client: Client, url: str, body: str) -> None:
    _client, key = api_client_create(
        actor=Actor.system(), name="App", scopes=["reports", "density"]
    )
    response = client.post(
        url, body, content_type="application/json", headers={"Authorization": f"Api-Key {key}"}
    )
    assert response.status_code == POSTS[url], response.content[:300]
