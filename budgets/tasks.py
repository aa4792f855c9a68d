"""Budgets' Celery tasks: thin, idempotent, taking ids (beat schedules the sweeps)."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, max_retries=3, default_retry_delay=30)
def photo_anonymise_task(photo_id: int) -> None:
    """Pixelate faces and publish one proposal or milestone photo (idempotent)."""
    from budgets.services.photos import photo_anonymise

    photo_anonymise(photo_id=photo_id)


@shared_task
def photos_sweep_task() -> int:
    """Scheduled by beat: photos whose anonymisation was never sent (broker down) or lost."""
    from django.utils import timezone

    from budgets.services.photos import photos_sweep

    return photos_sweep(now=timezone.now())


@shared_task
def phases_advance_task() -> int:
    """Scheduled by beat: budgets move to the phase their dates say."""
    from django.utils import timezone

    from budgets.services.cycle import phases_advance

    return phases_advance(now=timezone.now())
