"""What budgets brings to the rest of the site, declared through the core's registries."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from civic.roles import CITY_MAP, register_role


def register() -> None:
    from budgets.personal_data import register_personal_data

    register_personal_data()
    register_role("budget_officer", label=_("Budget officer"), permissions=CITY_MAP)
