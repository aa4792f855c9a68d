"""The "My data" page: what is held, consents in one click, receipts, and the access history."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from civic.actors import Actor, Channel
from civic.registry import home_tiles
from consent.models import AccessLog, ConsentEvent
from consent.services import consent_give, subject_for
from tests.consent.conftest import web

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(client: Client, resident: Any) -> Client:
    client.force_login(resident)
    return client


def test_it_asks_to_sign_in(client: Client) -> None:
    response = client.get("/my-data/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_it_lists_what_is_held_grouped_by_registration(alice: Client, resident: Any) -> None:
    response = alice.get("/my-data/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "alice@example.org" in page
    assert "Alice Martin" in page
    assert 'id="section-civic"' in page and 'id="section-consent"' in page


def test_it_gives_and_withdraws_a_consent_in_one_post_each(
    alice: Client, resident: Any, consent_purpose: Any
) -> None:
    url = f"/my-data/consents/{consent_purpose.code}/"
    assert alice.post(url, {"action": "give"}).status_code == 302
    assert alice.post(url, {"action": "withdraw"}).status_code == 302

    kinds = list(ConsentEvent.objects.filter(subject__user=resident).values_list("kind", flat=True))
    assert kinds == ["given", "withdrawn"]
    page = alice.get("/my-data/").content.decode()
    assert "Donner mon consentement" in page


def test_it_records_an_objection_to_a_public_task(
    alice: Client, resident: Any, public_task_purpose: Any
) -> None:
    alice.post(f"/my-data/consents/{public_task_purpose.code}/", {"action": "object"})
    event = ConsentEvent.objects.get(subject__user=resident)
    assert event.kind == "objected"


def test_it_refuses_an_unknown_action(alice: Client, consent_purpose: Any) -> None:
    response = alice.post(f"/my-data/consents/{consent_purpose.code}/", {"action": "erase"})
    assert response.status_code == 400


def test_it_gives_a_receipt_as_json_and_as_a_page(
    alice: Client, resident: Any, consent_purpose: Any
) -> None:
    event = consent_give(actor=web(resident), purpose=consent_purpose)

    receipt = alice.get(f"/my-data/receipts/{event.seq}.json").json()
    assert receipt["version"] == "KI-CR-v1.1.0"
    assert receipt["consentReceiptID"] == event.hash
    assert receipt["piiPrincipalId"] == str(subject_for(resident).id)
    assert receipt["services"][0]["purposes"][0]["purposeCategory"] == ["area-alerts"]
    assert receipt["event"]["notice"]["sha256"] == consent_purpose.current_notice().sha256
    page = alice.get(f"/my-data/receipts/{event.seq}/")
    assert page.status_code == 200
    assert event.hash in page.content.decode()


def test_it_shows_staff_access_by_role_and_department_never_by_name(
    alice: Client, resident: Any, department_agent: Any
) -> None:
    AccessLog.record(
        actor=Actor(channel=Channel.STAFF, user=department_agent),
        subject=subject_for(resident),
        what="report #4 (viewed)",
        why="checking the address",
    )
    page = alice.get("/my-data/").content.decode()
    assert "report #4 (viewed)" in page
    assert "checking the address" in page
    assert "Voirie" in page
    assert "Inès" not in page


def test_it_registers_a_home_tile() -> None:
    assert "my-data" in [tile.key for tile in home_tiles()]


# --- Another resident reaches nothing of the first ------------------------------------------


def test_it_a_second_resident_cannot_read_the_first_ones_receipts(
    client: Client, resident: Any, resident2: Any, consent_purpose: Any
) -> None:
    event = consent_give(actor=web(resident), purpose=consent_purpose)
    client.force_login(resident2)
    assert client.get(f"/my-data/receipts/{event.seq}.json").status_code == 404
    assert client.get(f"/my-data/receipts/{event.seq}/").status_code == 404


def test_it_a_second_resident_sees_neither_the_ledger_nor_the_access_log_of_the_first(
    client: Client, resident: Any, resident2: Any, consent_purpose: Any, triager: Any
) -> None:
    consent_give(actor=web(resident), purpose=consent_purpose)
    AccessLog.record(
        actor=Actor(channel=Channel.STAFF, user=triager),
        subject=subject_for(resident),
        what="utilisateur #1 (consulté)",
        why="secret reason about alice",
    )
    client.force_login(resident2)
    page = client.get("/my-data/").content.decode()
    assert "secret reason about alice" not in page
    assert "Reçu n°" not in page
    assert "alice@example.org" not in page


def test_it_its_queries_do_not_grow_with_the_history(
    alice: Client,
    resident: Any,
    triager: Any,
    consent_purpose: Any,
    django_assert_max_num_queries: Any,
) -> None:
    from consent.services import consent_withdraw

    def add_history() -> None:
        consent_give(actor=web(resident), purpose=consent_purpose)
        consent_withdraw(actor=web(resident), purpose=consent_purpose)
        AccessLog.record(
            actor=Actor(channel=Channel.STAFF, user=triager),
            subject=subject_for(resident),
            what="viewed",
        )

    add_history()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        alice.get("/my-data/")
    for _round in range(5):
        add_history()
    with django_assert_max_num_queries(len(first.captured_queries)):
        alice.get("/my-data/")


def test_it_the_register_of_processing_reads_notices_in_one_query(
    client: Client, consent_purpose: Any, public_task_purpose: Any, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(2):  # purposes, then their notices
        client.get("/privacy/register/")
