"""Email goes out through Celery, with retries, rendered in the recipient's language."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation


def email_enqueue(
    *,
    to: list[str],
    subject: str,
    text: str,
    html: str = "",
    from_email: str | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Send once the current transaction commits (nothing is sent for a rolled-back change).

    ``headers``: extra message headers (List-Unsubscribe, say)."""
    from civic.tasks import send_email_task

    recipients = list(to)  # a copy: the caller's list may change before the commit
    sender = from_email or str(settings.DEFAULT_FROM_EMAIL)
    extra = {"headers": dict(headers)} if headers else {}
    transaction.on_commit(
        lambda: send_email_task.delay(
            to=recipients, subject=subject, text=text, html=html, from_email=sender, **extra
        )
    )


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
