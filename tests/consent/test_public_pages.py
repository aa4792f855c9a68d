"""The public transparency pages: register of processing, algorithms, ledger head hashes."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from civic.celery import beat_schedule
from consent import registry
from consent.models import LedgerHead
from consent.services import consent_give, ledger_head_record
from tests.consent.conftest import web

pytestmark = pytest.mark.django_db


def test_it_generates_the_register_of_processing_from_the_purposes(
    client: Client, consent_purpose: Any, public_task_purpose: Any
) -> None:
    page = client.get("/privacy/register/").content.decode()
    assert "Alertes de quartier" in page
    assert "Mission de service public" in page or "Traitement des signalements" in page
    assert consent_purpose.current_notice().sha256 in page


def test_it_describes_each_algorithm_the_apps_run_and_no_other(client: Client) -> None:
    page = client.get("/privacy/algorithms/").content.decode()
    for code in ("photo-blurring", "report-routing"):
        assert f'id="algorithm-{code}"' in page
    # Declared by the apps that run them, once they do: nothing promised ahead.
    assert page.count('id="algorithm-') == len(registry.algorithms())
    assert 'id="algorithm-density-forecast"' not in page


def test_it_publishes_the_head_hash_of_a_day_once(
    client: Client, resident: Any, consent_purpose: Any
) -> None:
    event = consent_give(actor=web(resident), purpose=consent_purpose)
    yesterday = timezone.localdate() - timedelta(days=1)
    # Yesterday's head was empty; today's entry is not in it.
    assert ledger_head_record(day=yesterday).seq == 0
    tomorrow_view = ledger_head_record(day=yesterday)
    assert LedgerHead.objects.count() == 1 and tomorrow_view.hash == ""

    out = StringIO()
    call_command("consent_ledger_head", day=yesterday - timedelta(days=1), stdout=out)
    assert LedgerHead.objects.count() == 2
    page = client.get("/privacy/ledger/").content.decode()
    assert event.hash in page  # the current head


def test_it_refuses_a_day_that_has_not_ended() -> None:
    from civic.errors import InvalidInput

    with pytest.raises(InvalidInput):
        ledger_head_record(day=timezone.localdate())


def test_it_seeds_demo_purposes_idempotently(db: None) -> None:
    from civic.seed import seed_city
    from consent.models import ConsentEvent, Purpose
    from consent.seed import seed_consent

    seed_city(stdout=StringIO())
    seed_consent(stdout=StringIO())
    seed_consent(stdout=StringIO())
    assert Purpose.objects.filter(code="report-area-alerts", notices__version=1).exists()
    assert Purpose.objects.get(code="report-area-alerts").notices.count() == 1
    assert ConsentEvent.objects.count() == 2  # alice objected once, then withdrew it


def test_it_the_verifier_checks_the_published_heads(resident: Any, consent_purpose: Any) -> None:
    from django.core.management.base import CommandError

    event = consent_give(actor=web(resident), purpose=consent_purpose)
    LedgerHead.objects.create(day=timezone.localdate() - timedelta(days=3), seq=1, hash=event.hash)
    call_command("consent_verify_chain", stdout=StringIO())

    LedgerHead.objects.create(day=timezone.localdate() - timedelta(days=2), seq=2, hash="f" * 64)
    with pytest.raises(CommandError, match="missing from the ledger"):
        call_command("consent_verify_chain", stdout=StringIO())


def test_it_the_beat_task_publishes_yesterdays_head(resident: Any, consent_purpose: Any) -> None:
    from consent.tasks import ledger_head_record_task

    ledger_head_record_task.apply(throw=True)
    ledger_head_record_task.apply(throw=True)  # idempotent
    head = LedgerHead.objects.get()
    assert head.day == timezone.localdate() - timedelta(days=1)


def test_it_the_beat_schedule_publishes_the_head_daily() -> None:

    tasks = {entry["task"] for entry in beat_schedule().values()}
    assert "consent.tasks.ledger_head_record_task" in tasks
