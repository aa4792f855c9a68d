"""System checks: personal data is registered, and its admins log access and hide it in lists."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.checks import Error, register

from consent import registry


def admin_problems(site: admin.AdminSite | None = None) -> list[Error]:
    from consent.admin import PersonalDataAdminMixin

    site = site or admin.site
    errors = []
    for model, model_admin in site._registry.items():
        if registry.registration_for(model) is None:
            continue
        personal = set(registry.personal_fields(model))
        if not personal:
            continue
        label = f"{type(model_admin).__module__}.{type(model_admin).__qualname__}"
        if not isinstance(model_admin, PersonalDataAdminMixin):
            errors.append(
                Error(
                    f"{label} shows personal data of {model._meta.label} without "
                    "PersonalDataAdminMixin: staff access would leave no trace.",
                    id="consent.E002",
                    obj=model_admin,
                )
            )
        shown: set[str] = {entry for entry in model_admin.list_display if isinstance(entry, str)}
        for entry in model_admin.list_filter:
            if isinstance(entry, str):
                shown.add(entry)
            elif isinstance(entry, tuple) and isinstance(entry[0], str):
                shown.add(entry[0])
        if "__str__" in shown and not getattr(model_admin, "personal_data_str_is_safe", False):
            shown.add("__str__")
            personal.add("__str__")  # a personal row's str() usually is a name or an address
        leaked = sorted(shown & personal)
        if leaked:
            errors.append(
                Error(
                    f"{label} shows personal fields in its change list: {', '.join(leaked)}.",
                    hint="Staff find a person by exact search, then open the change page.",
                    id="consent.E003",
                    obj=model_admin,
                )
            )
    return errors


@register("consent")
def personal_data_check(app_configs: Any, **kwargs: Any) -> list[Error]:
    errors = [
        Error(
            f"{label} holds personal data that no consent registration covers.",
            hint="Call consent.registry.register() from the app's AppConfig.ready().",
            id="consent.E001",
        )
        for label in registry.uncovered_models()
    ]
    return errors + admin_problems()
