"""Shared fixtures: personas, captured Celery tasks, services, and the browser harness."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import ViewportSize

# Sync Playwright runs an event loop in this thread; Django's ORM must still be usable beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REQUIRE_SERVICES = os.environ.get("CIVIC_REQUIRE_SERVICES") == "1"

PASSWORD = "correct horse battery staple"


# --- Services ---------------------------------------------------------------------------------


def require_redis() -> str:
    """The Redis URL; without one, skip locally but fail in CI (CIVIC_REQUIRE_SERVICES=1)."""
    url = os.environ.get("REDIS_URL")
    if not url:
        if REQUIRE_SERVICES:
            pytest.fail("REDIS_URL is required when CIVIC_REQUIRE_SERVICES=1")
        pytest.skip("needs Redis (set REDIS_URL)")
    return url


def require_postgres() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        if REQUIRE_SERVICES:
            pytest.fail("PostgreSQL is required when CIVIC_REQUIRE_SERVICES=1")
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Throttles and rate limits live in the cache (Redis in CI): start each test clean."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """A request through LocaleMiddleware leaves its language active in the test's thread: each
    test starts from the site's default, so none depends on the one before."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def registries() -> Iterator[None]:
    """What a test registers in the core's registries vanishes after it; the apps' entries stay."""
    from civic import registry

    tables = [table for table in vars(registry).values() if isinstance(table, registry.Registry)]
    saved = [dict(table) for table in tables]
    yield
    for table, entries in zip(tables, saved, strict=True):
        table.clear()
        table.update(entries)


@pytest.fixture
def fault_services(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A private Redis (down until started) and real workers: see tests/faults.py."""
    from tests import faults

    yield from faults.fault_services(tmp_path, monkeypatch)


# --- Celery -----------------------------------------------------------------------------------


@dataclass
class TaskQueue:
    """Tasks sent during a test, arguments round-tripped through JSON as a broker does."""

    sent: list[tuple[Any, list[Any], dict[str, Any]]] = field(default_factory=list)

    def names(self) -> list[str]:
        return [task.name for task, _args, _kwargs in self.sent]

    def run(self) -> int:
        """Run every queued task (and those they queue), as a worker would. Returns how many ran."""
        count = 0
        while self.sent:
            task, args, kwargs = self.sent.pop(0)
            task.apply(args=args, kwargs=kwargs, throw=True)
            count += 1
        return count


@pytest.fixture(autouse=True)
def tasks(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> TaskQueue:
    """Capture Celery sends. Tests marked ``real_worker`` use the real broker instead."""
    queue = TaskQueue()
    if request.node.get_closest_marker("real_worker"):
        return queue
    from celery.app.task import Task

    def apply_async(self: Task, args: Any = None, kwargs: Any = None, **options: Any) -> None:
        payload = json.loads(json.dumps({"args": list(args or []), "kwargs": dict(kwargs or {})}))
        queue.sent.append((self, payload["args"], payload["kwargs"]))

    monkeypatch.setattr(Task, "apply_async", apply_async)
    return queue


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks: Any) -> Any:
    """``with run_on_commit(): ...`` runs the on_commit callbacks the block registered."""

    def _context() -> Any:
        return django_capture_on_commit_callbacks(execute=True)

    return _context


# --- Personas ---------------------------------------------------------------------------------


def make_person(
    email: str, *, name: str = "", staff: bool = False, group: str | None = None, **extra: Any
) -> Any:
    from allauth.account.models import EmailAddress
    from django.contrib.auth.models import Group

    from civic.models import User

    user = User.objects.create_user(
        email=email, password=PASSWORD, display_name=name, is_staff=staff, **extra
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def resident(db: None) -> Any:
    return make_person("alice@example.org", name="Alice Martin", language="fr")


@pytest.fixture
def resident2(db: None) -> Any:
    return make_person("bob@example.org", name="Bob Durand", language="en")


@pytest.fixture
def department(db: None) -> Any:
    from civic.models import Department

    return Department.objects.create(code="voirie", name="Voirie", email="voirie@example.org")


@pytest.fixture
def triager(db: None) -> Any:
    return make_person("triage@example.org", name="Théo Triage", staff=True, group="triager")


@pytest.fixture
def department_agent(db: None, department: Any) -> Any:
    return make_person(
        "agent@example.org",
        name="Inès Voirie",
        staff=True,
        group="department_agent",
        department=department,
    )


@pytest.fixture
def dpo(db: None) -> Any:
    return make_person(
        "dpo@example.org", name="Dana Protection", staff=True, group="data_protection_officer"
    )


@pytest.fixture
def sensor_operator(db: None) -> Any:
    return make_person("capteurs@example.org", staff=True, group="sensor_operator")


@pytest.fixture
def budget_officer(db: None) -> Any:
    return make_person("budget@example.org", staff=True, group="budget_officer")


@pytest.fixture
def mediator_supervisor(db: None) -> Any:
    return make_person(
        "sup@example.org", name="Sam Supervision", staff=True, group="mediator_supervisor"
    )


@pytest.fixture
def organisation(db: None) -> Any:
    from assist.models import Organisation

    return Organisation.objects.create(code="maison-services", name="Maison des services")


@pytest.fixture
def other_organisation(db: None) -> Any:
    from assist.models import Organisation

    return Organisation.objects.create(code="centre-social", name="Centre social du Lac")


def make_mediator(email: str, name: str, organisation: Any) -> Any:
    from assist.models import Membership
    from assist.services import mediator_role_sync

    user = make_person(email, name=name)
    Membership.objects.create(organisation=organisation, user=user)
    mediator_role_sync(user=user)
    return user


@pytest.fixture
def mediator(organisation: Any) -> Any:
    return make_mediator("maud@example.org", "Maud Médiation", organisation)


@pytest.fixture
def other_mediator(other_organisation: Any) -> Any:
    return make_mediator("lea@example.org", "Léa Lac", other_organisation)


@pytest.fixture
def kiosk_terminal(db: None) -> Any:
    from assist.models import KioskTerminal

    return KioskTerminal.objects.create(name="Borne mairie", location="Hall d'accueil")


@pytest.fixture
def districts(db: None) -> list[Any]:
    from civic.models import District
    from civic.seed import DISTRICTS, district_boundary

    return [
        District.objects.create(
            code=code, name=name, population=population, boundary=district_boundary(i // 3, i % 3)
        )
        for i, (code, name, population) in enumerate(DISTRICTS)
    ]


# --- Browser ----------------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's chromium, never a downloaded browser; flags for a closed network, as root."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1366, "height": 900}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test that drives a browser or serves a live server runs in the serial browser pass of
    ``make test`` (live servers and chromium don't share two cores well with xdist workers)."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & {"page", "live_server", "browser", "context"}:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def _no_lingering_connections() -> None:
    """A live server answers each request on a thread of its own; with persistent connections
    (CONN_MAX_AGE) each thread's would outlive it, and the test database could not be dropped
    at the end of the run. Tests open and close a connection per request instead."""
    from django.db import connections

    for alias in connections:
        connections.settings[alias]["CONN_MAX_AGE"] = 0
