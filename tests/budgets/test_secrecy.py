"""After voting closes, nothing joins a ballot back to its voter."""

from __future__ import annotations

from typing import Any

import pytest

from budgets.models import Ballot, BallotLine, BallotLink, Budget, Heading, Project, Voter
from budgets.services import heading_outcome, voting_close
from civic.actors import Actor

pytestmark = pytest.mark.django_db


def test_it_unlinks_every_ballot_from_its_voter_at_close(resident: Any, resident2: Any) -> None:
    budget = Budget.objects.create(title="Budget 2026", phase=Budget.Phase.VOTING)
    heading = Heading.objects.create(budget=budget, name="Ville", amount=100)
    parc = Project.objects.create(heading=heading, pabulib_id="1", title="Parc", cost=60)
    rue = Project.objects.create(heading=heading, pabulib_id="2", title="Rue", cost=50)
    for user, project in ((resident, parc), (resident2, rue)):
        voter = Voter.objects.create(budget=budget, user=user, has_voted=True)
        ballot = Ballot.objects.create(heading=heading, channel=Ballot.Channel.WEB)
        BallotLine.objects.create(ballot=ballot, project=project)
        BallotLink.objects.create(voter=voter, heading=heading, ballot=ballot)

    assert voting_close(actor=Actor.system(), budget=budget) == 2

    budget.refresh_from_db()
    assert budget.voting_closed
    assert not BallotLink.objects.exists()
    assert set(Voter.objects.values_list("user_id", "has_voted")) == {
        (resident.pk, True),
        (resident2.pk, True),
    }
    assert not Ballot.objects.filter(link__voter__user=resident).exists()
    # The ballots still count.
    assert heading_outcome(heading=heading, rule="greedy").selected == ["1"]
