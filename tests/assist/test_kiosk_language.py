"""At a kiosk, the language a person picks stays across sign-in, for that visit only: the
account keeps its own language (its emails too)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.assist.test_kiosk import activate
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_it_keeps_the_picked_language_across_sign_in_without_changing_the_account(
    resident: Any, kiosk_terminal: Any, mediator_supervisor: Any
) -> None:
    browser = activate(kiosk_terminal, mediator_supervisor)
    browser.post(reverse("account_logout"))
    assert resident.language == "fr"

    browser.post(reverse("language_switch"), {"language": "en", "next": "/"})
    response = browser.post(
        reverse("account_login"), {"login": resident.email, "password": PASSWORD}, follow=True
    )

    assert '<html lang="en">' in response.content.decode()
    assert '<html lang="en">' in browser.get(reverse("consent:my_data")).content.decode()
    resident.refresh_from_db()
    assert resident.language == "fr"  # a shared terminal's choice is for this visit only
