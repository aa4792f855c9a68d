"""Secrecy of the ballot: once voting closes no query joins a ballot to its voter, staff never
see who voted for what, and a resident's data export says "voted", never for what."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.db import models

from budgets.models import Ballot, BallotLine, BallotLink, Voter
from budgets.services import voting, voting_close
from civic.actors import Actor
from consent.registry import export_for
from tests.budgets._voting import open_budget, verified

pytestmark = pytest.mark.django_db


def _relations(model: type[models.Model]) -> set[type[models.Model]]:
    return {
        field.related_model
        for field in model._meta.get_fields()
        if field.is_relation and field.related_model is not None
    }


def test_it_leaves_no_path_from_a_ballot_to_its_voter_after_close(resident: Any) -> None:
    o = open_budget()
    voter = verified(o.budget, resident, o.district)
    actor = Actor(channel="web", user=resident)
    voting.ballot_cast(actor=actor, voter=voter, heading=o.city, project_ids=[o.parc.pk])
    voting.ballot_cast(actor=actor, voter=voter, heading=o.local, project_ids=[o.banc.pk])

    voting_close(actor=Actor.system(), budget=o.budget)

    assert not BallotLink.objects.exists()
    assert not Ballot.objects.filter(link__voter=voter).exists()
    assert not Ballot.objects.filter(link__voter__user=resident).exists()
    # The only relation between ballots and voters is the emptied link table; nothing on a
    # ballot or a line (ids are random UUIDs, no timestamp) orders them by casting time.
    assert Voter not in _relations(Ballot) - {BallotLink}
    assert Voter not in _relations(BallotLine)
    assert {f.name for f in Ballot._meta.concrete_fields} == {"id", "heading", "channel"}
    assert {f.name for f in BallotLine._meta.concrete_fields} == {"id", "ballot", "project"}
    assert Voter.objects.get().has_voted


def test_it_gives_staff_no_admin_page_on_ballots_or_their_links() -> None:
    assert not admin.site.is_registered(Ballot)
    assert not admin.site.is_registered(BallotLink)
    assert not admin.site.is_registered(BallotLine)


def test_it_exports_that_a_resident_voted_never_their_choices(resident: Any) -> None:
    o = open_budget()
    voter = verified(o.budget, resident)
    voting.ballot_cast(
        actor=Actor(channel="web", user=resident),
        voter=voter,
        heading=o.city,
        project_ids=[o.parc.pk],
    )
    voting_close(actor=Actor.system(), budget=o.budget)

    exported = export_for(resident)["budgets"]

    assert exported["budgets"] == [
        {
            "budget": "Budget participatif 2026",
            "birth_year": 1990,
            "district": None,
            "verified": "En personne, par un agent",
            "verified_at": voter.verified_at.isoformat(),  # type: ignore[union-attr]
            "has_voted": True,
        }
    ]
    assert "Parc" not in repr(exported)
