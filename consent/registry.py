"""The personal-data registry: what each app holds on a person; how to export, erase, expire it.

Apps register from their ``AppConfig.ready()``; ``consent`` imports none of them. A registration
*covers* models: the app's own by default, or any listed model (the foundation's registration in
``consent.foundation`` covers civic, allauth and admin models). A test and a system check fail on
any installed model that relates to the user or declares a personal field and that no registration
covers, and on any admin of such a model that does not use ``PersonalDataAdminMixin``.

A field is personal when a registration names it in ``personal_fields`` or when the model marks it
with ``personal(...)``; every relation to the user model is personal too (it says who the row is
about). Personal fields never appear in admin change lists, and opening a change page that shows
them writes an access-log entry.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

if TYPE_CHECKING:
    from datetime import datetime

    from civic.actors import Actor
    from civic.models import User

F = TypeVar("F", bound=models.Field)

Exporter = Callable[["User"], dict[str, Any]]
Eraser = Callable[..., dict[str, Any]]  # eraser(user, *, actor) -> receipt
Retention = Callable[..., int]  # retention(*, now) -> rows removed or anonymised
# files(user) -> the person's files to put in their export archive (see ExportFile).
Files = Callable[["User"], Iterable["ExportFile"]]
# private_mode(user, *, enabled, actor, state) -> state: see Registration.private_mode.
PrivateModeHook = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class ExportFile:
    """A file of the person's to copy into their export archive.

    ``storage`` is a key of ``settings.STORAGES`` ("default" for public media), ``name`` the file's
    name in that storage, ``path`` where it goes inside the archive's ``files/<app_label>/``
    folder (plain relative path, no ``..``). Only public copies belong here (blurred photos):
    the archive is what the person downloads, and unblurred originals may show other people.
    """

    storage: str
    name: str
    path: str
    description: str = ""


ERASED_MARK = "[…]"


def scrub(text: str, identifiers: Iterable[str]) -> str:
    """``text`` without the person's identifiers (emails, names, phone numbers), case-insensitively:
    for free text the person wrote (a description) or that quotes them (a queued email)."""
    for identifier in sorted(
        {i.strip() for i in identifiers if i and len(i.strip()) >= 3}, key=len, reverse=True
    ):
        text = re.sub(re.escape(identifier), ERASED_MARK, text, flags=re.IGNORECASE)
    return text


def personal(model_field: F) -> F:
    """Mark a model field as personal data: ``address = personal(models.CharField(...))``.

    The mark is a plain attribute: it changes neither the column nor the migrations.
    """
    model_field.civic_personal = True  # type: ignore[attr-defined]
    return model_field


@dataclass(frozen=True)
class Registration:
    app_label: str
    summary: Any  # a lazy translation shown on "My data"
    exporter: Exporter
    eraser: Eraser
    retention: Retention | None = None
    # Lower-case model labels ("account.emailaddress"). None: every model of ``app_label``.
    models: tuple[str, ...] | None = None
    personal_fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Erasers run in this order; the foundation's (which deletes the user row) runs last.
    order: int = 100
    files: Files | None = None
    # private_mode(user, *, enabled, actor, state) -> state. Called with enabled=True when the
    # person turns private mode on (pause follows and alerts, hide their name...) and returns a
    # JSON-serialisable state consent keeps; called with enabled=False and that state when they
    # turn it off, to restore what it changed. Returns {} when there is nothing to remember.
    private_mode: PrivateModeHook | None = None
    # Codes of the purposes (consent.Purpose) this data serves, shown beside it on "My data".
    purposes: tuple[str, ...] = ()
    # Translatable labels of the exporter's keys ({"created_at": _("sent")}), for "My data".
    labels: Mapping[str, Any] = field(default_factory=dict)

    def model_labels(self) -> tuple[str, ...]:
        if self.models is not None:
            return self.models
        try:
            app_config = apps.get_app_config(self.app_label)
        except LookupError:
            return ()  # a data type with no model of its own (or not stored in the database)
        return tuple(model._meta.label_lower for model in app_config.get_models())


_registrations: dict[str, Registration] = {}


def _label(model: str | type[models.Model]) -> str:
    if isinstance(model, str):
        return model.lower()
    return model._meta.label_lower


def register(
    app_label: str,
    *,
    summary: Any,
    exporter: Exporter,
    eraser: Eraser,
    retention: Retention | None = None,
    models: Iterable[str | type[models.Model]] | None = None,
    personal_fields: Mapping[Any, Iterable[str]] | None = None,
    order: int = 100,
    files: Files | None = None,
    private_mode: PrivateModeHook | None = None,
    purposes: Iterable[str] = (),
    labels: Mapping[str, Any] | None = None,
) -> Registration:
    """Declare what personal data ``app_label`` holds. Call it from ``AppConfig.ready()``.

    - ``exporter(user)`` returns a JSON-serialisable dict of everything held on the person.
    - ``eraser(user, *, actor)`` deletes or anonymises it and returns a receipt:
      ``{"deleted": [...], "kept": [{"what": ..., "why": ..., "until": ...}]}``.
    - ``retention(*, now)`` removes what has outlived its period and returns how many rows.
    - ``files(user)`` (optional) lists the person's files for the export archive (``ExportFile``).
    - ``private_mode(user, *, enabled, actor, state)`` (optional) applies or reverts private mode
      for the app's data and returns the state needed to revert it (see ``Registration``).
    - ``purposes`` names the ``Purpose`` codes the data serves (shown on "My data").
    - ``labels`` gives translatable labels for the exporter's keys (default: the key itself).
    - ``models`` lists the models covered (default: the app's own); ``personal_fields`` maps a
      model to the fields that are personal beyond relations to the user and ``personal()`` marks.
    """
    existing = _registrations.get(app_label)
    if existing is not None:
        # ready() may run again (a second app registry, as isolate_apps builds): same callables,
        # same registration. Anything else is two apps claiming one label.
        if existing.exporter is exporter and existing.eraser is eraser:
            return existing
        raise ImproperlyConfigured(f"Personal data of {app_label!r} is already registered")
    registration = Registration(
        app_label=app_label,
        summary=summary,
        exporter=exporter,
        eraser=eraser,
        retention=retention,
        models=None if models is None else tuple(_label(model) for model in models),
        personal_fields={
            _label(model): tuple(names) for model, names in (personal_fields or {}).items()
        },
        order=order,
        files=files,
        private_mode=private_mode,
        purposes=tuple(purposes),
        labels=dict(labels or {}),
    )
    if registration.models is not None:
        # One owner per model, or an export would hold it twice and erasers would race.
        for other in _registrations.values():
            if other.models is None:
                continue
            shared = set(other.models) & set(registration.models)
            if shared:
                raise ImproperlyConfigured(
                    f"{app_label!r} and {other.app_label!r} both cover {sorted(shared)}"
                )
    _registrations[app_label] = registration
    return registration


def unregister(app_label: str) -> None:
    """Remove a registration (for tests that register a data type of their own)."""
    _registrations.pop(app_label, None)


def registrations() -> list[Registration]:
    return sorted(_registrations.values(), key=lambda reg: (reg.order, reg.app_label))


def registration_for(model: str | type[models.Model]) -> Registration | None:
    label = _label(model)
    for registration in _registrations.values():
        if label in registration.model_labels():
            return registration
    return None


def _is_user_relation(model_field: Any) -> bool:
    return bool(
        getattr(model_field, "is_relation", False)
        and getattr(model_field, "concrete", False)
        and model_field.related_model is not None
        and model_field.related_model._meta.label == settings.AUTH_USER_MODEL
    )


def personal_fields(model: type[models.Model]) -> tuple[str, ...]:
    """The names of the model's personal fields, from its registration, marks and user links."""
    names: list[str] = []
    registration = registration_for(model)
    if registration is not None:
        names.extend(registration.personal_fields.get(model._meta.label_lower, ()))
    for model_field in model._meta.get_fields():
        if getattr(model_field, "civic_personal", False) or _is_user_relation(model_field):
            names.append(model_field.name)
    return tuple(dict.fromkeys(names))


def holds_personal_data(model: type[models.Model]) -> bool:
    """Does this model need a registration: it is the user, relates to it or marks a field?"""
    if model._meta.label == settings.AUTH_USER_MODEL:
        return True
    return any(
        getattr(model_field, "civic_personal", False) or _is_user_relation(model_field)
        for model_field in model._meta.get_fields()
    )


def uncovered_models() -> list[str]:
    """Installed models holding personal data that no registration covers.

    Rules, so Django's own tables get a sensible answer:
    - an auto-created many-to-many table (``civic.User_groups``) is covered by the model that
      declares the relation: it is erased with it and exported through it;
    - models without a relation to the user and without a personal mark (``auth.Permission``,
      ``contenttypes.ContentType``, ``auth.Group``) hold no personal data and need nothing.
      ``sessions.Session`` stores the user id inside its encoded data: it has no relation to
      find, so the foundation covers it explicitly.
    """
    missing = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.auto_created:
            continue
        if holds_personal_data(model) and registration_for(model) is None:
            missing.append(model._meta.label)
    return sorted(missing)


def person_of(obj: models.Model) -> User | None:
    """The person a row is about: the user itself, or the first relation to the user."""
    if obj._meta.label == settings.AUTH_USER_MODEL:
        return obj  # type: ignore[return-value]
    for model_field in obj._meta.concrete_fields:
        if _is_user_relation(model_field):
            return getattr(obj, model_field.name)
    return None


def run_retention(*, now: datetime) -> dict[str, int]:
    """Run every registered retention handler; returns rows removed per app."""
    return {
        registration.app_label: registration.retention(now=now)
        for registration in registrations()
        if registration.retention is not None
    }


def export_for(user: User) -> dict[str, Any]:
    """Every registration's export for the person, keyed by app label."""
    return {registration.app_label: registration.exporter(user) for registration in registrations()}


def erase_for(user: User, *, actor: Actor) -> dict[str, Any]:
    """Run every eraser in order; the caller holds the transaction (see ``services``)."""
    return {
        registration.app_label: registration.eraser(user, actor=actor)
        for registration in registrations()
    }


# --- Purposes and algorithms, declared by the apps whose processing they describe ------------


@dataclass(frozen=True)
class PurposeSpec:
    """A purpose of processing an app declares: its code and legal basis are code's to decide;
    its texts are the first version the data protection officer then edits (``Purpose``), and
    the notice is published once, its hash written into the ledger with each choice."""

    code: str
    legal_basis: str  # a consent.models.LegalBasis value
    title_fr: str
    title_en: str
    description_fr: str
    description_en: str
    data_categories: str
    retention: str
    recipients: str
    notice_fr: str
    notice_en: str
    # The processing this purpose's choices switch on and off: gate points its app checks with
    # ``consent.selectors.processing_allowed(user, gate)`` before it runs ("reports.status-email").
    # A purpose resting on consent or open to objection gates at least one (a test checks it);
    # one that would gate nothing is not declared, so it is not asked.
    gates: tuple[str, ...] = ()


@dataclass(frozen=True)
class Algorithm:
    """A line of the algorithm register: an automated process the city runs, in plain words.

    French public bodies must publish the main rules of algorithms behind individual decisions
    (Code des relations entre le public et l'administration, art. L312-1-3). Each app declares the
    ones it runs, beside the code they describe, so a change to one is reviewed with the other.
    """

    code: str
    name: Any
    what_it_does: Any
    data_used: Any
    human_check: Any
    decides_alone: bool = False
    order: int = 100


_purposes: dict[str, PurposeSpec] = {}
_algorithms: dict[str, Algorithm] = {}


def _register_once(table: dict[str, Any], kind: str, code: str, entry: Any) -> None:
    existing = table.get(code)
    if existing is not None and existing != entry:
        raise ImproperlyConfigured(f"{kind} {code!r} is already registered")
    table[code] = entry


def register_purpose(spec: PurposeSpec) -> None:
    _register_once(_purposes, "Purpose", spec.code, spec)


def purpose_specs() -> list[PurposeSpec]:
    return list(_purposes.values())


def gate_purpose(gate: str) -> PurposeSpec:
    """The purpose whose choices switch ``gate`` on and off; an undeclared gate is a bug."""
    for spec in _purposes.values():
        if gate in spec.gates:
            return spec
    raise ImproperlyConfigured(f"No purpose declares the gate point {gate!r}")


def gate_points() -> dict[str, str]:
    """Every declared gate point and the code of the purpose that switches it."""
    return {gate: spec.code for spec in _purposes.values() for gate in spec.gates}


def register_algorithm(algorithm: Algorithm) -> None:
    _register_once(_algorithms, "Algorithm", algorithm.code, algorithm)


def algorithms() -> list[Algorithm]:
    return sorted(_algorithms.values(), key=lambda algorithm: (algorithm.order, algorithm.code))
