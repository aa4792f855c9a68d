"""The access log is hash-chained like the consent ledger: its verifier catches an edited or a
removed entry, its daily head is published beside the ledger's, and writers of both journals at
once neither fork a chain nor deadlock."""

from __future__ import annotations

import threading
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civic.actors import Actor, Channel
from consent.models import AccessLog, LedgerHead
from consent.selectors import access_chain_verify, consent_chain_verify
from consent.services import (
    consent_give,
    consent_withdraw,
    journal_purge,
    ledger_head_record,
    subject_for,
)
from tests.conftest import make_person, require_postgres
from tests.consent.conftest import web


def _look(staff: Any, person: Any, what: str) -> AccessLog:
    return AccessLog.record(
        actor=Actor(channel=Channel.STAFF, user=staff),
        subject=subject_for(person),
        what=what,
        fields=["email"],
    )


def _verify() -> str:
    out = StringIO()
    call_command("consent_verify_chain", stdout=out)
    return out.getvalue()


def test_it_chains_each_access_to_the_one_before(
    resident: Any, resident2: Any, triager: Any
) -> None:
    first = _look(triager, resident, "account")
    second = _look(triager, resident2, "report #4 contact")
    third = _look(triager, resident, "report #5 contact")

    assert (first.seq, second.seq, third.seq) == (1, 2, 3)
    assert first.prev_hash == "" and second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert "Access log chain intact: 3 entries" in _verify()


def _disable_access_trigger() -> None:
    # Dropped inside the test's transaction: the rollback brings it back.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "ALTER TABLE consent_accesslog DISABLE TRIGGER consent_accesslog_append_only"
            )
        else:
            cursor.execute("DROP TRIGGER consent_accesslog_no_update")
            cursor.execute("DROP TRIGGER consent_accesslog_no_delete")


@pytest.mark.parametrize(
    ("tamper", "complaint"),
    [
        ("UPDATE consent_accesslog SET why = 'routine' WHERE seq = 2", "#2: its content"),
        ("UPDATE consent_accesslog SET actor_role = 'resident' WHERE seq = 3", "#3: its content"),
        ("DELETE FROM consent_accesslog WHERE seq = 2", "#3: entries after #1 are missing"),
        ("DELETE FROM consent_accesslog WHERE seq = 1", "#2: its previous entry is missing"),
    ],
)
def test_it_detects_an_edit_of_the_access_log(
    resident: Any, triager: Any, tamper: str, complaint: str
) -> None:
    for what in ("account", "report #1 contact", "export"):
        _look(triager, resident, what)
    _verify()

    _disable_access_trigger()
    with connection.cursor() as cursor:
        cursor.execute(tamper)

    with pytest.raises(CommandError, match=f"Access log chain broken at entry {complaint}"):
        _verify()


def test_it_publishes_the_access_logs_daily_head_and_catches_its_newest_entry_removed(
    resident: Any, triager: Any, consent_purpose: Any, client: Client
) -> None:
    consent_give(actor=web(resident), purpose=consent_purpose)
    _look(triager, resident, "account")
    last = _look(triager, resident, "report #1 contact")
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
        head = ledger_head_record()

    assert (head.seq, head.access_seq, head.access_hash) == (1, 2, last.hash)
    page = client.get(reverse("consent:ledger")).content.decode()
    assert last.hash in page

    _disable_access_trigger()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM consent_accesslog WHERE seq = 2")
    assert access_chain_verify() == (1, None)  # what is left is a whole chain…
    with pytest.raises(CommandError, match="missing from the access log"):
        _verify()  # …but not the one published


def test_it_a_purge_cuts_the_access_log_as_a_prefix_and_it_still_verifies(
    resident: Any, triager: Any
) -> None:
    old = _look(triager, resident, "account")
    later = timezone.now() + timedelta(seconds=1)
    kept = AccessLog.objects.create(
        subject=old.subject, what="report #2", channel="staff", actor_role="triager", at=later
    )

    purge = journal_purge(model=AccessLog, before=later, actor=Actor.system(), reason="1 year")

    assert (purge.count, purge.last_seq, purge.last_hash) == (1, old.seq, old.hash)
    assert list(AccessLog.objects.all()) == [kept]
    assert "Access log chain intact: 1 entries" in _verify()
    assert LedgerHead.objects.count() == 0


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_it_writers_of_both_journals_at_once_keep_both_chains_whole(consent_purpose: Any) -> None:
    """A mediator's act writes an access and a consent in one transaction, in either order."""
    require_postgres()
    staff = make_person("agent@example.org", staff=True, group="triager")
    people = [make_person(f"racer{i}@example.org") for i in range(6)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(people))

    def act(index: int, person: Any) -> None:
        try:
            start.wait()
            for _round in range(3):
                with transaction.atomic():
                    if index % 2:
                        _look(staff, person, "consents")
                        consent_give(actor=web(person), purpose=consent_purpose)
                    else:
                        consent_give(actor=web(person), purpose=consent_purpose)
                        _look(staff, person, "consents")
                with transaction.atomic():
                    _look(staff, person, "account")
                    consent_withdraw(actor=web(person), purpose=consent_purpose)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=(index, person)) for index, person in enumerate(people)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert access_chain_verify() == (len(people) * 6, None)
    assert consent_chain_verify() == (len(people) * 6, None)
