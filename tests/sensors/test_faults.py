"""Faults, on a real worker, a private Redis and PostgreSQL: nothing lost, nothing doubled.

Each test starts its own ``redis-server`` on a free port (never the shared one) and its own
``celery worker`` processes on the test database.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from civic.celery import app as celery_app
from sensors.models import IngestBatch, Reading
from sensors.services import ingest_sweep
from tests.conftest import REQUIRE_SERVICES, require_postgres

pytestmark = [
    pytest.mark.real_worker,
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]

URL = "/api/sensors/readings/"
WAIT_SECONDS = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_until(check: Callable[[], bool], what: str, logs: list[Path]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    tails = "\n".join(f"--- {log}\n{log.read_text()[-3000:]}" for log in logs if log.exists())
    pytest.fail(f"{what}: not within {WAIT_SECONDS} s\n{tails}")


class Services:
    """A private Redis the test can stop and start, and workers it can kill."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.redis: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes]] = []
        self.logs: list[Path] = []

    def redis_start(self) -> None:
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._redis_up, "redis-server", [])

    def _redis_up(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            return True
        except OSError:
            return False

    def redis_stop(self) -> None:
        if self.redis is not None:
            self.redis.terminate()
            self.redis.wait(timeout=10)
            self.redis = None

    def worker_start(self) -> subprocess.Popen[bytes]:
        log = self.tmp / f"worker-{len(self.workers)}.log"
        self.logs.append(log)
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(self.tmp),
            "CIVIC_VAR_DIR": str(self.tmp),
            "CIVIC_CHECKOUT_ID": settings.CHECKOUT_ID,
            "DATABASE_URL": database_url(),
            "REDIS_URL": self.url,
        }
        with log.open("wb") as out:
            worker = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "civic", "worker", "--pool=solo",
                 "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
                cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.workers.append(worker)
        return worker

    def close(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                worker.terminate()
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()
        self.redis_stop()


@pytest.fixture
def services(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    require_postgres()
    if shutil.which("redis-server") is None:
        if REQUIRE_SERVICES:
            pytest.fail("redis-server is required when CIVIC_REQUIRE_SERVICES=1")
        pytest.skip("needs redis-server on the PATH")
    running = Services(tmp_path)
    # This process sends its tasks to the private Redis too, through pools of its own.
    monkeypatch.setattr(celery_app.conf, "broker_url", running.url)
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
    try:
        yield running
    finally:
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
        running.close()


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
    services: Services, client: Any, native_device: Any
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

    services.redis_start()
    services.worker_start()
    assert ingest_sweep(now=timezone.now() + timedelta(minutes=5)) == 1

    wait_until(
        lambda: IngestBatch.objects.filter(pk=batch.pk, state="done").exists(),
        "the batch is processed",
        services.logs,
    )
    assert Reading.objects.count() == 500


def test_it_loses_and_doubles_nothing_when_a_worker_dies_mid_batch(
    services: Services, client: Any, native_device: Any
) -> None:
    services.redis_start()
    worker = services.worker_start()
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
            services.logs,
        )
        time.sleep(0.5)  # well inside its transaction
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        blocker.rollback()
        blocker.close()

    batch = IngestBatch.objects.get()
    assert batch.state == "received" and not Reading.objects.exists()

    services.worker_start()
    assert ingest_sweep(now=timezone.now() + timedelta(minutes=5)) == 1
    wait_until(
        lambda: IngestBatch.objects.filter(state="done").exists(),
        "the batch is processed after the restart",
        services.logs,
    )
    # A second delivery of the same batch (the dead worker's message coming back) is a no-op.
    ingest_sweep(now=timezone.now() + timedelta(minutes=5))
    batch.refresh_from_db()
    assert (batch.stored, batch.attempts) == (5000, 2)
    assert Reading.objects.count() == 5000
