"""The Celery application. Settings (broker, time zone) come from Django's; the beat schedule is
assembled here, once, from the periodic tasks each app registers (``civic.registry``)."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic.settings")

app = Celery("civic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def beat_schedule() -> dict[str, dict[str, Any]]:
    """Every periodic job of the project, from the registry (apps are ready by then)."""
    from civic.registry import periodic_tasks

    return {
        entry.name: {"task": entry.task, "schedule": entry.schedule, **dict(entry.options)}
        for entry in periodic_tasks()
    }


@signals.worker_ready.connect
def _heartbeat_at_start(sender: Any = None, **_: Any) -> None:
    # /healthz reports the worker fresh from its first second, not after beat's first minute.
    from civic.tasks import heartbeat_task

    heartbeat_task.run()


@signals.beat_init.connect
def _assemble_beat_schedule(sender: Any = None, **_: Any) -> None:
    # beat_init comes after Django is set up (the loader's init) and before the scheduler reads
    # its schedule.
    app.conf.beat_schedule = beat_schedule()
