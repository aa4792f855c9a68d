"""Staff roles, declared in code and synced to auth groups after every ``migrate``.

Each app declares its roles and the permissions they need from its ``AppConfig.ready()``
(``register_role``): reports the triager and the department agent, sensors the sensor operator,
consent the data protection officer… A permission named that does not exist stops ``migrate``:
a role is never silently weaker than declared.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps as global_apps
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction


@dataclass(frozen=True)
class Role:
    label: Any
    permissions: frozenset[str]


ROLES: dict[str, Role] = {}

# What every staff role needs to read the city's map: apps add it to their roles.
CITY_MAP = frozenset({"civic.view_district", "civic.view_department"})


def register_role(key: str, *, label: Any = None, permissions: Iterable[str] = ()) -> Role:
    """Declare a role, or add permissions to one another app declared (from ``ready()``).

    The first registration with a ``label`` names the role; any app may add permissions to it.
    """
    existing = ROLES.get(key)
    if existing is None and label is None:
        raise ImproperlyConfigured(f"Role {key!r} needs a label where it is first declared")
    role = Role(
        label if existing is None else existing.label,
        frozenset(permissions) | (existing.permissions if existing else frozenset()),
    )
    ROLES[key] = role
    return role


def roles_sync(*, using: str = "default", **_: Any) -> None:
    """Make each role's group hold exactly its declared permissions."""
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.management import create_contenttypes

    # post_migrate runs app by app; make sure every app's permissions exist before we look.
    for app_config in global_apps.get_app_configs():
        create_contenttypes(app_config, verbosity=0, using=using)
        create_permissions(app_config, verbosity=0, using=using)

    with transaction.atomic(using=using):
        for code, role in ROLES.items():
            wanted = []
            for dotted in sorted(role.permissions):
                app_label, codename = dotted.split(".", 1)
                try:
                    wanted.append(
                        Permission.objects.using(using).get(
                            content_type__app_label=app_label, codename=codename
                        )
                    )
                except Permission.DoesNotExist as exc:
                    raise ImproperlyConfigured(
                        f"Role {code!r} names unknown permission {dotted!r}"
                    ) from exc
            group, _created = Group.objects.using(using).get_or_create(name=code)
            group.permissions.set(wanted)
