"""The real worker path: tasks go through Redis to a `celery worker` process and do their work."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, transaction

from civic.mail import email_enqueue
from civic.models import Heartbeat
from civic.tasks import heartbeat_task
from tests.conftest import require_postgres, require_redis

pytestmark = [
    pytest.mark.real_worker,
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]

WAIT_SECONDS = 30


def shared_database_url() -> str:
    """The URL of the database this test runs on, for the worker to share it."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{db['NAME']}"


def wait_for(check: Callable[[], bool], worker: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if check():
            return
        if worker.poll() is not None:
            pytest.fail(f"the worker exited with {worker.returncode}:\n{log.read_text()}")
        time.sleep(0.25)
    pytest.fail(f"nothing happened within {WAIT_SECONDS} s; worker log:\n{log.read_text()}")


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """A `celery worker` on the real broker and this test's database; its var/ is tmp_path."""
    redis_url = require_redis()
    require_postgres()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        # The worker's secret key, SQLite path and mail directory all move here; the database
        # is the test database and the broker the same Redis, so only the mail lands in tmp.
        "CIVIC_VAR_DIR": str(tmp_path),
        "DATABASE_URL": shared_database_url(),
        "REDIS_URL": redis_url,
        # The queue names derive from the checkout id: the worker must use this test run's.
        "CIVIC_CHECKOUT_ID": settings.CHECKOUT_ID,
    }
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "civic",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_it_runs_the_heartbeat_on_a_real_worker(
    worker: tuple[subprocess.Popen[bytes], Path],
) -> None:
    process, log = worker
    assert not Heartbeat.objects.exists()

    heartbeat_task.delay()

    wait_for(lambda: Heartbeat.objects.filter(name="worker").exists(), process, log)


def test_it_sends_an_email_from_a_real_worker(
    worker: tuple[subprocess.Popen[bytes], Path], tmp_path: Path
) -> None:
    process, log = worker
    subject = f"Votre signalement est reçu ({time.time_ns()})"
    with transaction.atomic():
        email_enqueue(to=["alice@example.org"], subject=subject, text="Merci, la voirie passe.")
    mail_dir = tmp_path / "mail"

    def delivered() -> bool:
        return mail_dir.is_dir() and any(
            "alice@example.org" in path.read_text(errors="replace")
            and "Merci, la voirie passe." in path.read_text(errors="replace")
            for path in mail_dir.iterdir()
        )

    wait_for(delivered, process, log)


def test_it_sends_nothing_for_a_rolled_back_transaction(
    worker: tuple[subprocess.Popen[bytes], Path], tmp_path: Path
) -> None:
    process, log = worker

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), transaction.atomic():
        email_enqueue(to=["bob@example.org"], subject="Annulé", text="Jamais envoyé.")
        raise Abandon
    # The heartbeat sent after it proves the worker has drained the queue in order.
    heartbeat_task.delay()
    wait_for(lambda: Heartbeat.objects.filter(name="worker").exists(), process, log)
    mail_dir = tmp_path / "mail"
    assert not mail_dir.exists() or not any(mail_dir.iterdir())
