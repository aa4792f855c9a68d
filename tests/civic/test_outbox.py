"""The email outbox: written with the change that sends it, only an id through the broker, sent
once, retried with back-off, purged when sent, covered by export and erasure."""

from __future__ import annotations

import smtplib
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from civic.actors import Actor, Channel
from civic.mail import MAX_ATTEMPTS, email_deliver, email_enqueue, outbox_purge, outbox_sweep
from civic.models import OutboxEmail
from consent import registry
from consent.services import account_erase

pytestmark = pytest.mark.django_db


class RefusingBackend:
    """A mail server that answers 'try later' (smtplib's own error)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: list[Any]) -> int:
        raise smtplib.SMTPServerDisconnected("try later")


def test_it_sends_only_the_rows_id_through_the_broker_once_the_change_commits(
    tasks: Any, run_on_commit: Any
) -> None:
    with run_on_commit():
        email = email_enqueue(to=["alice@example.org"], subject="Suivi", text="Votre signalement")
        assert tasks.sent == []  # not before the commit

    assert tasks.names() == ["civic.tasks.send_email_task"]
    assert tasks.sent[0][1] == [email.pk]  # no address, body or link in the message
    assert tasks.sent[0][2] == {}
    tasks.run()
    assert [message.to for message in mail.outbox] == [["alice@example.org"]]
    assert not OutboxEmail.objects.exists()  # the address and the body leave with the row


def test_it_sends_nothing_for_a_rolled_back_change(tasks: Any, run_on_commit: Any) -> None:
    with run_on_commit(), pytest.raises(RuntimeError), transaction.atomic():
        email_enqueue(to=["alice@example.org"], subject="Annulé", text="Jamais")
        raise RuntimeError
    assert tasks.sent == [] and not OutboxEmail.objects.exists()


def test_it_sends_an_email_once_when_the_sweep_races_the_first_send() -> None:
    email = email_enqueue(to=["bob@example.org"], subject="Une fois", text="Une seule fois")
    assert email_deliver(email_id=email.pk) == "sent"
    assert email_deliver(email_id=email.pk) == "gone"
    assert len(mail.outbox) == 1


@override_settings(EMAIL_BACKEND="tests.civic.test_outbox.RefusingBackend")
def test_it_retries_later_then_gives_up_and_retention_purges_it() -> None:
    email = email_enqueue(to=["bob@example.org"], subject="Suivi", text="…")
    now = timezone.now()
    assert email_deliver(email_id=email.pk, now=now) == "retry"
    email.refresh_from_db()
    assert email.attempts == 1 and email.next_attempt_at == now + timedelta(seconds=30)
    assert "try later" in email.last_error
    # Not due yet: the sweep leaves it; due: the sweep sends it again.
    assert outbox_sweep(now=now + timedelta(seconds=10)) == 0
    assert outbox_sweep(now=now + timedelta(minutes=2)) == 1

    for _attempt in range(MAX_ATTEMPTS - 1):
        result = email_deliver(email_id=email.pk, now=now)
    assert result == "failed"
    email.refresh_from_db()
    assert email.state == OutboxEmail.State.FAILED
    assert outbox_sweep(now=now + timedelta(days=1)) == 0  # given up: staff see it
    assert outbox_purge(now=now + timedelta(days=29), days=30) == 0
    assert outbox_purge(now=now + timedelta(days=31), days=30) == 1


def test_it_shows_a_waiting_email_in_the_export_and_drops_it_on_erasure(resident: Any) -> None:
    email_enqueue(to=[resident.email], subject="Votre signalement avance", text="…")
    email_enqueue(to=["someone-else@example.org"], subject="Autre", text="…")

    exported = registry.export_for(resident)["civic"]["emails_waiting"]
    assert [entry["subject"] for entry in exported] == ["Votre signalement avance"]

    account_erase(actor=Actor(channel=Channel.WEB, user=resident))
    assert list(OutboxEmail.objects.values_list("to", flat=True)) == [["someone-else@example.org"]]
