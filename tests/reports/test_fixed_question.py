"""Four weeks on, the author is asked "is it fixed?" once; the answer can close or reopen."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from civic.actors import Actor, Channel
from civic.celery import beat_schedule
from reports.models import Report, Status
from reports.services import fixed_question_sweep, report_change_status
from reports.tasks import fixed_question_sweep_task

pytestmark = pytest.mark.django_db


def test_it_asks_once_and_reopens_when_the_author_says_not_fixed(
    client: Client,
    resident: Any,
    triager: Any,
    make_report: Any,
    tasks: Any,
    mailoutbox: Any,
    run_on_commit: Any,
    settings: Any,
) -> None:
    assert "reports-fixed-question" in beat_schedule()
    report = make_report(resident)
    recent = make_report(resident)
    Report.objects.filter(pk=report.pk).update(confirmed_at=timezone.now() - timedelta(days=29))
    report_change_status(
        actor=Actor(channel=Channel.STAFF, user=triager), report=report, status=Status.FIXED
    )
    tasks.sent.clear()
    with run_on_commit():
        assert fixed_question_sweep_task.apply().get() == 1
    assert fixed_question_sweep() == 0  # asked once only
    tasks.run()
    (message,) = [m for m in mailoutbox if "résolu" in m.subject.lower()]
    assert message.to == [resident.email]
    token = re.search(r"/reports/fixed/(\S+)/", message.body).group(1)
    assert client.get(f"/reports/fixed/{token}/").status_code == 200
    client.post(f"/reports/fixed/{token}/", {"answer": "not_fixed"})
    report.refresh_from_db()
    assert report.status == Status.OPEN
    recent.refresh_from_db()
    assert recent.fixed_question_at is None
