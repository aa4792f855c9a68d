"""Staff roles, declared in code and synced to auth groups after every ``migrate``.

Each domain adds the permissions its role needs here when it lands (reports for the triager and
department agent, budgets for the budget officer…). A permission named here that does not exist
stops ``migrate``: a role is never silently weaker than declared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps as global_apps
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Role:
    label: Any
    permissions: frozenset[str]


_CITY_MAP = {"civic.view_district", "civic.view_department"}
_REPORTS_STAFF = {
    "reports.view_report",
    "reports.change_report",
    "reports.view_category",
    "reports.view_responsetemplate",
    "reports.view_photo",
    "reports.view_unblurred_photo",
}

ROLES: dict[str, Role] = {
    "triager": Role(
        _("Triager"),
        frozenset(
            {
                *_CITY_MAP,
                *_REPORTS_STAFF,
                "reports.triage_all",
                "reports.add_responsetemplate",
                "reports.change_responsetemplate",
            }
        ),
    ),
    "department_agent": Role(_("Department agent"), frozenset({*_CITY_MAP, *_REPORTS_STAFF})),
    "budget_officer": Role(_("Budget officer"), frozenset(_CITY_MAP)),
    "data_protection_officer": Role(
        _("Data protection officer"),
        frozenset(
            {
                "civic.view_user",
                "civic.change_user",
                "civic.view_apiclient",
                "account.view_emailaddress",
                "mfa.view_authenticator",
                "admin.view_logentry",
                "auth.view_group",
                "consent.view_purpose",
                "consent.add_purpose",
                "consent.change_purpose",
                "consent.view_purposenotice",
                "consent.add_purposenotice",
                "consent.view_exportarchive",
            }
        ),
    ),
    "sensor_operator": Role(
        _("Sensor operator"),
        frozenset(
            {
                *_CITY_MAP,
                "civic.view_apiclient",
                "civic.add_apiclient",
                "civic.change_apiclient",
                "sensors.view_sensor",
                "sensors.add_sensor",
                "sensors.change_sensor",
                "sensors.view_ingestbatch",
                "sensors.view_quarantine",
                "sensors.change_quarantine",  # replay
                "sensors.view_devicehealth",
                "sensors.view_aggregate",
                "sensors.view_aqiscale",
                "sensors.view_airqualityindex",
            }
        ),
    ),
    "mediator_supervisor": Role(
        _("Mediator supervisor"),
        frozenset(
            {
                *_CITY_MAP,
                "civic.view_user",
                "assist.view_organisation",
                "assist.add_organisation",
                "assist.change_organisation",
                "assist.view_membership",
                "assist.add_membership",
                "assist.change_membership",
                "assist.delete_membership",
                "assist.view_mandate",
                "assist.change_mandate",  # revoke
                "assist.view_kioskterminal",
                "assist.add_kioskterminal",
                "assist.change_kioskterminal",  # activate on the terminal's browser
            }
        ),
    ),
    # Not staff: a partner organisation's helper. Acting also needs an active membership of an
    # active organisation (assist.selectors.mediator_organisations) and, when required, MFA.
    "mediator": Role(_("Mediator"), frozenset({"assist.act_for_resident"})),
}


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
