"""Private mode: one reversible switch; apps plug in through the registry."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from civic.errors import Conflict
from consent import registry
from consent.models import ConsentEvent
from consent.selectors import consent_is_given, private_mode_is_on, subject_of_user
from consent.services import consent_give, private_mode_set, purpose_notice_publish
from tests.consent.conftest import web

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook_calls(saved_registry: None) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def private_mode(user: Any, *, enabled: bool, actor: Any, state: Any) -> dict[str, Any]:
        calls.append({"enabled": enabled, "state": state})
        return {"hidden_names": [1, 2]} if enabled else {}

    registry.register(
        "sightings",
        summary="Sightings",
        exporter=lambda user: {},
        eraser=lambda user, *, actor: {"deleted": [], "kept": []},
        private_mode=private_mode,
    )
    return calls


def test_it_is_reversible(resident: Any, consent_purpose: Any, hook_calls: list[Any]) -> None:
    consent_give(actor=web(resident), purpose=consent_purpose)

    private_mode_set(actor=web(resident), enabled=True)

    subject = subject_of_user(resident)
    assert private_mode_is_on(resident)
    assert not consent_is_given(subject, consent_purpose.code)
    assert hook_calls == [{"enabled": True, "state": None}]

    private_mode_set(actor=web(resident), enabled=False, restore_consents=True)

    assert not private_mode_is_on(resident)
    assert consent_is_given(subject, consent_purpose.code)
    assert hook_calls[-1] == {"enabled": False, "state": {"hidden_names": [1, 2]}}
    kinds = list(ConsentEvent.objects.filter(subject=subject).values_list("kind", flat=True))
    assert kinds == ["given", "withdrawn", "given"]


def test_it_gives_nothing_back_unless_asked(resident: Any, consent_purpose: Any) -> None:
    consent_give(actor=web(resident), purpose=consent_purpose)
    private_mode_set(actor=web(resident), enabled=True)
    private_mode_set(actor=web(resident), enabled=False)
    assert not consent_is_given(subject_of_user(resident), consent_purpose.code)


def test_it_does_not_restore_a_consent_whose_notice_changed(
    resident: Any, consent_purpose: Any
) -> None:
    consent_give(actor=web(resident), purpose=consent_purpose)
    private_mode_set(actor=web(resident), enabled=True)
    purpose_notice_publish(
        actor=web(resident), purpose=consent_purpose, text_fr="Nouveau", text_en="New"
    )
    private_mode_set(actor=web(resident), enabled=False, restore_consents=True)
    assert not consent_is_given(subject_of_user(resident), consent_purpose.code)


def test_it_refuses_to_switch_on_twice(resident: Any) -> None:
    private_mode_set(actor=web(resident), enabled=True)
    with pytest.raises(Conflict):
        private_mode_set(actor=web(resident), enabled=True)


def test_it_switches_from_the_page_without_javascript(
    client: Client, resident: Any, consent_purpose: Any
) -> None:
    consent_give(actor=web(resident), purpose=consent_purpose)
    client.force_login(resident)
    client.post("/my-data/private-mode/", {"enabled": "on"})
    assert private_mode_is_on(resident)
    client.post("/my-data/private-mode/", {"enabled": "", "restore_consents": "on"})
    assert not private_mode_is_on(resident)
    assert consent_is_given(subject_of_user(resident), consent_purpose.code)
