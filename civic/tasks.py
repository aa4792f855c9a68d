from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone

from civic.models import Heartbeat


@shared_task
def send_email_task(email_id: int | None = None, **earlier: Any) -> str:
    """Send one outbox email (idempotent: a second run finds nothing to send).

    ``earlier``: a message queued before the outbox existed carried the email itself (``to``,
    ``subject``...); it goes through the outbox too, so an upgrade loses none in flight."""
    from civic.mail import email_deliver, email_enqueue

    if email_id is None:
        email_id = email_enqueue(**earlier, send=False).pk
    return email_deliver(email_id=email_id)


@shared_task
def outbox_sweep_task() -> int:
    """Scheduled by beat: send again what a down broker or mail server left pending."""
    from civic.mail import outbox_sweep

    return outbox_sweep(now=timezone.now())


@shared_task
def heartbeat_task() -> None:
    """Scheduled by beat, run by a worker: a fresh row proves both are alive."""
    Heartbeat.objects.update_or_create(name="worker", defaults={"seen_at": timezone.now()})
