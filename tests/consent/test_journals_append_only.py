"""The access log, the consent ledger and the purge record refuse edits in the ORM and in the
database; the one way out is journal_purge, which records what it removed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from civic.actors import Actor, Channel
from consent.models import AccessLog, AppendOnlyError, ConsentEvent, JournalPurge
from consent.selectors import consent_chain_verify
from consent.services import consent_give, consent_withdraw, journal_purge, subject_for
from tests.consent.conftest import web


@pytest.fixture
def entry(resident: Any, triager: Any) -> AccessLog:
    return AccessLog.record(
        actor=Actor(channel=Channel.STAFF, user=triager),
        subject=subject_for(resident),
        what="report #1",
        why="",
        channel=Channel.STAFF,
    )


@pytest.fixture
def event(resident: Any, consent_purpose: Any) -> ConsentEvent:
    return consent_give(actor=web(resident), purpose=consent_purpose)


def _raw(sql: str, params: list[Any]) -> None:
    # A savepoint, so a refused statement leaves the test's transaction usable on PostgreSQL.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize("journal", ["entry", "event"])
def test_it_refuses_update_and_delete_through_the_orm(
    journal: str, request: pytest.FixtureRequest
) -> None:
    row = request.getfixturevalue(journal)
    model = type(row)

    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        model.objects.filter(pk=row.pk).update(channel="web")
    with pytest.raises(AppendOnlyError):
        model.objects.filter(pk=row.pk).delete()
    with pytest.raises(AppendOnlyError):
        model.objects.bulk_update([row], ["channel"])
    assert model.objects.filter(pk=row.pk, channel=row.channel).exists()


@pytest.mark.parametrize("journal", ["entry", "event"])
def test_it_refuses_update_and_delete_at_the_database(
    journal: str, request: pytest.FixtureRequest
) -> None:
    row = request.getfixturevalue(journal)
    table = type(row)._meta.db_table

    with pytest.raises(DatabaseError, match="append-only"):
        _raw(f"UPDATE {table} SET channel = %s WHERE id = %s", ["kiosk", row.pk])  # noqa: S608
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(f"DELETE FROM {table} WHERE id = %s", [row.pk])  # noqa: S608

    assert type(row).objects.filter(pk=row.pk, channel=row.channel).exists()


def test_it_refuses_edits_of_the_purge_record_at_the_database(entry: AccessLog) -> None:
    purge = journal_purge(
        model=AccessLog, before=timezone.now(), actor=Actor.system(), reason="test"
    )

    with pytest.raises(DatabaseError, match="append-only"):
        _raw("UPDATE consent_journalpurge SET count = 0 WHERE id = %s", [purge.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM consent_journalpurge WHERE id = %s", [purge.pk])


def test_it_purges_old_access_entries_and_records_it(
    resident: Any, triager: Any, entry: AccessLog
) -> None:
    later = timezone.now() + timedelta(seconds=1)
    kept = AccessLog.objects.create(  # written "later", as the next day would
        subject=entry.subject, what="report #2", channel="staff", actor_role="triager", at=later
    )

    purge = journal_purge(
        model=AccessLog, before=later, actor=Actor.system(), reason="retention: one year"
    )

    assert list(AccessLog.objects.all()) == [kept]
    assert (purge.count, purge.journal, purge.reason) == (
        1,
        "consent.AccessLog",
        "retention: one year",
    )
    assert purge.actor_role == "system"
    # The door closed again with the purge: the same transaction cannot delete any more.
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM consent_accesslog WHERE id = %s", [kept.pk])


def test_it_purges_the_ledger_as_a_prefix_and_the_chain_still_verifies(
    resident: Any, resident2: Any, consent_purpose: Any
) -> None:
    first = consent_give(actor=web(resident), purpose=consent_purpose)
    consent_withdraw(actor=web(resident), purpose=consent_purpose)
    last = consent_give(actor=web(resident2), purpose=consent_purpose)

    purge = journal_purge(
        model=ConsentEvent, before=last.at, actor=Actor.system(), reason="retention test"
    )

    assert purge.count == 2 and purge.last_seq == first.seq + 1
    assert list(ConsentEvent.objects.values_list("seq", flat=True)) == [last.seq]
    assert consent_chain_verify() == (1, None)
    assert JournalPurge.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_lets_flush_empty_the_journals_between_transactional_tests(
    resident: Any, triager: Any, consent_purpose: Any
) -> None:
    # The test runner flushes after this test: on SQLite that is a DELETE the triggers see.
    consent_give(actor=web(resident), purpose=consent_purpose)
    AccessLog.record(
        actor=Actor(channel=Channel.STAFF, user=triager),
        subject=subject_for(resident),
        what="report #1",
        why="",
    )
    with pytest.raises(DatabaseError):
        _raw("DELETE FROM consent_accesslog", [])
    assert AccessLog.objects.count() == 1
