"""Under a mandate with the budgets app's "vote for me" scope, a mediator checks the resident's
right to vote and casts their ballot (channel "mediator"); the resident sees it as their own and
finds the act in their access history."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from budgets.models import Ballot, BallotLine, Voter
from budgets.services import voting
from civic.actors import Actor, Channel
from civic.errors import NotAllowed
from consent.models import AccessLog
from tests.assist.conftest import client_for
from tests.budgets._voting import open_budget, verified

pytestmark = pytest.mark.django_db


def _check(client: Client, mandate: Any, o: Any) -> Any:
    return client.post(
        f"/assist/mandates/{mandate.pk}/vote/{o.budget.pk}/",
        {"birth_year": timezone.localdate().year - 70, "district": o.district.pk},
    )


def test_it_lets_a_mediator_check_and_vote_for_the_resident(
    mediator_client: Client, make_mandate: Any, resident: Any, mediator: Any
) -> None:
    o = open_budget(district_voting=True)
    mandate = make_mandate(resident, scopes=("budget-vote",))
    detail = mediator_client.get(f"/assist/mandates/{mandate.pk}/").content.decode()
    assert f'href="/assist/mandates/{mandate.pk}/vote/{o.budget.pk}/"' in detail
    logged = AccessLog.objects.count()

    assert (
        "Enregistrer la vérification"  # the site speaks French first
        in mediator_client.get(
            f"/assist/mandates/{mandate.pk}/vote/{o.budget.pk}/"
        ).content.decode()
    )
    assert _check(mediator_client, mandate, o).status_code == 302
    voter = Voter.objects.get()
    assert (voter.user, voter.verified_how, voter.verified_by, voter.district) == (
        resident,
        Voter.Verification.MEDIATOR,
        mediator,
        o.district,
    )
    ballots = mediator_client.get(f"/assist/mandates/{mandate.pk}/vote/{o.budget.pk}/")
    assert f"/assist/mandates/{mandate.pk}/ballot/{o.local.pk}/" in ballots.content.decode()

    sent = mediator_client.post(
        f"/assist/mandates/{mandate.pk}/ballot/{o.city.pk}/", {"projects": [o.parc.pk]}
    )

    assert sent.status_code == 302
    ballot = Ballot.objects.get()
    assert (ballot.heading, ballot.channel) == (o.city, Ballot.Channel.MEDIATOR)
    assert list(BallotLine.objects.values_list("project", flat=True)) == [o.parc.pk]
    own = client_for(resident).get(f"/budgets/ballot/{o.city.pk}/").content.decode()
    assert re.search(rf'value="{o.parc.pk}"[^>]*checked', own)
    assert not re.search(rf'value="{o.rue.pk}"[^>]*checked', own)
    entries = AccessLog.objects.order_by("at")[logged:]
    assert [e.channel for e in entries] == ["mediator", "mediator"]
    assert all(e.actor_ref_id == str(mandate.pk) for e in entries)


def test_it_keeps_the_checks_rules_and_shows_the_ballots_errors(
    mediator_client: Client, make_mandate: Any, resident: Any
) -> None:
    o = open_budget()
    mandate = make_mandate(resident, scopes=("budget-vote",))
    too_young = mediator_client.post(
        f"/assist/mandates/{mandate.pk}/vote/{o.budget.pk}/",
        {"birth_year": timezone.localdate().year - 10},
    )
    assert too_young.status_code == 400 and not Voter.objects.exists()
    _check(mediator_client, mandate, o)

    over = mediator_client.post(
        f"/assist/mandates/{mandate.pk}/ballot/{o.city.pk}/",
        {"projects": [o.parc.pk, o.rue.pk]},
    )
    assert over.status_code == 400 and not Ballot.objects.exists()


def test_it_refuses_without_the_scope_or_for_another_organisation(
    mediator_client: Client, make_mandate: Any, resident: Any, other_mediator: Any
) -> None:
    o = open_budget()
    verified(o.budget, resident)
    consent_only = make_mandate(resident, scopes=("consent",))
    voting_mandate = make_mandate(resident, scopes=("budget-vote",))

    pages = [
        mediator_client.get(f"/assist/mandates/{consent_only.pk}/vote/{o.budget.pk}/"),
        mediator_client.post(
            f"/assist/mandates/{consent_only.pk}/ballot/{o.city.pk}/", {"projects": [o.parc.pk]}
        ),
        client_for(other_mediator).post(
            f"/assist/mandates/{voting_mandate.pk}/ballot/{o.city.pk}/",
            {"projects": [o.parc.pk]},
        ),
    ]

    assert [page.status_code for page in pages] == [404, 404, 404]
    assert not Ballot.objects.exists()


def test_it_votes_only_for_the_mandates_resident(
    make_mandate: Any, resident: Any, resident2: Any, mediator: Any
) -> None:
    from assist import services

    o = open_budget()
    mandate = make_mandate(resident, scopes=("budget-vote",))
    other = verified(o.budget, resident2)
    acting = Actor(
        channel=Channel.MEDIATOR, user=mediator, on_behalf_of=resident, mandate=mandate.as_ref()
    )

    with pytest.raises(NotAllowed):
        voting.ballot_cast(actor=acting, voter=other, heading=o.city, project_ids=[o.parc.pk])
    with pytest.raises(NotAllowed):  # the resident's right to vote is not checked yet
        services.budget_ballot_cast_on_behalf(
            actor=Actor(channel=Channel.MEDIATOR, user=mediator),
            mandate=mandate,
            heading=o.city,
            project_ids=[o.parc.pk],
        )
    assert not Ballot.objects.exists()


def test_it_refuses_once_voting_has_closed(
    mediator_client: Client, make_mandate: Any, resident: Any, mediator: Any
) -> None:
    from assist import services

    o = open_budget()
    verified(o.budget, resident)
    mandate = make_mandate(resident, scopes=("budget-vote",))
    o.budget.voting_closed = True
    o.budget.save()

    detail = mediator_client.get(f"/assist/mandates/{mandate.pk}/").content.decode()
    pages = [
        mediator_client.get(f"/assist/mandates/{mandate.pk}/vote/{o.budget.pk}/"),
        mediator_client.post(
            f"/assist/mandates/{mandate.pk}/ballot/{o.city.pk}/", {"projects": [o.parc.pk]}
        ),
    ]

    assert f"/vote/{o.budget.pk}/" not in detail
    assert [page.status_code for page in pages] == [404, 404]
    with pytest.raises(NotAllowed):
        services.budget_ballot_cast_on_behalf(
            actor=Actor(channel=Channel.MEDIATOR, user=mediator),
            mandate=mandate,
            heading=o.city,
            project_ids=[o.parc.pk],
        )
    assert not Ballot.objects.exists()
