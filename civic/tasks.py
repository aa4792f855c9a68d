from __future__ import annotations

import smtplib

from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from civic.models import Heartbeat


@shared_task(
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=10,
)
def send_email_task(
    *,
    to: list[str],
    subject: str,
    text: str,
    html: str,
    from_email: str,
    headers: dict[str, str] | None = None,
) -> None:
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=from_email, to=to, headers=headers
    )
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


@shared_task
def heartbeat_task() -> None:
    """Scheduled by beat, run by a worker: a fresh row proves both are alive."""
    Heartbeat.objects.update_or_create(name="worker", defaults={"seen_at": timezone.now()})
