"""Reads: a heading as the counting rules and pabulib see it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from budgets.models import (
    PHASE_ORDER,
    PHASE_STARTS,
    Ballot,
    BallotLine,
    BallotLink,
    Budget,
    Heading,
    Milestone,
    Outcome,
    Photo,
    Project,
    Proposal,
    Voter,
)
from budgets.pabulib import Project as PabulibProject
from budgets.pabulib import Vote, write_pabulib
from budgets.rules import Number

if TYPE_CHECKING:
    from civic.models import User

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


# --- Voting -----------------------------------------------------------------------------------


def voter_of(*, user: User, budget: Budget) -> Voter | None:
    """The resident's verified eligibility in ``budget``, if any."""
    return Voter.objects.filter(user=user, budget=budget, verified_at__isnull=False).first()


def voter_headings(voter: Voter) -> list[Heading]:
    """Where a voter votes: every city-wide heading and, if the budget says so, their
    district's."""
    budget = voter.budget
    headings = budget.headings.select_related("district")
    return [
        heading
        for heading in headings
        if heading.district_id is None
        or (budget.district_voting and heading.district_id == voter.district_id)
    ]


def own_ballot(*, voter: Voter, heading: Heading) -> set[int] | None:
    """The project ids on the voter's ballot in ``heading`` while voting is open (None: no
    ballot). After close nothing links it to them any more."""
    link = BallotLink.objects.filter(voter=voter, heading=heading).first()
    if link is None:
        return None
    return set(
        BallotLine.objects.filter(ballot_id=link.ballot_id).values_list("project_id", flat=True)
    )


def voting_budgets() -> QuerySet[Budget]:
    return Budget.objects.filter(phase=Budget.Phase.VOTING, voting_closed=False)


# --- Results ----------------------------------------------------------------------------------

SMALL_GROUP = 5  # turnout for fewer eligible voters than this is not shown (it could identify)
AGE_BANDS = ((0, 17), (18, 24), (25, 34), (35, 49), (50, 64), (65, None))


@dataclass(frozen=True)
class Turnout:
    label: str
    eligible: int | None  # None: too few to show
    voted: int | None

    @property
    def percent(self) -> int | None:
        if not self.eligible or self.voted is None:
            return None
        return round(100 * self.voted / self.eligible)


def _turnout(label: str, eligible: int, voted: int) -> Turnout:
    if eligible < SMALL_GROUP:
        return Turnout(label=label, eligible=None, voted=None)
    return Turnout(label=label, eligible=eligible, voted=voted)


def turnout_by_district(budget: Budget) -> list[Turnout]:
    rows = (
        Voter.objects.filter(budget=budget, verified_at__isnull=False)
        .values("district__name")
        .annotate(eligible=Count("id"), voted=Count("id", filter=Q(has_voted=True)))
        .order_by("district__name")
    )
    return [
        _turnout(row["district__name"] or gettext("No district"), row["eligible"], row["voted"])
        for row in rows
    ]


def _band_label(low: int, high: int | None) -> str:
    if low == 0:
        return gettext("Under %(age)s") % {"age": (high or 0) + 1}
    if high is None:
        return gettext("%(low)s and over") % {"low": low}
    return gettext("%(low)s to %(high)s") % {"low": low, "high": high}


def turnout_by_age(budget: Budget) -> list[Turnout]:
    year = timezone.localdate().year
    counts: dict[str, list[int]] = {}
    unknown = [0, 0]
    voters = Voter.objects.filter(budget=budget, verified_at__isnull=False)
    for birth_year, has_voted in voters.values_list("birth_year", "has_voted"):
        if birth_year is None:
            unknown[0] += 1
            unknown[1] += int(has_voted)
            continue
        age = year - birth_year
        for low, high in AGE_BANDS:
            if age >= low and (high is None or age <= high):
                band = counts.setdefault(_band_label(low, high), [0, 0])
                band[0] += 1
                band[1] += int(has_voted)
                break
    rows = [
        _turnout(_band_label(low, high), *counts[_band_label(low, high)])
        for low, high in AGE_BANDS
        if _band_label(low, high) in counts
    ]
    if unknown[0]:
        rows.append(_turnout(gettext("Not known (letter codes)"), *unknown))
    return rows


@dataclass(frozen=True)
class ProjectResult:
    project_id: int
    pabulib_id: str
    title: str
    cost: Decimal
    votes: int
    counted: bool  # selected by the count
    selected: bool  # after any staff decision
    paid_by: list[tuple[Fraction, int]]  # (each paid, how many voters), Equal Shares only
    by_completion: bool
    override_reason: str

    @property
    def payers(self) -> int:
        return sum(voters for _amount, voters in self.paid_by)


def heading_result_rows(heading: Heading, outcome: Outcome) -> list[ProjectResult]:
    """The heading's projects, selected first, with their votes, how the voters' shares paid
    (Equal Shares) and the latest staff decision that departs from the count, if any."""
    details = outcome.details
    votes: dict[str, int] = details.get("votes", {})
    payments: dict[str, list[list[str]]] = details.get("payments", {})
    completion = set(details.get("completion", []))
    counted = set(outcome.selected)
    decisions = {o.project_id: o for o in heading.overrides.all()}  # ordered: the latest wins
    rows = []
    for project in heading.projects.all():
        decision = decisions.get(project.pk)
        is_counted = project.pabulib_id in counted
        rows.append(
            ProjectResult(
                project_id=project.pk,
                pabulib_id=project.pabulib_id,
                title=project.title,
                cost=project.cost,
                votes=votes.get(project.pabulib_id, 0),
                counted=is_counted,
                selected=decision.selected if decision else is_counted,
                paid_by=[
                    (Fraction(amount), int(voters))
                    for amount, voters in payments.get(project.pabulib_id, [])
                ],
                by_completion=project.pabulib_id in completion
                and project.pabulib_id not in details.get("by_shares", []),
                override_reason=decision.reason if decision else "",
            )
        )
    rows.sort(key=lambda row: (not row.selected, -row.votes, row.pabulib_id))
    return rows
