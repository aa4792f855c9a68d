"""The consent ledger: give, refuse, withdraw, object; the hash chain and its verifier; privacy
between residents."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from civic.actors import Actor, Channel, Ref
from civic.errors import Conflict, InvalidInput, NotAllowed, NotFound
from consent.models import ConsentEvent, PurposeNotice, notice_canonical
from consent.selectors import (
    consent_is_given,
    consent_state,
    my_access_log,
    my_consent_event,
    my_consent_events,
    subject_of_user,
)
from consent.services import (
    consent_give,
    consent_object,
    consent_refuse,
    consent_withdraw,
    purpose_notice_publish,
)
from tests.consent.conftest import web


def test_it_gives_and_withdraws_a_consent_under_the_current_notice(
    resident: Any, consent_purpose: Any
) -> None:
    given = consent_give(actor=web(resident), purpose=consent_purpose)
    notice = consent_purpose.current_notice()

    assert (given.kind, given.notice, given.notice_sha256) == ("given", notice, notice.sha256)
    assert (given.language, given.channel, given.actor_role) == ("fr", "web", "resident")
    assert consent_is_given(subject_of_user(resident), "area-alerts")

    withdrawn = consent_withdraw(actor=web(resident), purpose=consent_purpose)

    assert withdrawn.kind == "withdrawn" and withdrawn.notice == notice
    assert consent_state(subject_of_user(resident))["area-alerts"] == withdrawn
    assert not consent_is_given(subject_of_user(resident), "area-alerts")


def test_it_refuses_to_withdraw_what_was_never_given(resident: Any, consent_purpose: Any) -> None:
    with pytest.raises(Conflict):
        consent_withdraw(actor=web(resident), purpose=consent_purpose)
    consent_refuse(actor=web(resident), purpose=consent_purpose)
    with pytest.raises(Conflict):
        consent_withdraw(actor=web(resident), purpose=consent_purpose)
    assert ConsentEvent.objects.count() == 1


def test_it_refuses_to_give_twice_but_accepts_a_new_notice(
    resident: Any, consent_purpose: Any
) -> None:
    consent_give(actor=web(resident), purpose=consent_purpose)
    with pytest.raises(Conflict):
        consent_give(actor=web(resident), purpose=consent_purpose)

    purpose_notice_publish(
        actor=Actor.system(), purpose=consent_purpose, text_fr="Version 2.", text_en="Version 2."
    )
    again = consent_give(actor=web(resident), purpose=consent_purpose)

    assert again.notice.version == 2  # type: ignore[union-attr]


def test_it_allows_objection_only_to_public_task_processing(
    resident: Any, consent_purpose: Any, public_task_purpose: Any
) -> None:
    with pytest.raises(InvalidInput):
        consent_object(actor=web(resident), purpose=consent_purpose)
    with pytest.raises(InvalidInput):
        consent_give(actor=web(resident), purpose=public_task_purpose)

    objected = consent_object(actor=web(resident), purpose=public_task_purpose)

    assert objected.kind == "objected"
    with pytest.raises(Conflict):
        consent_object(actor=web(resident), purpose=public_task_purpose)


def test_it_needs_a_person_and_a_mandate_to_act_for_someone(
    resident: Any, triager: Any, consent_purpose: Any
) -> None:
    with pytest.raises(NotAllowed):
        consent_give(actor=Actor.system(), purpose=consent_purpose)
    with pytest.raises(NotAllowed):
        consent_give(
            actor=Actor(channel=Channel.MEDIATOR, user=triager, on_behalf_of=resident),
            purpose=consent_purpose,
        )

    event = consent_give(
        actor=Actor(
            channel=Channel.MEDIATOR,
            user=triager,
            on_behalf_of=resident,
            mandate=Ref(type="assist.mandate", id="7", label="Mandate #7 (Maison France services)"),
        ),
        purpose=consent_purpose,
        channel=ConsentEvent.Via.MEDIATOR,
    )

    assert event.subject == subject_of_user(resident)
    assert (event.actor_role, event.actor_ref_type, event.actor_ref_id) == (
        "mediator",
        "assist.mandate",
        "7",
    )
    assert "Mandate #7" in event.actor_label


def test_it_records_a_paper_form(resident: Any, triager: Any, consent_purpose: Any) -> None:
    # Staff typing in a signed paper form act for the resident; the mandate is the paper itself.
    event = consent_give(
        actor=Actor(
            channel=Channel.STAFF,
            user=triager,
            on_behalf_of=resident,
            mandate=Ref(type="consent.paper", id="2025-0042", label="Paper form 2025-0042"),
        ),
        purpose=consent_purpose,
        channel=ConsentEvent.Via.PAPER,
    )

    assert event.channel == "paper"


def test_it_hashes_each_notice_version_over_its_canonical_text(consent_purpose: Any) -> None:
    second = purpose_notice_publish(
        actor=Actor.system(),
        purpose=consent_purpose,
        text_fr="Nouvelle version\r\n",
        text_en="New version",
    )

    expected = hashlib.sha256(
        notice_canonical(
            purpose_code="area-alerts", version=2, text_fr="Nouvelle version", text_en="New version"
        )
    ).hexdigest()
    assert (second.version, second.sha256) == (2, expected)
    assert PurposeNotice.objects.filter(purpose=consent_purpose).count() == 2
    with pytest.raises(Conflict):
        purpose_notice_publish(
            actor=Actor.system(),
            purpose=consent_purpose,
            text_fr="Nouvelle version\r\n",
            text_en="New version",
        )


def test_it_chains_each_entry_to_the_one_before(
    resident: Any, resident2: Any, consent_purpose: Any
) -> None:
    first = consent_give(actor=web(resident), purpose=consent_purpose)
    second = consent_give(actor=web(resident2), purpose=consent_purpose)
    third = consent_withdraw(actor=web(resident), purpose=consent_purpose)

    assert (first.seq, second.seq, third.seq) == (1, 2, 3)
    assert first.prev_hash == "" and second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert third.hash == hashlib.sha256(third.canonical()).hexdigest()
    call_command("consent_verify_chain")


def _disable_ledger_trigger() -> None:
    # The trigger is dropped inside the test's transaction: the rollback brings it back.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE waits for no deferred foreign-key check: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "ALTER TABLE consent_consentevent DISABLE TRIGGER consent_consentevent_append_only"
            )
        else:
            cursor.execute("DROP TRIGGER consent_consentevent_no_update")
            cursor.execute("DROP TRIGGER consent_consentevent_no_delete")


@pytest.mark.parametrize(
    ("tamper", "complaint"),
    [
        ("UPDATE consent_consentevent SET kind = 'given' WHERE seq = 2", "#2: its content"),
        ("DELETE FROM consent_consentevent WHERE seq = 2", "#3: entries after #1 are missing"),
        ("DELETE FROM consent_consentevent WHERE seq = 1", "#2: its previous entry is missing"),
    ],
)
def test_it_detects_an_edit_of_the_ledger(
    resident: Any, consent_purpose: Any, tamper: str, complaint: str
) -> None:
    consent_give(actor=web(resident), purpose=consent_purpose)
    consent_withdraw(actor=web(resident), purpose=consent_purpose)
    consent_give(actor=web(resident), purpose=consent_purpose)
    call_command("consent_verify_chain")

    _disable_ledger_trigger()
    with connection.cursor() as cursor:
        cursor.execute(tamper)

    with pytest.raises(CommandError, match=complaint):
        call_command("consent_verify_chain")


def test_it_never_shows_one_resident_anothers_ledger_or_access_log(
    resident: Any, resident2: Any, triager: Any, consent_purpose: Any
) -> None:
    from consent.models import AccessLog
    from consent.services import subject_for

    alices = consent_give(actor=web(resident), purpose=consent_purpose)
    AccessLog.record(
        actor=Actor(channel=Channel.STAFF, user=triager),
        subject=subject_for(resident),
        what="account",
    )

    assert list(my_consent_events(actor=web(resident2))) == []
    assert list(my_access_log(actor=web(resident2))) == []
    with pytest.raises(NotFound):
        my_consent_event(actor=web(resident2), seq=alices.seq)
    assert my_consent_event(actor=web(resident), seq=alices.seq) == alices
    assert my_access_log(actor=web(resident)).count() == 1
    # Anonymous visitors have no ledger at all.
    assert list(my_consent_events(actor=Actor(channel=Channel.WEB))) == []


def test_it_lets_the_dpo_publish_a_notice_version_from_the_admin(consent_purpose: Any) -> None:
    from django.test import Client
    from django.urls import reverse

    from civic.models import User

    client = Client()
    client.force_login(User.objects.create_superuser("root@example.org", "x" * 12))
    url = reverse("admin:consent_purposenotice_add")
    form = {"purpose": consent_purpose.pk, "text_fr": "Texte v2", "text_en": "Text v2"}

    assert client.post(url, form).status_code == 302
    again = client.post(url, form)

    assert again.status_code == 200
    assert list(consent_purpose.notices.values_list("version", flat=True)) == [2, 1]
    notice = consent_purpose.current_notice()
    assert notice.sha256 == notice.compute_sha256()
    change = reverse("admin:consent_purposenotice_change", args=[notice.pk])
    assert client.post(change, {**form, "text_fr": "edited"}).status_code == 403
