"""The cycle: each phase page says what residents can do and until when; phases follow their
dates (beat) or staff; followers are told; the voting rule is locked once voting opens."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from budgets.models import Budget, Subscription
from budgets.services import budget_follow, phase_set, phases_advance, rule_lock_check
from civic.actors import Actor
from civic.errors import InvalidInput, NotAllowed
from tests.budgets._cycle import budget_fixture, propose, staff, web  # noqa: F401

pytestmark = pytest.mark.django_db


def test_it_tells_residents_what_they_can_do_now_and_until_when(client: Any, budget: Any) -> None:
    # 18:30 UTC is 19:30 in the city (Europe/Paris, winter): the reader sees the city's time.
    Budget.objects.filter(pk=budget.pk).update(
        review_starts=datetime(2027, 1, 15, 18, 30, tzinfo=ZoneInfo("UTC"))
    )
    page = client.get(reverse("budgets:budget", args=[budget.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "Propose a project for the city or your district" in page.text
    assert "15 January 2027, 19:30" in page.text
    page = client.get(reverse("budgets:budget", args=[budget.pk]), HTTP_ACCEPT_LANGUAGE="fr")
    assert "15 janvier 2027 19:30" in page.text
    assert "Proposez un projet pour la ville ou votre quartier" in page.text


def test_it_lists_budgets_with_their_phase(client: Any, budget: Any) -> None:
    page = client.get(reverse("budgets:index"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Budget 2027" in page.text and "Proposals" in page.text


def test_it_moves_phases_by_their_dates_and_tells_followers(
    resident: Any, resident2: Any, budget: Any, tasks: Any, run_on_commit: Any
) -> None:
    budget_follow(actor=web(resident), budget=budget, follow=True)
    with run_on_commit():
        assert phases_advance(now=timezone.now()) == 0
        assert phases_advance(now=budget.review_starts + timedelta(seconds=1)) == 1
    budget.refresh_from_db()
    assert budget.phase == Budget.Phase.REVIEW
    tasks.run()
    assert [m.to for m in mail.outbox] == [[resident.email]]
    assert "Budget 2027" in mail.outbox[0].subject
    assert mail.outbox[0].subject == "Budget 2027 : Instruction"  # in her language, French


def test_it_opens_voting_with_the_reviewed_projects_and_closes_it_for_results(
    resident: Any, budget_officer: Any, budget: Any
) -> None:
    from budgets.models import Project
    from budgets.services import proposal_review

    proposal = propose(budget, resident)
    phase_set(actor=staff(budget_officer), budget=budget, phase=Budget.Phase.REVIEW)
    proposal_review(actor=staff(budget_officer), proposal=proposal, feasibility="feasible")
    phase_set(actor=staff(budget_officer), budget=budget, phase=Budget.Phase.VOTING)
    assert Project.objects.get().title == proposal.title
    budget = phase_set(actor=staff(budget_officer), budget=budget, phase=Budget.Phase.RESULTS)
    assert budget.voting_closed and budget.phase == Budget.Phase.RESULTS


def test_it_only_moves_forward(budget: Any) -> None:
    with pytest.raises(NotAllowed):
        phase_set(actor=Actor.system(), budget=budget, phase=Budget.Phase.INFORMATION)


def test_it_locks_the_voting_rule_once_voting_opens(budget: Any) -> None:
    rule_lock_check(budget, {"voting_rule": Budget.VotingRule.APPROVAL})  # still free
    budget.phase = Budget.Phase.VOTING
    with pytest.raises(InvalidInput):
        rule_lock_check(budget, {"voting_rule": Budget.VotingRule.APPROVAL})
    with pytest.raises(InvalidInput):
        rule_lock_check(budget, {"max_projects": 3})
    rule_lock_check(budget, {"voting_rule": budget.voting_rule})


def test_it_lets_a_resident_follow_and_stop_following(
    client: Any, resident2: Any, budget: Any
) -> None:
    resident = resident2  # reads English
    client.force_login(resident)
    url = reverse("budgets:follow", args=[budget.pk])
    client.post(url, {"follow": "1"})
    assert Subscription.objects.filter(user=resident, budget=budget).exists()
    assert "Stop following" in client.get(budget.get_absolute_url()).text
    client.post(url, {"follow": "0"})
    assert not Subscription.objects.exists()
