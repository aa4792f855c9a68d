"""Celery interfaces: call a service. Idempotent (a rebuild with nothing new changes nothing)."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache

from density import services

# One rebuild at a time: a second one queued meanwhile has nothing left to do.
LOCK_KEY = "density:forecast-rebuild"
LOCK_SECONDS = 30 * 60


@shared_task
def forecast_rebuild_task() -> int:
    """Every few minutes: the cells touched since the last run. Returns the cells recomputed."""
    if not cache.add(LOCK_KEY, 1, LOCK_SECONDS):
        return 0
    try:
        return services.forecast_rebuild().run.cells_recomputed
    finally:
        cache.delete(LOCK_KEY)


@shared_task
def forecast_nightly_task() -> int:
    """Nightly: fold reports past retention, learn the counters' reliability and calibration
    again, and rebuild everything (which also picks up counter readings that arrived very late)."""
    if not cache.add(LOCK_KEY, 1, LOCK_SECONDS):
        return 0
    try:
        services.crowd_reports_retention()
        services.counter_reliability_update()
        return services.forecast_rebuild(full=True, recalibrate=True).run.cells_recomputed
    finally:
        cache.delete(LOCK_KEY)


@shared_task
def forecast_accuracy_weekly_task() -> int:
    """Mondays: how far last week's published forecast was from what passengers and counters
    then saw; and this week's forecast kept to be scored next Monday."""
    return len(services.forecast_accuracy_weekly())
