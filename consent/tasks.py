from __future__ import annotations

from celery import shared_task

from consent.services import retention_run


@shared_task
def retention_run_task() -> dict[str, int]:
    """Run every registered retention handler (beat: daily). Idempotent: age decides."""
    return retention_run()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def export_build_task(*, archive_id: str) -> str | None:
    """Build a person's export archive. Idempotent: a finished archive is left as it is."""
    from consent.services import export_build

    archive = export_build(archive_id=archive_id)
    return archive.status if archive is not None else None


@shared_task
def ledger_head_record_task() -> str:
    """Publish yesterday's consent-ledger head hash (beat: daily, after midnight)."""
    from consent.services import ledger_head_record

    return ledger_head_record().hash
