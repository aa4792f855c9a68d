"""Roles declared in code (civic/roles.py) are the groups staff are given, exactly."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured

from civic.models import User
from civic.roles import ROLES, Role, roles_sync

pytestmark = pytest.mark.django_db


def group_permissions(name: str) -> set[str]:
    return {
        f"{app_label}.{codename}"
        for app_label, codename in Group.objects.get(name=name).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_it_declares_the_staff_and_mediator_roles() -> None:
    assert set(ROLES) == {
        "triager",
        "department_agent",
        "budget_officer",
        "data_protection_officer",
        "sensor_operator",
        "mediator_supervisor",
        "mediator",
        "service_manager",
        "moderator",
    }


@pytest.mark.parametrize("role", sorted(ROLES))
def test_it_gives_each_group_exactly_its_permissions_after_migrate(role: str) -> None:
    assert group_permissions(role) == set(ROLES[role].permissions)


def test_it_grants_a_role_member_its_permissions(triager: User) -> None:
    assert triager.has_perm("civic.view_district")
    assert not triager.has_perm("civic.change_user")


def test_it_syncs_idempotently_and_removes_a_stray_permission() -> None:
    stray = Permission.objects.get(content_type__app_label="civic", codename="delete_user")
    Group.objects.get(name="triager").permissions.add(stray)
    groups_before = Group.objects.count()

    roles_sync()
    roles_sync()

    assert Group.objects.count() == groups_before
    assert group_permissions("triager") == set(ROLES["triager"].permissions)
    for role in ROLES:
        assert group_permissions(role) == set(ROLES[role].permissions)


def test_it_recreates_a_deleted_role_group() -> None:
    Group.objects.filter(name="budget_officer").delete()
    roles_sync()
    assert group_permissions("budget_officer") == set(ROLES["budget_officer"].permissions)


def test_it_refuses_an_unknown_permission(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(ROLES, "triager", Role("Triager", frozenset({"civic.fly_district"})))
    with pytest.raises(ImproperlyConfigured, match=r"'triager'.*'civic\.fly_district'"):
        roles_sync()
