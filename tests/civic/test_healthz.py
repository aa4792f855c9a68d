"""/healthz: 200 while the database answers, with the broker and the worker heartbeat reported."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from civic.models import Heartbeat
from civic.tasks import heartbeat_task

pytestmark = pytest.mark.django_db


def test_it_answers_ok_with_the_database_and_broker(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    # Locally the filesystem broker, in CI Redis: both are reachable here.
    assert body["broker"] == "ok"
    assert "no-cache" in response["Cache-Control"]


def test_it_reports_no_worker_before_the_first_heartbeat(client: Client) -> None:
    worker = client.get("/healthz").json()["worker"]
    assert worker == {"last_seen": None, "age_seconds": None, "fresh": False}


def test_it_reports_a_stale_heartbeat(client: Client) -> None:
    old = timezone.now() - timedelta(seconds=settings.CIVIC_HEARTBEAT_STALE_SECONDS + 60)
    Heartbeat.objects.create(name="worker", seen_at=old)
    response = client.get("/healthz")
    assert response.status_code == 200
    worker = response.json()["worker"]
    assert worker["fresh"] is False
    assert worker["age_seconds"] >= settings.CIVIC_HEARTBEAT_STALE_SECONDS + 60


def test_it_reports_a_fresh_heartbeat_once_the_task_ran(client: Client, tasks: Any) -> None:
    Heartbeat.objects.create(name="worker", seen_at=timezone.now() - timedelta(days=1))
    heartbeat_task.delay()
    assert tasks.names() == ["civic.tasks.heartbeat_task"]
    assert tasks.run() == 1
    worker = client.get("/healthz").json()["worker"]
    assert worker["fresh"] is True
    assert worker["age_seconds"] < 60


def shell(tmp_path: Path, script: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a fresh process of the project, with only the given environment."""
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=settings.BASE_DIR,
        env={"PATH": os.environ.get("PATH", ""), "CIVIC_VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


HEALTHZ = (
    "from django.test import Client; "
    "r = Client().get('/healthz'); "
    "print('STATUS', r.status_code, r.json()['database'], r.json().get('broker'))"
)


def test_it_answers_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    # Nothing listens on port 1: the connection is refused at once.
    result = shell(tmp_path, HEALTHZ, DATABASE_URL="postgres://postgres@127.0.0.1:1/none")
    assert result.returncode == 0, result.stderr
    assert "STATUS 503 unreachable None" in result.stdout


def test_it_stays_up_when_only_the_broker_is_unreachable(tmp_path: Path) -> None:
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"],
        cwd=settings.BASE_DIR,
        env={"PATH": os.environ.get("PATH", ""), "CIVIC_VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrate.returncode == 0, migrate.stderr
    result = shell(tmp_path, HEALTHZ, REDIS_URL="redis://127.0.0.1:1/0")
    assert result.returncode == 0, result.stderr
    assert "STATUS 200 ok unreachable" in result.stdout
