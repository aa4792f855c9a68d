"""Who may open what personal data: every role (visitor, resident, another resident, each staff
role of ``civic.roles``, a mediator), for every model holding personal data (enumerated from
consent's registry: a new model joins by itself, and fails until its line is written below) and
every action (the staff site, the person's own page, a staff export of the person). Verdicts
come from the hand-written tables below."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib import admin
from django.test import Client

from civic.roles import ROLES
from consent import registry
from tests.conftest import make_person

pytestmark = pytest.mark.django_db

STAFF_ROLES = tuple(sorted(ROLES))
ROLE_NAMES = ("visitor", "resident", "other_resident", "mediator", *STAFF_ROLES)

# The staff site's list of each model holding personal data: the roles that may open it (every
# other role is refused). A model missing here fails the test: decide, then write its line.
DPO = "data_protection_officer"
REPORT_STAFF = frozenset({"triager", "department_agent"})
ADMIN: dict[str, frozenset[str]] = {
    "account.emailaddress": frozenset({DPO}),
    "assist.mandate": frozenset({"mediator_supervisor"}),
    "assist.membership": frozenset({"mediator_supervisor"}),
    # Supervisors pick the accounts they make mediators.
    "civic.user": frozenset({DPO, "mediator_supervisor"}),
    "mfa.authenticator": frozenset({DPO}),
    "budgets.proposal": frozenset({"budget_officer"}),
    "budgets.resultoverride": frozenset({"budget_officer"}),
    "budgets.voter": frozenset({"budget_officer"}),
    # Moderators keep the abuse list (its rows are addresses of people who abused the form).
    "reports.abuser": frozenset({"moderator"}),
    "reports.photo": REPORT_STAFF,
    "reports.report": REPORT_STAFF,
    "sensors.alertsubscription": frozenset(),
    "sensors.sensor": frozenset({"sensor_operator"}),
}

# The person's own "My data" page and a staff export of their data (asked with a reason).
OWN_PAGE = frozenset({"resident"})
STAFF_EXPORT = frozenset({DPO})


def _personal_models() -> list[str]:
    labels = set()
    for registration in registry.registrations():
        for label in registration.model_labels():
            labels.add(label)
    registered = {
        model._meta.label_lower
        for model in admin.site._registry
        if model._meta.label == settings.AUTH_USER_MODEL or registry.personal_fields(model)
    }
    return sorted(label for label in labels if label in registered)


@pytest.fixture
def clients(
    resident: Any, resident2: Any, mediator: Any, organisation: Any, department: Any
) -> dict[str, Client]:
    by_role = {"visitor": Client()}
    for name, user in (("resident", resident), ("other_resident", resident2)):
        by_role[name] = Client()
        by_role[name].force_login(user)
    mediating = Client()
    mediating.force_login(mediator)
    by_role["mediator"] = mediating  # a mediator without a mandate over Alice
    for key in STAFF_ROLES:
        user = make_person(f"{key}@staff.example.org", staff=True, group=key, department=department)
        by_role[key] = Client()
        by_role[key].force_login(user)
    return by_role


def _allowed(response: Any) -> bool:
    return response.status_code == 200


def test_it_enumerates_every_model_holding_personal_data_in_the_policy() -> None:
    assert set(_personal_models()) <= set(ADMIN), sorted(set(_personal_models()) - set(ADMIN))


def test_it_opens_the_staff_site_lists_only_to_the_roles_the_policy_names(
    clients: dict[str, Client],
) -> None:
    wrong = []
    for label in _personal_models():
        app_label, model_name = label.split(".")
        url = f"/admin/{app_label}/{model_name}/"
        for role, client in clients.items():
            allowed = _allowed(client.get(url))
            if allowed != (role in ADMIN.get(label, frozenset())):
                wrong.append(f"{role} {'may' if allowed else 'may not'} open {label}")
    assert wrong == []


def test_it_shows_the_persons_data_only_to_them_and_exports_only_for_the_named_roles(
    clients: dict[str, Client], resident: Any
) -> None:
    wrong = []
    for role, client in clients.items():
        page = client.get("/my-data/")
        sees = page.status_code == 200 and resident.email in page.content.decode()
        if sees != (role in OWN_PAGE):
            wrong.append(f"{role} {'sees' if sees else 'does not see'} Alice's My data")
        export = client.get(f"/staff/people/{resident.pk}/export/")
        if _allowed(export) != (role in STAFF_EXPORT):
            wrong.append(f"{role} {'may' if _allowed(export) else 'may not'} export Alice")
    assert wrong == []
