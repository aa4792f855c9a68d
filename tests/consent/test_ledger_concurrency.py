"""Writers racing on the ledger still leave one unbroken chain (PostgreSQL's advisory lock)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from civic.actors import Actor, Channel
from consent.models import ConsentEvent
from consent.selectors import consent_chain_verify
from consent.services import consent_give, consent_withdraw
from tests.conftest import make_person, require_postgres

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_it_keeps_one_chain_when_residents_write_at_once(consent_purpose: Any) -> None:
    require_postgres()
    people = [make_person(f"racer{i}@example.org") for i in range(6)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(people))

    def flip(person: Any) -> None:
        try:
            start.wait()
            actor = Actor(channel=Channel.WEB, user=person)
            for _round in range(4):
                consent_give(actor=actor, purpose=consent_purpose)
                consent_withdraw(actor=actor, purpose=consent_purpose)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=flip, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert ConsentEvent.objects.count() == len(people) * 8
    assert consent_chain_verify() == (len(people) * 8, None)
