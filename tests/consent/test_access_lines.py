"""\"Who accessed my data\" speaks plainly: role and department, channel, what was seen in the
reader's words (never field names), the reason; views close together make one line; hashes sit
behind a "technical details" disclosure."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from civic.actors import Actor, Channel
from consent.models import AccessLog
from consent.services import subject_for

pytestmark = pytest.mark.django_db


def _look(staff: Any, person: Any, *, why: str = "") -> AccessLog:
    return AccessLog.record(
        actor=Actor(channel=Channel.STAFF, user=staff),
        subject=subject_for(person),
        what="civic.user viewed",
        why=why,
        obj=person,
        fields=["email", "display_name"],
    )


def test_it_groups_views_by_one_person_within_30_minutes_and_speaks_plainly(
    client: Client, resident: Any, department_agent: Any, dpo: Any
) -> None:
    for _ in range(3):
        _look(department_agent, resident)
    asked = _look(dpo, resident, why="Demande écrite du 3 mai")
    client.force_login(resident)

    page = client.get("/my-data/").content.decode()
    section = page[page.index('id="accesses"') : page.index('id="export"')]

    assert section.count("<tr>") == 1 + 2  # the header, three views in one line, the DPO's
    assert "3 consultations" in section
    assert "Demande écrite du 3 mai" in section
    assert str(department_agent.department) in section
    assert "Inès" not in section  # staff names are never shown
    assert "adresse" in section.lower()  # the field's label in French
    assert "display_name" not in section and "civic.user" not in section
    assert "Détails techniques" in section
    assert asked.hash in section.split("Détails techniques", 1)[1]


def test_it_starts_a_new_line_after_30_minutes(resident: Any, department_agent: Any) -> None:
    from consent.selectors import access_lines

    first = _look(department_agent, resident)
    second = _look(department_agent, resident)
    second.at = first.at + timedelta(minutes=31)  # in memory only: the log is append-only
    close = _look(department_agent, resident)
    close.at = second.at + timedelta(minutes=5)

    lines = access_lines([close, second, first])

    assert [line.count for line in lines] == [2, 1]
    assert lines[0].first_at == second.at and lines[0].last_at == close.at
    assert timezone.is_aware(lines[1].first_at)
