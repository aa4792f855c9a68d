"""Residents vote on a heading's ballot: within the budget, once per heading, editable until
close, and their choices shown to them alone."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import translation

from budgets.models import Ballot, BallotLink, Budget
from budgets.selectors import own_ballot
from budgets.services import voting, voting_close
from civic.actors import Actor
from civic.errors import InvalidInput, NotAllowed
from tests.budgets._voting import open_budget, verified

pytestmark = pytest.mark.django_db


def test_it_records_a_ballot_and_shows_it_back_to_its_voter(client: Any, resident: Any) -> None:
    o = open_budget()
    verified(o.budget, resident, o.district)
    client.force_login(resident)

    home = client.get(reverse("budgets:vote", args=[o.budget.pk]))
    assert "Toute la ville" in home.text and "Nord" in home.text

    response = client.post(
        reverse("budgets:ballot", args=[o.city.pk]), {"projects": [o.parc.pk, o.ecole.pk]}
    )
    assert response.status_code == 302
    page = client.get(reverse("budgets:ballot", args=[o.city.pk]))
    assert f'value="{o.parc.pk}" data-cost="60000.00" aria-describedby' in page.text
    assert page.text.count(" checked") == 2
    assert Ballot.objects.get().channel == Ballot.Channel.WEB


def test_it_refuses_an_over_budget_ballot_and_keeps_the_choices(client: Any, resident: Any) -> None:
    o = open_budget()
    verified(o.budget, resident)
    client.force_login(resident)

    response = client.post(
        reverse("budgets:ballot", args=[o.city.pk]), {"projects": [o.parc.pk, o.rue.pk]}
    )

    assert response.status_code == 400
    # Amounts grouped as the language writes them (a narrow space in French).
    assert re.search(
        r"Vos choix coûtent 110\s000, plus que les 100\s000 disponibles", response.text
    )
    assert response.text.count(" checked") == 2
    assert not Ballot.objects.exists()


def test_it_lets_a_voter_change_their_ballot_until_close(client: Any, resident: Any) -> None:
    o = open_budget()
    voter = verified(o.budget, resident)
    client.force_login(resident)
    url = reverse("budgets:ballot", args=[o.city.pk])

    client.post(url, {"projects": [o.parc.pk]})
    client.post(url, {"projects": [o.rue.pk, o.ecole.pk]})

    assert Ballot.objects.count() == 1
    assert own_ballot(voter=voter, heading=o.city) == {o.rue.pk, o.ecole.pk}
    voting_close(actor=Actor.system(), budget=o.budget)
    assert own_ballot(voter=voter, heading=o.city) is None
    assert client.post(url, {"projects": [o.parc.pk]}).status_code == 400
    assert Ballot.objects.get().lines.count() == 2


def test_it_applies_approval_limits() -> None:
    o = open_budget(voting_rule=Budget.VotingRule.APPROVAL, min_projects=1, max_projects=2)
    with translation.override("en"), pytest.raises(InvalidInput, match="at least 1 project"):
        voting.ballot_check(heading=o.city, project_ids=[])
    with translation.override("en"), pytest.raises(InvalidInput, match="at most 2 projects"):
        voting.ballot_check(heading=o.city, project_ids=[o.parc.pk, o.rue.pk, o.ecole.pk])
    assert len(voting.ballot_check(heading=o.city, project_ids=[o.parc.pk, o.rue.pk])) == 2


def test_it_lets_a_voter_vote_only_in_the_city_and_their_district(
    client: Any, resident: Any
) -> None:
    o = open_budget()
    voter = verified(o.budget, resident)  # no district
    with pytest.raises(NotAllowed):
        voting.ballot_cast(
            actor=Actor(channel="web", user=resident),
            voter=voter,
            heading=o.local,
            project_ids=[o.banc.pk],
        )
    client.force_login(resident)
    assert "Nord" not in client.get(reverse("budgets:vote", args=[o.budget.pk])).text


def test_it_refuses_unverified_residents_and_explains_how_to_qualify(
    client: Any, resident: Any
) -> None:
    o = open_budget()
    client.force_login(resident)
    page = client.get(reverse("budgets:vote", args=[o.budget.pk]))
    assert "Qui peut voter" in page.text
    assert (
        client.post(
            reverse("budgets:ballot", args=[o.city.pk]), {"projects": [o.parc.pk]}
        ).status_code
        == 302
    )
    assert not Ballot.objects.exists()


def test_it_keeps_someone_else_from_casting_a_voters_ballot(resident: Any, resident2: Any) -> None:
    o = open_budget()
    voter = verified(o.budget, resident)
    with pytest.raises(NotAllowed):
        voting.ballot_cast(
            actor=Actor(channel="web", user=resident2),
            voter=voter,
            heading=o.city,
            project_ids=[o.parc.pk],
        )
    with pytest.raises(NotAllowed, match="mandat"):
        voting.ballot_cast(
            actor=Actor(channel="mediator", user=resident2, on_behalf_of=resident),
            voter=voter,
            heading=o.city,
            project_ids=[o.parc.pk],
        )


def test_it_refuses_a_second_link_for_the_same_voter_and_heading_in_the_database(
    resident: Any,
) -> None:
    o = open_budget()
    voter = verified(o.budget, resident)
    first = Ballot.objects.create(heading=o.city, channel="web")
    second = Ballot.objects.create(heading=o.city, channel="web")
    BallotLink.objects.create(voter=voter, heading=o.city, ballot=first)
    with pytest.raises(IntegrityError), transaction.atomic():
        BallotLink.objects.create(voter=voter, heading=o.city, ballot=second)


@pytest.mark.django_db(transaction=True)
def test_it_keeps_one_ballot_per_voter_when_ballots_arrive_at_once(resident: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is proven on PostgreSQL")
    o = open_budget()
    voter = verified(o.budget, resident)
    choices = [[o.parc.pk], [o.rue.pk], [o.ecole.pk], [o.parc.pk, o.ecole.pk]]
    barrier = threading.Barrier(len(choices))
    errors: list[BaseException] = []

    def cast(project_ids: list[int]) -> None:
        try:
            barrier.wait()
            voting.ballot_cast(
                actor=Actor(channel="web", user=resident),
                voter=voter,
                heading=o.city,
                project_ids=project_ids,
            )
        except BaseException as exc:  # reported to the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=cast, args=(c,)) for c in choices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Ballot.objects.filter(heading=o.city).count() == 1
    assert BallotLink.objects.filter(voter=voter).count() == 1
    assert own_ballot(voter=voter, heading=o.city) in [set(c) for c in choices]


def test_it_records_paper_ballots_entered_by_staff_without_a_voter(
    client: Any, budget_officer: Any, resident: Any
) -> None:
    o = open_budget()
    client.force_login(budget_officer)
    url = reverse("budgets:paper_ballot", args=[o.city.pk])
    desk = client.get(reverse("budgets:staff_voting"))
    assert url in desk.text and reverse("budgets:staff_voting") in desk.text  # in the menu

    assert client.post(url, {"projects": [o.parc.pk]}).status_code == 302
    assert client.post(url, {"projects": [o.parc.pk, o.rue.pk]}).status_code == 400

    ballot = Ballot.objects.get()
    assert ballot.channel == Ballot.Channel.PAPER
    assert not BallotLink.objects.exists()
    client.force_login(resident)
    assert client.get(url).status_code == 302  # to the sign-in page: staff only
