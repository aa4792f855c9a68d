"""Fixtures of the assist tests: organisations, mediators, mandates, kiosk terminals."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import (
    make_mediator,  # noqa: F401 - kept importable from here
)

# The consent app's purposes and private storage for exports, shared with these tests.
from tests.consent.conftest import (  # noqa: F401 - fixtures
    _private_files,
    consent_purpose,
    public_task_purpose,
)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def mediator_client(mediator: Any) -> Client:
    return client_for(mediator)


def emailed(to: str) -> tuple[str, str]:
    """The code and the link of the last mandate request emailed to ``to`` (from the outbox)."""
    from civic.models import OutboxEmail

    email = OutboxEmail.objects.filter(to=[to]).latest("pk")
    code = re.search(r"^ {4}(\d{8})$", email.text, re.M)
    link = re.search(r"https?://\S+(/mandates/confirm/\S+/)", email.text)
    assert code is not None and link is not None, email.text
    return code.group(1), link.group(1)


@pytest.fixture
def make_mandate(mediator: Any, organisation: Any) -> Callable[..., Any]:
    """A mandate recorded by the mediator and confirmed: with the emailed code when the
    resident has an email address, else on paper (left unsigned if ``confirmed=False``)."""

    def _make(
        resident: Any,
        *,
        scopes: tuple[str, ...] = ("consent",),
        confirmed: bool = True,
        days: int = 92,
    ) -> Any:
        from assist import services
        from civic.actors import Actor, Channel

        actor = Actor(channel=Channel.MEDIATOR, user=mediator)
        if resident.email:
            assert confirmed, "a resident with an email has no unconfirmed mandate, only a request"
            request = services.mandate_request(
                actor=actor,
                organisation=organisation,
                email=resident.email,
                scopes=scopes,
                days=days,
            )
            code, _link = emailed(resident.email)
            return services.mandate_confirm_code(actor=actor, request=request, code=code)
        mandate = services.mandate_record(
            actor=actor, organisation=organisation, resident=resident, scopes=scopes, days=days
        )
        if confirmed:
            mandate = services.mandate_confirm_paper(actor=actor, mandate=mandate)
        return mandate

    return _make


@pytest.fixture
def paper_resident(db: None) -> Any:
    """A resident without email, created by a mediator (a phone number would change nothing)."""
    from civic.models import User

    return User.objects.create_user(
        email=None, password=None, display_name="Rose Sans-Courriel", language="fr"
    )


def expire(mandate: Any) -> None:
    from assist.models import Mandate

    past = timezone.now() - timedelta(days=1)
    Mandate.objects.filter(pk=mandate.pk).update(starts_at=past - timedelta(days=30), ends_at=past)
