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


def test_it_lists_current_mandates_ending_soonest_first_and_finds_only_their_residents(
    mediator_client: Client, make_mandate: Any, other_mediator: Any, other_organisation: Any
) -> None:
    from assist import services
    from civic.actors import Actor, Channel

    later = make_mandate(make_person("later@example.org", name="Lucie Tard"), days=183)
    sooner = make_mandate(make_person("sooner@example.org", name="Sophie Tôt"), days=31)
    from civic.models import User

    stranger = User.objects.create_user(email=None, password=None, display_name="Lucie Ailleurs")
    elsewhere = Actor(channel=Channel.MEDIATOR, user=other_mediator)
    services.mandate_confirm_paper(
        actor=elsewhere,
        mandate=services.mandate_record(
            actor=elsewhere,
            organisation=other_organisation,
            resident=stranger,
            scopes=["consent"],
            days=31,
        ),
    )

    page = mediator_client.get("/assist/").content.decode()
    assert page.index("Sophie Tôt") < page.index("Lucie Tard")
    assert sooner.ends_at < later.ends_at

    found = mediator_client.get("/assist/", {"q": "lucie"}).content.decode()
    assert "Lucie Tard" in found
    assert "Sophie Tôt" not in found
    assert "Lucie Ailleurs" not in found  # another organisation's resident: never found here
