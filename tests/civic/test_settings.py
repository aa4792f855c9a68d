"""Settings from the environment: typed readers, secrets from files, production's hard refusals."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from civic.env import env_bool, env_int, env_list, env_required, env_str

PRODUCTION_ENV = {
    "CIVIC_ENV": "production",
    "SECRET_KEY": "x7!kQ9#vL2@pR5$wT8^zB3&nM6*cF1(hJ4)dG0_sY-eU+aW=oI" + "q" * 10,
    "ALLOWED_HOSTS": "civic.example",
    "CSRF_TRUSTED_ORIGINS": "https://civic.example",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "EMAIL_URL": "smtp://localhost:25",
    "CIVIC_SITE_URL": "https://civic.example",
}


def manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run manage.py with only the given environment (plus PATH), as a fresh deployment would."""
    clean = {"PATH": os.environ.get("PATH", ""), "CIVIC_VAR_DIR": str(tmp_path / "var"), **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- Typed readers ---------------------------------------------------------------------------


def test_it_reads_booleans(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIVIC_FLAG", "yes")
    assert env_bool("CIVIC_FLAG") is True
    monkeypatch.setenv("CIVIC_FLAG", "0")
    assert env_bool("CIVIC_FLAG", True) is False
    monkeypatch.delenv("CIVIC_FLAG")
    assert env_bool("CIVIC_FLAG", True) is True


def test_it_refuses_a_boolean_it_cannot_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIVIC_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="CIVIC_FLAG must be a boolean"):
        env_bool("CIVIC_FLAG")


def test_it_reads_integers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIVIC_COUNT", "42")
    assert env_int("CIVIC_COUNT", 1) == 42
    monkeypatch.setenv("CIVIC_COUNT", "")
    assert env_int("CIVIC_COUNT", 7) == 7
    monkeypatch.setenv("CIVIC_COUNT", "forty")
    with pytest.raises(ImproperlyConfigured, match="CIVIC_COUNT must be an integer"):
        env_int("CIVIC_COUNT", 1)


def test_it_reads_comma_separated_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIVIC_HOSTS", " a.example, b.example ,,")
    assert env_list("CIVIC_HOSTS") == ["a.example", "b.example"]
    monkeypatch.delenv("CIVIC_HOSTS")
    assert env_list("CIVIC_HOSTS", ["localhost"]) == ["localhost"]


def test_it_reads_a_secret_from_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "db-url"
    secret.write_text("postgres://civic@db/civic\n", encoding="utf-8")
    monkeypatch.delenv("CIVIC_DB", raising=False)
    monkeypatch.setenv("CIVIC_DB_FILE", str(secret))
    assert env_str("CIVIC_DB") == "postgres://civic@db/civic"
    assert env_required("CIVIC_DB") == "postgres://civic@db/civic"


def test_it_prefers_the_variable_to_its_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret = tmp_path / "secret"
    secret.write_text("from-file", encoding="utf-8")
    monkeypatch.setenv("CIVIC_TOKEN", "from-env")
    monkeypatch.setenv("CIVIC_TOKEN_FILE", str(secret))
    assert env_str("CIVIC_TOKEN") == "from-env"


def test_it_names_an_unreadable_secret_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("CIVIC_TOKEN", raising=False)
    monkeypatch.setenv("CIVIC_TOKEN_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="CIVIC_TOKEN_FILE"):
        env_str("CIVIC_TOKEN")


def test_it_requires_a_missing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CIVIC_TOKEN", raising=False)
    monkeypatch.delenv("CIVIC_TOKEN_FILE", raising=False)
    with pytest.raises(ImproperlyConfigured, match="CIVIC_TOKEN"):
        env_required("CIVIC_TOKEN")


# --- Production ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "missing",
    [
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "REDIS_URL",
        "EMAIL_URL",
        "CSRF_TRUSTED_ORIGINS",
        "CIVIC_SITE_URL",
    ],
)
def test_it_refuses_to_start_in_production_without(tmp_path: Path, missing: str) -> None:
    env = {name: value for name, value in PRODUCTION_ENV.items() if name != missing}
    result = manage(tmp_path, "check", **env)
    assert result.returncode != 0
    assert f"{missing} (or {missing}_FILE) is required" in result.stderr


def test_it_starts_in_production_with_secrets_from_files(tmp_path: Path) -> None:
    key_file = tmp_path / "secret-key"
    key_file.write_text(PRODUCTION_ENV["SECRET_KEY"], encoding="utf-8")
    env = {name: value for name, value in PRODUCTION_ENV.items() if name != "SECRET_KEY"}
    result = manage(tmp_path, "check", SECRET_KEY_FILE=str(key_file), **env)
    assert result.returncode == 0, result.stderr


def test_it_passes_the_deployment_checks_in_production(tmp_path: Path) -> None:
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    # Loading the settings in production created no local state directory (and no file in it).
    assert not (tmp_path / "var").exists()


def test_it_refuses_the_filesystem_broker_in_production(tmp_path: Path) -> None:
    result = manage(tmp_path, "check", CELERY_BROKER_URL="filesystem://", **PRODUCTION_ENV)
    assert result.returncode != 0
    assert "filesystem broker" in result.stderr


def test_it_refuses_an_unknown_environment_name(tmp_path: Path) -> None:
    result = manage(tmp_path, "check", CIVIC_ENV="staging")
    assert result.returncode != 0
    assert "CIVIC_ENV must be development or production" in result.stderr


def test_it_starts_locally_with_nothing_configured(tmp_path: Path) -> None:
    result = manage(tmp_path, "check")
    assert result.returncode == 0, result.stderr
    # A generated secret kept in the var directory, private to its owner.
    key = tmp_path / "var" / "secret-key"
    assert len(key.read_text(encoding="utf-8")) >= 50
    assert key.stat().st_mode & 0o077 == 0


def test_it_follows_the_city_time_zone_in_django_and_celery(tmp_path: Path) -> None:
    script = (
        "from django.conf import settings; from civic.celery import app; "
        "print(settings.TIME_ZONE, settings.CELERY_TIMEZONE, app.conf.timezone)"
    )
    result = manage(tmp_path, "shell", "-c", script, CIVIC_TIME_ZONE="America/Cayenne")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["America/Cayenne"] * 3
