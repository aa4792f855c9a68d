"""Email goes out through the outbox and Celery, with retries, in the recipient's language.

``email_enqueue`` writes an ``OutboxEmail`` in the caller's transaction and sends its id to
``send_email_task`` once it commits; ``email_deliver`` sends it and deletes the row; the beat sweep
(``outbox_sweep``) re-sends what a down broker or a failing mail server left pending.
"""

from __future__ import annotations

import smtplib
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation

from civic.models import OutboxEmail
from civic.outbox import task_send, task_send_on_commit

MAX_ATTEMPTS = 10
# The sweep leaves a fresh email to the send its commit triggered.
SWEEP_GRACE = timedelta(minutes=1)


def email_enqueue(
    *,
    to: list[str],
    subject: str,
    text: str,
    html: str = "",
    from_email: str | None = None,
    headers: dict[str, str] | None = None,
    send: bool = True,
) -> OutboxEmail:
    """Send once the current transaction commits (nothing is sent for a rolled-back change).

    ``headers``: extra message headers (List-Unsubscribe, say). ``send=False``: only write the
    row (the caller delivers it itself)."""
    from civic.tasks import send_email_task

    email = OutboxEmail.objects.create(
        to=list(to),
        subject=subject,
        text=text,
        html=html,
        from_email=from_email or str(settings.DEFAULT_FROM_EMAIL),
        headers=dict(headers or {}),
    )
    if send:
        task_send_on_commit(send_email_task, email.pk)
    return email


def email_send_templated(
    *,
    to: str,
    template_prefix: str,
    context: dict[str, Any],
    language: str | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Render ``<prefix>_subject.txt``, ``_message.txt`` and ``_message.html`` in ``language``."""
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"{template_prefix}_subject.txt", context).split())
        text = render_to_string(f"{template_prefix}_message.txt", context)
        html: str
        try:
            html = render_to_string(f"{template_prefix}_message.html", context)
        except TemplateDoesNotExist:  # the HTML part is optional
            html = ""
    email_enqueue(to=[to], subject=subject, text=text, html=html, headers=headers)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def email_deliver(*, email_id: int, now: datetime | None = None) -> str:
    """Send one outbox email and delete its row: "sent", "retry", "failed" or "gone".

    The row is locked while it is sent, so the sweep and a first send racing each other send it
    once ("gone": sent already, or being sent right now)."""
    with transaction.atomic():
        email = (
            OutboxEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, state=OutboxEmail.State.PENDING)
            .first()
        )
        if email is None:
            return "gone"
        message = EmailMultiAlternatives(
            subject=email.subject,
            body=email.text,
            from_email=email.from_email,
            to=email.to,
            headers=email.headers or None,
        )
        if email.html:
            message.attach_alternative(email.html, "text/html")
        try:
            message.send()
        except (OSError, smtplib.SMTPException) as exc:
            email.attempts += 1
            email.last_error = f"{type(exc).__name__}: {exc}"[:500]
            email.next_attempt_at = (now or timezone.now()) + _backoff(email.attempts)
            if email.attempts >= MAX_ATTEMPTS:
                email.state = OutboxEmail.State.FAILED
            email.save(update_fields=["attempts", "last_error", "next_attempt_at", "state"])
            return "failed" if email.state == OutboxEmail.State.FAILED else "retry"
        email.delete()  # the address and the body leave with it
        return "sent"


def outbox_sweep(*, now: datetime, limit: int = 500) -> int:
    """Send again what is still pending and due. Returns how many tasks were sent."""
    from civic.tasks import send_email_task

    due = (
        OutboxEmail.objects.filter(
            state=OutboxEmail.State.PENDING,
            next_attempt_at__lte=now,
            created_at__lt=now - SWEEP_GRACE,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(task_send(send_email_task, email_id) for email_id in due)


def outbox_purge(*, now: datetime, days: int) -> int:
    """Retention: failed emails (an address and a body) are kept ``days`` for staff to see."""
    deleted, _ = OutboxEmail.objects.filter(
        state=OutboxEmail.State.FAILED, next_attempt_at__lt=now - timedelta(days=days)
    ).delete()
    return deleted
