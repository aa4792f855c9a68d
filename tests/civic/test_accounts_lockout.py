"""Failed sign-ins lock out per address and IP together: nobody can lock a resident out from
anywhere with five wrong passwords (issue 11, Accounts)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ATTACKER, RESIDENT = "203.0.113.7", "198.51.100.20"
LOCKED = "Trop de tentatives"


def sign_in(client: Client, ip: str, password: str, email: str = "alice@example.org") -> Any:
    return client.post(
        reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=ip
    )


def test_it_five_wrong_passwords_from_one_ip_do_not_lock_the_resident_out_elsewhere(
    resident: Any,
) -> None:
    attacker = Client()
    for _attempt in range(5):
        assert sign_in(attacker, ATTACKER, "wrong password").status_code == 200

    response = sign_in(Client(), RESIDENT, PASSWORD)

    assert response.status_code == 302
    assert LOCKED not in response.content.decode()


def test_it_five_wrong_passwords_lock_that_ip_out_for_that_address(resident: Any) -> None:
    client = Client()
    for _attempt in range(5):
        sign_in(client, ATTACKER, "wrong password")

    response = sign_in(client, ATTACKER, PASSWORD)

    assert response.status_code == 200  # the form again, with the reason
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_a_locked_ip_can_still_sign_in_another_resident(resident: Any, resident2: Any) -> None:
    client = Client()
    for _attempt in range(5):
        sign_in(client, ATTACKER, "wrong password")

    response = sign_in(client, ATTACKER, PASSWORD, email="bob@example.org")

    assert response.status_code == 302
