"""Registries that apps fill from ``AppConfig.ready()``: the core imports no domain app.

Each app declares here what it brings to the rest of the site, so a new domain is one folder plus
its registrations: its entries on the home page, the kiosk home and the navigation, its API key
scopes, the scopes a mediator's mandate may grant, its links on other apps' pages ("My data"…),
its periodic tasks, the bars it adds to pages (kiosk, "acting for"), the template context those
need, and the paths where its members must have a second factor. Roles live in ``civic.roles``;
purposes, algorithms and personal data in ``consent.registry``, by the same pattern.

Registering the same key twice with an equal value is harmless (``ready()`` may run again when a
test reloads the app registry); a different value under a taken key is a programming error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

RequestCheck = Callable[[HttpRequest], bool]


def _always(request: HttpRequest) -> bool:
    return True


@dataclass(frozen=True)
class HomeTile:
    key: str
    title: Any  # a lazy translation
    description: Any
    url_name: str
    icon: str = ""
    order: int = 100
    in_menu: bool = True  # also a link in every page's main menu


@dataclass(frozen=True)
class KioskTile:
    """A large button on a kiosk terminal's home page; ``icon`` is the static path of an SVG
    pictogram the app serves (the kiosk draws a generic one without it)."""

    key: str
    title: Any
    url_name: str
    icon: str = ""
    order: int = 100


@dataclass(frozen=True)
class NavEntry:
    """A link in the main menu for the people ``visible`` lets see it (a mediator's workspace)."""

    key: str
    title: Any
    url_name: str
    order: int = 100
    visible: RequestCheck = _always


@dataclass(frozen=True)
class SeedStep:
    name: str
    run: Callable[..., None]  # run(*, stdout) adds the app's demo data, idempotently
    order: int = 100


@dataclass(frozen=True)
class ApiScope:
    """What an API key may be allowed to do (``ApiClient.scopes`` holds these codes)."""

    code: str
    label: Any


@dataclass(frozen=True)
class MandateScope:
    """What a mediator's mandate may allow: a code stored on the mandate, and the label and
    plain-language description printed on the notice the resident signs (in their language)."""

    code: str
    label: Any
    description: Any
    order: int = 100


@dataclass(frozen=True)
class PeriodicTask:
    """A job beat runs: ``schedule`` in seconds or a crontab; assembled in ``civic.celery``."""

    name: str
    task: str  # the task's dotted name
    schedule: float | crontab
    options: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class PageBanner:
    """A bar shown under the header of every page where ``active(request)`` holds.

    ``template`` renders the bar; ``head_template`` (optional) adds to ``<head>`` (a stylesheet);
    ``body_class`` is added to ``<body>``. Their context comes from the app's context function
    (``register_context``).
    """

    key: str
    template: str
    active: RequestCheck
    head_template: str = ""
    body_class: str = ""
    order: int = 100


@dataclass(frozen=True)
class MfaArea:
    """Paths under ``prefix`` where members of ``role`` must have a second factor, as staff
    must everywhere (when ``CIVIC_STAFF_MFA_REQUIRED`` is on)."""

    prefix: str
    role: str


@dataclass(frozen=True)
class Link:
    """A link an app adds to a page of another app (or of the core) that must not name it.

    Places: ``"my-data"`` (consent's "My data": pages of an app about the person, such as their
    mandates), ``"privacy"`` (the core's privacy notice: consent's registers and ledger) and
    ``"staff"`` (the staff back office's menu, for staff with ``permission``).
    """

    key: str
    title: Any
    url_name: str
    order: int = 100
    # Shown only to people with this permission ("app.codename"); place "staff": the staff
    # back office's menu.
    permission: str = ""


ContextFunction = Callable[[HttpRequest], dict[str, Any]]

T = TypeVar("T")


class Registry(dict[str, T]):
    """Entries by key, read in order; each ``register`` is checked against what is there."""

    def __init__(self, kind: str, sort_key: Callable[[T], Any]) -> None:
        super().__init__()
        self.kind = kind
        self.sort_key = sort_key

    def register(self, key: str, entry: T) -> T:
        existing = self.get(key)
        if existing is not None and existing != entry:
            raise ImproperlyConfigured(f"{self.kind} {key!r} is already registered")
        self[key] = entry
        return entry

    def ordered(self) -> list[T]:
        return sorted(self.values(), key=self.sort_key)


_home_tiles: Registry[HomeTile] = Registry("Home tile", lambda t: (t.order, t.key))
_kiosk_tiles: Registry[KioskTile] = Registry("Kiosk tile", lambda t: (t.order, t.key))
_nav_entries: Registry[NavEntry] = Registry("Navigation entry", lambda n: (n.order, n.key))
_seed_steps: Registry[SeedStep] = Registry("Seed step", lambda s: (s.order, s.name))
_api_scopes: Registry[ApiScope] = Registry("API scope", lambda s: s.code)
_mandate_scopes: Registry[MandateScope] = Registry("Mandate scope", lambda s: (s.order, s.code))
_periodic_tasks: Registry[PeriodicTask] = Registry("Periodic task", lambda p: p.name)
_page_banners: Registry[PageBanner] = Registry("Page banner", lambda b: (b.order, b.key))
_mfa_areas: Registry[MfaArea] = Registry("MFA area", lambda a: a.prefix)
_links: Registry[tuple[str, Link]] = Registry("Link", lambda pl: (pl[0], pl[1].order, pl[1].key))
_contexts: Registry[ContextFunction] = Registry("Context function", lambda f: f.__qualname__)


def register_home_tile(tile: HomeTile) -> None:
    _home_tiles.register(tile.key, tile)


def home_tiles() -> list[HomeTile]:
    return _home_tiles.ordered()


def register_kiosk_tile(tile: KioskTile) -> None:
    _kiosk_tiles.register(tile.key, tile)


def kiosk_tiles() -> list[KioskTile]:
    return _kiosk_tiles.ordered()


def register_nav_entry(entry: NavEntry) -> None:
    _nav_entries.register(entry.key, entry)


def nav_entries(request: HttpRequest) -> list[NavEntry]:
    """The main menu for this request: home tiles marked ``in_menu``, then visible entries."""
    tiles = [
        NavEntry(key=t.key, title=t.title, url_name=t.url_name, order=t.order)
        for t in home_tiles()
        if t.in_menu
    ]
    extra = [entry for entry in _nav_entries.ordered() if entry.visible(request)]
    return sorted(tiles + extra, key=lambda e: (e.order, e.key))


def register_seed_step(step: SeedStep) -> None:
    _seed_steps.register(step.name, step)


def seed_steps() -> list[SeedStep]:
    return _seed_steps.ordered()


def register_api_scope(scope: ApiScope) -> None:
    _api_scopes.register(scope.code, scope)


def api_scopes() -> list[ApiScope]:
    return _api_scopes.ordered()


def register_mandate_scope(scope: MandateScope) -> None:
    _mandate_scopes.register(scope.code, scope)


def mandate_scopes() -> list[MandateScope]:
    return _mandate_scopes.ordered()


def mandate_scope(code: str) -> MandateScope | None:
    return _mandate_scopes.get(code)


def register_periodic_task(task: PeriodicTask) -> None:
    _periodic_tasks.register(task.name, task)


def periodic_tasks() -> list[PeriodicTask]:
    return _periodic_tasks.ordered()


def register_page_banner(banner: PageBanner) -> None:
    _page_banners.register(banner.key, banner)


def page_banners(request: HttpRequest) -> list[PageBanner]:
    return [banner for banner in _page_banners.ordered() if banner.active(request)]


def register_mfa_area(area: MfaArea) -> None:
    _mfa_areas.register(area.prefix, area)


def mfa_areas() -> list[MfaArea]:
    return _mfa_areas.ordered()


def register_link(place: str, link: Link) -> None:
    _links.register(f"{place}:{link.key}", (place, link))


def links(place: str) -> list[Link]:
    return [link for link_place, link in _links.ordered() if link_place == place]


def register_context(function: ContextFunction) -> None:
    """Add ``function(request)``'s dict to every page's template context."""
    _contexts.register(f"{function.__module__}.{function.__qualname__}", function)


def contexts() -> list[ContextFunction]:
    return _contexts.ordered()
