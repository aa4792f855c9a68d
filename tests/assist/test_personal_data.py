"""Mandates in the personal-data registry: shown in My data, exported, erased, expired."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from assist.models import Mandate, MandateRequest, Membership
from civic.actors import Actor, Channel
from consent import registry
from consent.checks import admin_problems
from consent.services import personal_data_erase, retention_run
from tests.assist.conftest import client_for

pytestmark = pytest.mark.django_db


def test_it_exports_the_residents_mandates_and_the_mediators_memberships(
    make_mandate: Callable[..., Any], resident: Any, mediator: Any
) -> None:
    mandate = make_mandate(resident, scopes=("consent", "export"))

    exported = registry.export_for(resident)["assist"]
    assert exported["mandates"][0]["organisation"] == "Maison des services"
    assert exported["mandates"][0]["scopes"] == ["consent", "export"]
    assert exported["mandates"][0]["notice_sha256"] == mandate.notice_sha256
    assert registry.export_for(mediator)["assist"]["mediator_of"][0]["active"] is True
    page = client_for(resident).get("/my-data/").content.decode()
    assert "Maison des services" in page


def test_it_erasure_removes_mandates_and_memberships(
    make_mandate: Callable[..., Any], resident: Any, mediator: Any
) -> None:
    make_mandate(resident)

    personal_data_erase(actor=Actor(channel=Channel.WEB, user=resident), user=resident)
    personal_data_erase(actor=Actor(channel=Channel.WEB, user=mediator), user=mediator)

    assert not Mandate.objects.exists()
    assert not Membership.objects.exists()


def test_it_retention_removes_old_and_never_confirmed_mandates(
    make_mandate: Callable[..., Any], resident: Any, resident2: Any, paper_resident: Any
) -> None:
    current = make_mandate(resident)
    ended = make_mandate(resident2)
    never_confirmed = make_mandate(paper_resident, confirmed=False)
    long_ago = timezone.now() - timedelta(days=500)
    Mandate.objects.filter(pk=ended.pk).update(
        starts_at=long_ago - timedelta(days=30), ends_at=long_ago
    )
    Mandate.objects.filter(pk=never_confirmed.pk).update(
        created_at=timezone.now() - timedelta(days=40)
    )

    # The requests that led to the two confirmed ones: the one whose link died goes.
    MandateRequest.objects.filter(mandate=ended).update(
        link_expires_at=timezone.now() - timedelta(days=1)
    )

    assert retention_run()["assist"] == 3

    assert list(Mandate.objects.all()) == [current]
    assert list(MandateRequest.objects.values_list("mandate", flat=True)) == [current.pk]


def test_it_its_admins_log_access_and_keep_people_out_of_lists() -> None:
    assert registry.uncovered_models() == []
    assert [error for error in admin_problems() if "assist" in str(error.msg)] == []
