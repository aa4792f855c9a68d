"""The mediator's home lists their mandates in the same few queries for 2 residents or 8."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import make_person

pytestmark = pytest.mark.django_db


def test_it_lists_mandates_in_a_fixed_number_of_queries(
    mediator_client: Client, make_mandate: Any, django_assert_num_queries: Any
) -> None:
    def resident(i: int) -> Any:
        return make_person(f"resident{i}@example.org", name=f"Résidente {i}")

    residents = [resident(i) for i in range(2)]
    for person in residents:
        make_mandate(person)
    with CaptureQueriesContext(connection) as few:
        assert mediator_client.get("/assist/").status_code == 200
    more = [resident(i) for i in range(2, 8)]
    for person in more:
        make_mandate(person)

    with django_assert_num_queries(len(few.captured_queries)):
        page = mediator_client.get("/assist/").content.decode()
    assert all(person.display_name in page for person in residents + more)
