"""Reads: a heading as the counting rules and pabulib see it."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from budgets.models import (
    PHASE_ORDER,
    PHASE_STARTS,
    Ballot,
    BallotLine,
    Budget,
    Heading,
    Milestone,
    Outcome,
    Photo,
    Project,
    Proposal,
)
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


# --- The cycle, proposals and tracking, as residents see them ----------------------------------


def budgets_public() -> QuerySet[Budget]:
    return Budget.objects.order_by("-created_at")


def phase_timeline(budget: Budget) -> list[dict[str, object]]:
    """Each phase with its dates, and whether it is past, current or to come."""
    current = PHASE_ORDER.index(budget.phase)
    timeline = []
    for index, phase in enumerate(Budget.Phase):
        optional = phase == Budget.Phase.SUPPORTS and budget.supports_starts is None
        if optional and index != current:
            continue  # a cycle without pre-selection
        timeline.append(
            {
                "phase": phase.value,
                "label": phase.label,
                "starts": getattr(budget, PHASE_STARTS[phase.value]),
                "state": "past" if index < current else "current" if index == current else "next",
            }
        )
    return timeline


def proposals_public(budget: Budget) -> QuerySet[Proposal]:
    """A budget's proposals with their support counts, merged ones aside."""
    return (
        Proposal.objects.filter(budget=budget, merged_into=None)
        .annotate(support_count=Count("supports"))
        .select_related("district")
        .order_by("-support_count", "-created_at")
    )


def public_photos(owner: Proposal | Milestone) -> list[Photo]:
    return [photo for photo in owner.photos.all() if photo.is_public]


def selected_projects(budget: Budget | None = None) -> list[dict[str, Any]]:
    """Projects selected by a budget's count (its own rule's outcome) or already being built
    (with a milestone), each with where it stands and its place from the proposal it came from."""
    outcomes = Outcome.objects.select_related("heading__budget").filter(
        heading__budget__phase__in=[Budget.Phase.RESULTS, Budget.Phase.IMPLEMENTATION]
    )
    if budget is not None:
        outcomes = outcomes.filter(heading__budget=budget)
    wanted = Q(milestones__isnull=False)
    for outcome in outcomes:
        if outcome.rule == outcome.heading.budget.counting_rule:
            wanted |= Q(heading=outcome.heading, pabulib_id__in=outcome.selected)
    projects = Project.objects.filter(wanted)
    if budget is not None:
        projects = projects.filter(heading__budget=budget)
    projects = (
        projects.distinct()
        .select_related("heading__budget", "proposal")
        .prefetch_related("milestones")
        .order_by("heading__budget", "heading", "pabulib_id")
    )
    rows = []
    for project in projects:
        milestones = list(project.milestones.all())
        proposal = getattr(project, "proposal", None)
        rows.append(
            {
                "project": project,
                "title": project.title,
                "url": reverse("budgets:project", args=[project.pk]),
                "latest": milestones[0] if milestones else None,
                "proposal": proposal,
                "lat": proposal.latitude if proposal else None,
                "lon": proposal.longitude if proposal else None,
            }
        )
    return rows
