"""Sending a Celery task without ever losing it: the transactional outbox's sending half.

The work to do is a row written in the caller's transaction (an ``OutboxEmail``, a photo waiting
for anonymisation, a sensor batch); the task carries only the row's id. It is sent once the
transaction commits. If the broker is down then, the failure is logged and swallowed — the request
still succeeds, since the row is safe — and a beat sweep sends the task again later. Tasks are
idempotent, so a task sent twice (the sweep racing the first send) does its work once.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)


def task_send(task: Task, *args: Any) -> bool:
    """Send ``task(*args)`` now; False (logged) when the broker cannot be reached."""
    try:
        with task.app.producer_or_acquire() as producer:
            # Fail fast: a person waits on this request, and the work is safe in the database.
            producer.connection.ensure_connection(max_retries=1)
            task.apply_async(args=args, producer=producer, retry=False)
    except Exception:  # the broker is down: the row is stored, the sweep will send it
        logger.exception("could not send %s%r; the sweep will retry", task.name, args)
        return False
    return True


def task_send_on_commit(task: Task, *args: Any) -> None:
    """Send ``task(*args)`` once the current transaction commits (never for a rolled-back one)."""
    transaction.on_commit(partial(task_send, task, *args))
