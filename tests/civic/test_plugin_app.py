"""A new domain is one folder plus its registrations: a test-only app that registers in every
registry appears everywhere without any edit of the core (tests/plugin_app)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_it_shows_a_plugged_in_app_everywhere_without_editing_the_core() -> None:
    # Its own process: installing an app changes the app registry, migrations and roles for the
    # whole process. SQLite in memory, so it never touches this run's PostgreSQL test database.
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CIVIC_REQUIRE_SERVICES"}
    }
    env["CIVIC_EXTRA_APPS"] = "tests.plugin_app"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:xdist",
            "-p",
            "no:playwright",
            str(ROOT / "tests" / "plugin_app" / "check_everywhere.py"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "8 passed" in result.stdout
