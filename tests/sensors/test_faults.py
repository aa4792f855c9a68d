"""Faults, on a real worker, a private Redis and PostgreSQL: nothing lost, nothing doubled.

Each test starts its own ``redis-server`` on a free port (never the shared one) and its own
``celery worker`` processes on the test database.
"""

from __future__ import annotations

import json
import signal
import time
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from django.utils import timezone

from sensors.models import IngestBatch, Reading
from sensors.services import ingest_sweep
from tests.faults import Services, database_url, wait_until

pytestmark = [
    pytest.mark.real_worker,
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]

URL = "/api/sensors/readings/"
WAIT_SECONDS = 30


def rows(device_id: str, count: int) -> str:
    start = timezone.now().replace(microsecond=0) - timedelta(hours=3)
    return json.dumps(
        [
            {
                "sensor": device_id,
                "time": (start + timedelta(seconds=i)).isoformat(),
                "quantity": "fill_level",
                "value": i % 100,
            }
            for i in range(count)
        ]
    )


def test_it_answers_202_with_the_broker_down_and_ingests_once_it_is_back(
    fault_services: Services, client: Any, native_device: Any
) -> None:
    started = time.monotonic()
    response = client.post(
        URL,
        rows(native_device.device_id, 500),
        content_type="application/json",
        headers={"Authorization": f"Bearer {native_device.secret}"},
    )

    assert response.status_code == 202
    assert time.monotonic() - started < 10
    batch = IngestBatch.objects.get()
    assert batch.state == "received" and not Reading.objects.exists()

    fault_services.redis_start()
    fault_services.worker_start()
    assert ingest_sweep(now=timezone.now() + timedelta(minutes=5)) == 1

    wait_until(
        lambda: IngestBatch.objects.filter(pk=batch.pk, state="done").exists(),
        "the batch is processed",
        fault_services.logs,
    )
    assert Reading.objects.count() == 500


def test_it_loses_and_doubles_nothing_when_a_worker_dies_mid_batch(
    fault_services: Services, client: Any, native_device: Any
) -> None:
    fault_services.redis_start()
    worker = fault_services.worker_start()
    # The worker will wait on this lock after its COPY, mid-transaction, until it is killed.
    blocker = psycopg.connect(database_url())
    blocker.execute("LOCK TABLE sensors_pendingrollup IN SHARE MODE")

    try:
        response = client.post(
            URL,
            rows(native_device.device_id, 5000),
            content_type="application/json",
            headers={"Authorization": f"Bearer {native_device.secret}"},
        )
        assert response.status_code == 202
        wait_until(
            lambda: IngestBatch.objects.filter(attempts=1).exists(),
            "the worker takes the batch",
            fault_services.logs,
        )
        time.sleep(0.5)  # well inside its transaction
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        blocker.rollback()
        blocker.close()

    batch = IngestBatch.objects.get()
    assert batch.state == "received" and not Reading.objects.exists()

    fault_services.worker_start()
    assert ingest_sweep(now=timezone.now() + timedelta(minutes=5)) == 1
    wait_until(
        lambda: IngestBatch.objects.filter(state="done").exists(),
        "the batch is processed after the restart",
        fault_services.logs,
    )
    # A second delivery of the same batch (the dead worker's message coming back) is a no-op.
    ingest_sweep(now=timezone.now() + timedelta(minutes=5))
    batch.refresh_from_db()
    assert (batch.stored, batch.attempts) == (5000, 2)
    assert Reading.objects.count() == 5000
