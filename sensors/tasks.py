"""Celery interfaces: take ids, call a service. Idempotent."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from sensors import alerts, partitions, rollups, services


@shared_task(acks_late=True)
def ingest_batch_task(batch_id: int) -> None:
    services.batch_ingest(batch_id=batch_id)


@shared_task
def ingest_sweep_task() -> int:
    return services.ingest_sweep(now=timezone.now())


@shared_task
def aggregates_refresh_task() -> int:
    done = rollups.aggregates_refresh()
    if done == rollups.BATCH_LIMIT:  # more pending: carry on at once, in a fresh task
        aggregates_refresh_task.delay()
    return done


@shared_task
def alerts_evaluate_task() -> dict[str, int]:
    return alerts.alerts_evaluate(now=timezone.now())


@shared_task
def partitions_ensure_task() -> list[str]:
    return partitions.partitions_ensure(now=timezone.now())
