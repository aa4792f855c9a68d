"""What a mandate may allow: a closed set of scopes that other apps extend from ``ready()``.

A scope is a code stored on the mandate and a plain-language label and description printed on
the mandate notice the resident signs. ``assist`` declares the two it serves itself (consent
choices, data export); budgets or reports add theirs (``register_scope``) when they act on
behalf. A mandate only ever holds registered codes: the service refuses any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Scope:
    code: str
    label: Any  # lazy translations: the notice is rendered in the resident's language
    description: Any
    order: int = 100


_scopes: dict[str, Scope] = {}


def register_scope(scope: Scope) -> None:
    existing = _scopes.get(scope.code)
    if existing is not None and existing != scope:
        raise ImproperlyConfigured(f"Mandate scope {scope.code!r} is already registered")
    _scopes[scope.code] = scope


def scopes() -> list[Scope]:
    return sorted(_scopes.values(), key=lambda scope: (scope.order, scope.code))


def scope(code: str) -> Scope | None:
    return _scopes.get(code)


CONSENT = "consent"
EXPORT = "export"

register_scope(
    Scope(
        code=CONSENT,
        label=_("Consent choices"),
        description=_(
            "give, withdraw or object to the processing of my data, purpose by purpose, "
            "and see my choices"
        ),
        order=10,
    )
)
register_scope(
    Scope(
        code=EXPORT,
        label=_("Data export"),
        description=_("ask for a copy of all my data and download it for me"),
        order=20,
    )
)
