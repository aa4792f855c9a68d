"""Reads: a heading as the counting rules and pabulib see it."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

from budgets.models import Ballot, BallotLine, Heading, Outcome
from budgets.pabulib import Project as PabulibProject
from budgets.pabulib import Vote, write_pabulib
from budgets.rules import Number

PABULIB_RULES = {Outcome.Rule.GREEDY: "greedy", Outcome.Rule.MES: "equalshares/add1"}


def _number(value: Decimal) -> Number:
    exact = Fraction(value)
    return exact.numerator if exact.denominator == 1 else exact


def heading_costs(heading: Heading) -> dict[str, Number]:
    """Each project's cost by pabulib id."""
    return {
        pabulib_id: _number(cost)
        for pabulib_id, cost in heading.projects.values_list("pabulib_id", "cost")
    }


def heading_approvals(heading: Heading) -> list[tuple[str, ...]]:
    """Each ballot's chosen pabulib ids (sorted), in no meaningful order; empty ballots too."""
    chosen: dict[object, list[str]] = defaultdict(list)
    lines = BallotLine.objects.filter(ballot__heading=heading).values_list(
        "ballot_id", "project__pabulib_id"
    )
    for ballot_id, pabulib_id in lines.iterator(chunk_size=20_000):
        chosen[ballot_id].append(pabulib_id)
    ballot_ids = Ballot.objects.filter(heading=heading).values_list("id", flat=True)
    return [tuple(sorted(chosen.get(ballot_id, ()))) for ballot_id in ballot_ids]


def heading_as_pabulib(heading: Heading) -> str:
    """The heading as a ``.pb`` file anyone can re-count with pabutools or equalshares.net."""
    budget = heading.budget
    approvals = heading_approvals(heading)
    votes: dict[str, int] = defaultdict(int)
    for ballot in approvals:
        for pabulib_id in ballot:
            votes[pabulib_id] += 1
    meta = {
        key: value
        for key, value in budget.meta.items()
        if key not in ("num_projects", "num_votes", "budget", "vote_type", "rule")
    }
    meta.setdefault("description", f"{budget.title}: {heading.name}")
    meta["budget"] = str(_number(heading.amount))
    meta.setdefault("currency", budget.currency)
    if budget.max_projects:
        meta["max_length"] = str(budget.max_projects)
    projects = [
        PabulibProject(
            project_id=project.pabulib_id,
            cost=_number(project.cost),
            fields={"votes": str(votes[project.pabulib_id]), "name": project.title},
        )
        for project in heading.projects.all()
    ]
    return write_pabulib(
        meta=meta,
        projects=projects,
        votes=[Vote(voter_id="", choices=ballot) for ballot in approvals],
        rule=PABULIB_RULES[Outcome.Rule(budget.counting_rule)],
    )
