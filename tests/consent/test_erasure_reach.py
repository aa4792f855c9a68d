"""Erasure reaches the admin log and the reasons staff gave for accessing the person's data,
without ever editing a chained journal entry: the access log still verifies afterwards, and so
do the entries written before reasons moved beside the chain."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import Any

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from civic.actors import Actor, Channel
from consent.models import AccessLog, AccessReason
from consent.selectors import access_chain_verify
from consent.services import personal_data_erase, subject_for
from tests.consent.conftest import web

pytestmark = pytest.mark.django_db

BEFORE = ("consent", "0005_subject_for_every_account")
AFTER = ("consent", "0006_access_reasons_and_email_subjects")


def test_it_pseudonymises_the_admin_log_about_the_person(resident: Any, triager: Any) -> None:
    user_type = ContentType.objects.get_for_model(resident)
    about = LogEntry.objects.create(
        user=triager,
        content_type=user_type,
        object_id=str(resident.pk),
        object_repr="alice@example.org",
        action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["Public name"]}}]',
    )
    naming = LogEntry.objects.create(
        user=triager,
        action_flag=CHANGE,
        object_repr="abuse list",
        change_message="Added after a call from Alice Martin",
    )
    unrelated = LogEntry.objects.create(
        user=triager, action_flag=CHANGE, object_repr="#3 Pothole", change_message="Changed"
    )

    receipt = personal_data_erase(actor=web(resident), user=resident)

    for entry in (about, naming):
        entry.refresh_from_db()
        assert "alice" not in (entry.object_repr + entry.change_message).lower()
        assert "Martin" not in entry.change_message
        assert entry.user == triager  # the staff member's act stays accountable
    unrelated.refresh_from_db()
    assert unrelated.object_repr == "#3 Pothole"
    assert any("2" in str(item) for item in receipt["civic"]["deleted"])


def test_it_erases_the_reasons_and_the_chain_still_verifies(
    resident: Any, resident2: Any, triager: Any
) -> None:
    staff = Actor(channel=Channel.STAFF, user=triager)
    quoted = AccessLog.record(
        actor=staff, subject=subject_for(resident), what="export", why="Alice Martin wrote in"
    )
    other = AccessLog.record(
        actor=staff, subject=subject_for(resident2), what="export", why="Bob asked"
    )
    assert quoted.why == "" and quoted.why_sha256  # the chained row holds only the hash
    assert access_chain_verify()[1] is None

    personal_data_erase(actor=web(resident), user=resident)

    assert not AccessReason.objects.filter(access=quoted).exists()
    assert AccessLog.objects.get(pk=other.pk).reason_text == "Bob asked"
    assert AccessLog.objects.get(pk=quoted.pk).hash == quoted.hash
    checked, problem = access_chain_verify()
    assert (checked, problem) == (2, None)


def _legacy_hash(entry: Any, subject_id: str, seq: int, prev: str) -> str:
    """The hash entries had before 0006 (the payload of migration 0004, reason inside)."""
    payload = {
        "subject": subject_id,
        "at": entry["at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "what": entry["what"],
        "why": entry["why"],
        "object": ["", ""],
        "fields": [],
        "channel": "staff",
        "actor_subject": None,
        "actor_role": "triager",
        "actor_department": "",
        "actor_ref": ["", ""],
        "actor_label": "",
        "seq": seq,
        "prev": prev,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _constraints_now() -> None:
    """PostgreSQL alters no table with deferred checks pending in the test's transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_it_keeps_a_chain_written_before_the_migration_verifiable(
    resident: Any, triager: Any
) -> None:
    from django.utils import timezone

    subject_id = str(subject_for(resident).pk)
    _constraints_now()
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    try:
        old_apps = executor.loader.project_state(BEFORE).apps
        OldAccessLog = old_apps.get_model("consent", "AccessLog")
        prev = ""
        for seq, why in enumerate(["", "asked by letter"], start=1):
            entry = {"at": timezone.now(), "what": "export", "why": why}
            digest = _legacy_hash(entry, subject_id, seq, prev)
            OldAccessLog.objects.create(
                subject_id=subject_id,
                seq=seq,
                prev_hash=prev,
                hash=digest,
                channel="staff",
                actor_role="triager",
                **entry,
            )
            prev = digest
        _constraints_now()
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate([AFTER])

    assert access_chain_verify() == (2, None)
    AccessLog.record(
        actor=Actor(channel=Channel.STAFF, user=triager),
        subject=subject_for(resident),
        what="export",
        why="Alice Martin again",
    )
    assert access_chain_verify() == (3, None)

    personal_data_erase(actor=web(resident), user=resident)

    assert access_chain_verify() == (3, None)
    assert not AccessReason.objects.exists()
