"""Self-service erasure: confirmed, receipted, staff deactivated rather than erased."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from consent.models import ConsentEvent, Subject
from consent.services import consent_give
from tests.conftest import PASSWORD
from tests.consent.conftest import web

pytestmark = pytest.mark.django_db


def test_it_asks_for_the_password_and_the_confirmation(client: Client, resident: Any) -> None:
    client.force_login(resident)
    response = client.post("/my-data/delete/", {"password": "wrong", "confirm": "on"})
    assert response.status_code == 200
    response = client.post("/my-data/delete/", {"password": PASSWORD})
    assert response.status_code == 200
    assert get_user_model().objects.filter(pk=resident.pk).exists()


def test_it_deletes_the_account_and_gives_a_receipt(
    client: Client, resident: Any, consent_purpose: Any, tasks: Any, mailoutbox: Any
) -> None:
    consent_give(actor=web(resident), purpose=consent_purpose)
    client.force_login(resident)
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post("/my-data/delete/", {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    assert not get_user_model().objects.filter(pk=resident.pk).exists()
    # The ledger stays, without the link to the person.
    assert ConsentEvent.objects.count() == 1
    (subject,) = Subject.objects.filter(consents__isnull=False).distinct()
    assert subject.user is None

    page = client.get(response["Location"]).content.decode()
    assert "preuve qu\u2019un consentement a été donné ou retiré" in page
    tasks.run()
    assert mailoutbox[-1].to == ["alice@example.org"]
    assert "preuve qu\u2019un consentement" in mailoutbox[-1].body
    assert client.get("/my-data/").status_code == 302  # signed out


def test_it_deactivates_a_staff_account(client: Client, triager: Any) -> None:
    client.force_login(triager)
    page = client.get("/my-data/delete/").content.decode()
    assert "désactivé" in page
    response = client.post("/my-data/delete/", {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    triager.refresh_from_db()
    assert not triager.is_active
