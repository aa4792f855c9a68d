from __future__ import annotations

from celery import shared_task

# On its own queue (CELERY_TASK_ROUTES): a burst of photos never delays emails.
PHOTOS_QUEUE_SUFFIX = "photos"


@shared_task(acks_late=True, max_retries=3, default_retry_delay=30)
def photo_anonymise_task(photo_id: int) -> None:
    """Pixelate faces and publish one photo (idempotent)."""
    from reports.services import photo_anonymise

    photo_anonymise(photo_id=photo_id)


@shared_task
def photos_sweep_task() -> int:
    """Scheduled by beat: photos whose anonymisation was never sent (broker down) or lost."""
    from django.utils import timezone

    from reports.services import photos_sweep

    return photos_sweep(now=timezone.now())


@shared_task
def fixed_question_sweep_task() -> int:
    """Scheduled by beat (CELERY_BEAT_SCHEDULE): ask "is it fixed?" of due reports."""
    from reports.services import fixed_question_sweep

    return fixed_question_sweep()


@shared_task
def reports_export_task(*, user_id: int, ids: list[int]) -> str:
    """A large CSV export, written to private storage; the staff member gets a link."""
    from reports.services.exports import export_write

    return export_write(user_id=user_id, ids=ids)


@shared_task
def area_alerts_digest_task() -> int:
    """Scheduled by beat: the daily digests of new reports in followed areas."""
    from reports.services import area_alerts_digest

    return area_alerts_digest()
