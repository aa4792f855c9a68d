"""`make run`'s processes (web, worker, beat from the Procfile): the worker is seen at once, and
Ctrl-C stops all three within 10 s, with no ERROR line and no worker killed mid-task."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def healthz(port: int) -> dict[str, object] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return dict(json.loads(response.read()))
    except OSError:
        return None


def test_it_reports_the_worker_at_once_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    # The zero-setup default a new user gets: SQLite and the filesystem broker, in its own var/.
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}
        and not key.startswith("PYTEST")
    }
    env["CIVIC_VAR_DIR"] = str(tmp_path)
    env["CIVIC_CHECKOUT_ID"] = f"{settings.CHECKOUT_ID}-run"
    python = Path(sys.executable)
    subprocess.run(
        [str(python), "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        timeout=300,
    )
    port = free_port()
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        run = subprocess.Popen(
            [str(python.parent / "honcho"), "start", "-f", "Procfile", "--port", str(port)],
            cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        health = None
        while time.monotonic() < deadline:
            health = healthz(port)
            worker = (health or {}).get("worker") or {}
            if isinstance(worker, dict) and worker.get("fresh"):
                break
            time.sleep(0.5)
        assert health is not None, log.read_text()
        assert health["worker"]["fresh"] is True, (health, log.read_text()[-3000:])  # type: ignore[index]

        started = time.monotonic()
        os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C sends to the terminal's process group
        run.wait(timeout=30)
        stopped_in = time.monotonic() - started
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()

    output = log.read_text()
    assert stopped_in < 10, output[-3000:]
    assert "ERROR" not in output and "Traceback" not in output, output[-3000:]
    for process in ("web.1", "worker.1", "beat.1"):
        assert f"{process} stopped" in output
