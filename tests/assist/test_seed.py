"""The demo's mediation: an organisation, a mediator who can sign in, a kiosk terminal."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from assist.models import KioskTerminal, Mandate, Organisation
from assist.selectors import is_mediator
from civic.models import User

pytestmark = pytest.mark.django_db


def test_it_the_demo_has_a_mediator_who_can_sign_in_and_a_kiosk(tmp_path: Path) -> None:
    path = tmp_path / "demo-credentials.txt"
    with override_settings(CIVIC_DEMO_CREDENTIALS_FILE=path):
        call_command("seed_demo", stdout=StringIO())
        first = path.read_text()
        call_command("seed_demo", stdout=StringIO())  # idempotent, same password

    assert path.read_text() == first
    rows = {line.split()[0]: line.split()[1:] for line in first.splitlines() if line[:1] != "#"}
    email, password = rows["mediator"]
    mediator = User.objects.get(email=email)
    assert is_mediator(mediator)
    assert Organisation.objects.count() == 1
    assert KioskTerminal.objects.count() == 1
    assert not Mandate.objects.exists()
    client = Client()
    assert (
        client.post("/accounts/login/", {"login": email, "password": password}).status_code == 302
    )
    assert client.get("/assist/").status_code == 200
