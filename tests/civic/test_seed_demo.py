"""seed_demo: a self-contained demo city, idempotent, with its accounts written to var/."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse

from civic.models import Department, District, User
from civic.seed import DEPARTMENTS, DISTRICTS, PEOPLE

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, str]]:
    """The demo city, seeded once for this module (seeding is slow) inside a transaction that
    is rolled back after its last test; each test runs in a savepoint of its own on top."""
    path = tmp_path_factory.mktemp("seed") / "demo-credentials.txt"
    settings = override_settings(CIVIC_DEMO_CREDENTIALS_FILE=path)
    with django_db_blocker.unblock(), settings, transaction.atomic():
        output = seed()
        yield path, output
        transaction.set_rollback(True)


@pytest.fixture
def credentials(seeded: tuple[Path, str]) -> Path:
    return seeded[0]


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def accounts(path: Path) -> dict[str, tuple[str, str]]:
    """role → (email, password), as a newcomer reads them from the file."""
    rows = [line.split() for line in path.read_text(encoding="utf-8").splitlines()]
    return {row[0]: (row[1], row[2]) for row in rows if row and not row[0].startswith("#")}


def counts() -> tuple[int, ...]:
    return (
        District.objects.count(),
        Department.objects.count(),
        User.objects.count(),
        User.objects.filter(is_staff=True).count(),
        EmailAddress.objects.filter(verified=True).count(),
    )


def test_it_builds_the_demo_city(seeded: tuple[Path, str]) -> None:
    _path, output = seeded
    assert "The demo city is ready." in output
    assert District.objects.count() == len(DISTRICTS)
    assert Department.objects.count() == len(DEPARTMENTS)
    assert User.objects.filter(is_staff=True).count() == 3
    # Two residents; other apps' seed steps add accounts of their own (assist: a mediator).
    assert User.objects.filter(is_staff=False).exclude(groups__name="mediator").count() == 2
    assert User.objects.get(email="admin@civic.example").is_superuser
    agent = User.objects.get(email="agent.voirie@civic.example")
    assert agent.department == Department.objects.get(code="voirie")
    assert list(agent.groups.values_list("name", flat=True)) == ["department_agent"]
    # Every demo account can sign in at once: its address is verified.
    emails = [email for _key, email, *_rest in PEOPLE]
    assert EmailAddress.objects.filter(
        verified=True, primary=True, email__in=emails
    ).count() == len(PEOPLE)
    assert District.containing(47.38, 0.72) == District.objects.get(code="gare")


def test_it_writes_the_accounts_to_a_private_file(client: Client, credentials: Path) -> None:
    written = accounts(credentials)
    assert set(written) >= {key for key, *_rest in PEOPLE}  # and other apps' accounts
    assert credentials.stat().st_mode & 0o077 == 0

    email, password = written["triager"]
    response = client.post(reverse("account_login"), {"login": email, "password": password})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(email=email).pk)


def test_it_is_idempotent_and_keeps_the_passwords(credentials: Path) -> None:
    first = counts()
    passwords = accounts(credentials)

    seed()
    assert counts() == first
    assert accounts(credentials) == passwords
    for email, password in passwords.values():
        assert User.objects.get(email=email).check_password(password)


@override_settings(PRODUCTION=True)
def test_it_is_refused_in_production(tmp_path: Path) -> None:
    path = tmp_path / "demo-credentials.txt"
    before = User.objects.count()
    settings = override_settings(CIVIC_DEMO_CREDENTIALS_FILE=path)
    with settings, pytest.raises(CommandError, match="refused in production"):
        seed()
    assert User.objects.count() == before
    assert not path.exists()
