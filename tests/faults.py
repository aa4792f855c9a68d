"""A private Redis a test can stop and start, and real Celery workers it can kill, on the test's
PostgreSQL database: for the fault tests (broker down at commit time, a worker dying mid-task)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from civic.celery import app as celery_app
from tests.conftest import REQUIRE_SERVICES, require_postgres

WAIT_SECONDS = 60  # generous: CI runs two test processes beside the workers


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


def fault_services(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    """The ``fault_services`` fixture (tests/conftest.py): Redis down until started."""
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
