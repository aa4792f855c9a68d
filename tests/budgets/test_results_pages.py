"""The results page after close: what is funded, votes, how the shares paid, turnout, staff
decisions with their reasons, and the anonymous ``.pb`` export anyone can re-count."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from budgets.models import Voter
from budgets.pabulib import parse_pabulib
from budgets.services import voting, voting_close
from civic.actors import Actor
from civic.errors import InvalidInput, NotAllowed
from tests.budgets._voting import Open, open_budget, verified

pytestmark = pytest.mark.django_db


def _vote(o: Open, user: Any, *projects: Any) -> None:
    voter = verified(o.budget, user)
    voting.ballot_cast(
        actor=Actor(channel="web", user=user),
        voter=voter,
        heading=o.city,
        project_ids=[p.pk for p in projects],
    )


def test_it_publishes_nothing_before_close(client: Any, resident: Any) -> None:
    o = open_budget()
    _vote(o, resident, o.parc)
    page = client.get(reverse("budgets:results", args=[o.budget.pk]))
    assert "Parc" not in page.text
    assert client.get(reverse("budgets:heading_export", args=[o.city.pk])).status_code == 404


def test_it_shows_the_funded_projects_votes_and_shares_after_close(
    client: Any, resident: Any, resident2: Any
) -> None:
    o = open_budget(counting_rule="mes")
    _vote(o, resident, o.parc, o.ecole)
    _vote(o, resident2, o.rue, o.ecole)
    voting_close(actor=Actor.system(), budget=o.budget)

    page = client.get(reverse("budgets:results", args=[o.budget.pk]), HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 200
    text = page.text
    assert "Funded" in text and "Not funded" in text
    assert "How the voters' shares paid" in text
    assert "2 voters paid 15,000.00 EUR each" in text  # École, 30,000 shared by both
    assert reverse("budgets:heading_export", args=[o.city.pk]) in text


def test_it_exports_the_anonymous_ballots_as_a_pabulib_file(
    client: Any, resident: Any, resident2: Any
) -> None:
    o = open_budget()
    _vote(o, resident, o.parc)
    _vote(o, resident2, o.rue, o.ecole)
    voting_close(actor=Actor.system(), budget=o.budget)

    response = client.get(reverse("budgets:heading_export", args=[o.city.pk]))

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    election = parse_pabulib(response.content.decode())
    assert sorted(v.choices for v in election.votes) == [("1",), ("2", "3")]
    assert {v.voter_id for v in election.votes} == {"1", "2"}
    assert resident.email not in response.content.decode()


def test_it_shows_a_staff_decision_with_its_public_reason(
    client: Any, resident: Any, budget_officer: Any
) -> None:
    o = open_budget(counting_rule="greedy")
    _vote(o, resident, o.parc)
    officer = Actor(channel="staff", user=budget_officer)
    with pytest.raises(NotAllowed):
        voting.result_override(actor=officer, project=o.parc, selected=False, reason="Trop tard")
    voting_close(actor=Actor.system(), budget=o.budget)
    with pytest.raises(InvalidInput):
        voting.result_override(actor=officer, project=o.parc, selected=False, reason=" ")
    with pytest.raises(NotAllowed):
        voting.result_override(
            actor=Actor(channel="web", user=resident), project=o.parc, selected=False, reason="x"
        )

    voting.result_override(
        actor=officer, project=o.parc, selected=False, reason="Le terrain n'est plus disponible."
    )

    text = client.get(
        reverse("budgets:results", args=[o.budget.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).text
    assert "Withdrawn by the city despite the count:" in text
    assert "Le terrain n&#x27;est plus disponible." in text


def test_it_hides_turnout_of_groups_too_small_to_be_anonymous(client: Any, resident: Any) -> None:
    o = open_budget()
    now = timezone.now()
    year = now.year
    Voter.objects.bulk_create(
        Voter(
            budget=o.budget,
            district=o.district,
            birth_year=year - 30,
            verified_at=now,
            has_voted=i < 3,
        )
        for i in range(6)
    )
    Voter.objects.create(budget=o.budget, birth_year=year - 70, verified_at=now, has_voted=True)
    voting_close(actor=Actor.system(), budget=o.budget)

    text = client.get(
        reverse("budgets:results", args=[o.budget.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).text

    assert "50 %" in text  # Nord, and the 25 to 34: 3 of 6
    assert text.count("fewer than 5: not shown") == 2  # no district, and 65 and over


def test_it_counts_once_then_serves_the_results_in_a_fixed_number_of_queries(
    client: Any, resident: Any, resident2: Any, django_assert_max_num_queries: Any
) -> None:
    o = open_budget(counting_rule="mes")
    _vote(o, resident, o.parc, o.ecole)
    _vote(o, resident2, o.rue)
    voting_close(actor=Actor.system(), budget=o.budget)
    url = reverse("budgets:results", args=[o.budget.pk])
    client.get(url)  # counted here, and cached

    with django_assert_max_num_queries(25):
        assert client.get(url).status_code == 200
