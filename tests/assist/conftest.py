"""Fixtures of the assist tests: organisations, mediators, mandates, kiosk terminals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import make_person

# The consent app's purposes and private storage for exports, shared with these tests.
from tests.consent.conftest import (  # noqa: F401 - fixtures
    _private_files,
    consent_purpose,
    public_task_purpose,
)


@pytest.fixture
def organisation(db: None) -> Any:
    from assist.models import Organisation

    return Organisation.objects.create(code="maison-services", name="Maison des services")


@pytest.fixture
def other_organisation(db: None) -> Any:
    from assist.models import Organisation

    return Organisation.objects.create(code="centre-social", name="Centre social du Lac")


def make_mediator(email: str, name: str, organisation: Any) -> Any:
    from assist.models import Membership
    from assist.services import mediator_role_sync

    user = make_person(email, name=name)
    Membership.objects.create(organisation=organisation, user=user)
    mediator_role_sync(user=user)
    return user


@pytest.fixture
def mediator(organisation: Any) -> Any:
    return make_mediator("maud@example.org", "Maud Médiation", organisation)


@pytest.fixture
def other_mediator(other_organisation: Any) -> Any:
    return make_mediator("lea@example.org", "Léa Lac", other_organisation)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def mediator_client(mediator: Any) -> Client:
    return client_for(mediator)


@pytest.fixture
def make_mandate(mediator: Any, organisation: Any) -> Callable[..., Any]:
    """A mandate recorded by the mediator; confirmed on paper unless told otherwise."""

    def _make(
        resident: Any,
        *,
        scopes: tuple[str, ...] = ("consent",),
        confirmed: bool = True,
        days: int = 92,
    ) -> Any:
        from assist.services import mandate_confirm_paper, mandate_record
        from civic.actors import Actor, Channel

        actor = Actor(channel=Channel.MEDIATOR, user=mediator)
        mandate = mandate_record(
            actor=actor,
            organisation=organisation,
            resident=resident,
            scopes=scopes,
            days=days,
            confirmation="paper",
        )
        if confirmed:
            mandate = mandate_confirm_paper(actor=actor, mandate=mandate)
        return mandate

    return _make


def expire(mandate: Any) -> None:
    from assist.models import Mandate

    past = timezone.now() - timedelta(days=1)
    Mandate.objects.filter(pk=mandate.pk).update(starts_at=past - timedelta(days=30), ends_at=past)
