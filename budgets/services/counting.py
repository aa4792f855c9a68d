"""Writes: importing a pabulib file, counting a heading (cached)."""

from __future__ import annotations

import hashlib
import random
from decimal import Decimal
from fractions import Fraction

from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from budgets.models import Ballot, BallotLine, BallotLink, Budget, Heading, Outcome, Project
from budgets.pabulib import APPROVAL_TYPES, PabulibError, parse_pabulib
from budgets.rules import Number, equal_shares, greedy_by_votes
from budgets.selectors import heading_approvals, heading_costs
from civic.actors import Actor
from civic.errors import InvalidInput


def _decimal(value: Number) -> Decimal | None:
    """The value as a Decimal with at most 2 places, or None if it has more."""
    exact = Fraction(value)
    if (exact * 100).denominator != 1:
        return None
    return Decimal(exact.numerator * 100 // exact.denominator) / 100


@transaction.atomic
def pabulib_import(*, actor: Actor, text: str) -> Budget:
    """A closed budget with one heading, its projects and anonymous ballots from a ``.pb`` file.

    A malformed file is refused with the line of the problem, and nothing is written.
    """
    del actor  # imports are staff or system acts with nothing personal to journal
    try:
        election = parse_pabulib(text)
    except PabulibError as error:
        raise InvalidInput(str(error), code="malformed") from None
    if election.vote_type not in APPROVAL_TYPES:
        raise InvalidInput(gettext("Only approval ballots can be imported."), code="unsupported")
    amount = _decimal(election.budget)
    if amount is None:
        raise InvalidInput(gettext("The budget has more than two decimal places."))
    meta = election.meta
    title = meta.get("description") or meta.get("unit") or _("Imported budget")
    max_length = meta.get("max_length", "")
    budget = Budget.objects.create(
        title=str(title)[:200],
        currency=meta.get("currency", "EUR")[:3],
        phase=Budget.Phase.RESULTS,
        voting_rule=Budget.VotingRule.KNAPSACK,
        counting_rule="greedy" if meta.get("rule") == "greedy" else "mes",
        max_projects=int(max_length) if max_length.isdigit() else None,
        voting_closed=True,
        meta=meta,
    )
    heading = Heading.objects.create(
        budget=budget,
        name=(meta.get("subunit") or meta.get("district") or meta.get("unit") or str(title))[:200],
        amount=amount,
    )
    projects: dict[str, Project] = {}
    for pabulib_id, parsed in election.projects.items():
        cost = _decimal(parsed.cost)
        if cost is None:
            raise InvalidInput(
                _("The cost of project %(id)s has more than two decimal places.")
                % {"id": pabulib_id}
            )
        projects[pabulib_id] = Project(
            heading=heading,
            pabulib_id=pabulib_id,
            title=(parsed.name or pabulib_id)[:300],
            cost=cost,
        )
    Project.objects.bulk_create(projects.values())
    # Ballots are stored in a random order with random ids: the file's order is not kept.
    choices = [vote.choices for vote in election.votes]
    random.SystemRandom().shuffle(choices)
    ballots = [Ballot(heading=heading, channel=Ballot.Channel.IMPORT) for _ in choices]
    Ballot.objects.bulk_create(ballots, batch_size=5_000)
    BallotLine.objects.bulk_create(
        (
            BallotLine(ballot=ballot, project=projects[pabulib_id])
            for ballot, chosen in zip(ballots, choices, strict=True)
            for pabulib_id in chosen
        ),
        batch_size=5_000,
    )
    return budget


def _fingerprint(heading: Heading, costs: dict[str, Number]) -> str:
    """What an outcome depends on, cheaply: ballots cannot change once voting has closed, so
    their count and their lines' count stand for them; costs and amount are taken in full."""
    parts = [
        str(heading.amount),
        str(Ballot.objects.filter(heading=heading).count()),
        str(BallotLine.objects.filter(ballot__heading=heading).count()),
        *(f"{pabulib_id}={cost}" for pabulib_id, cost in sorted(costs.items())),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def heading_outcome(*, heading: Heading, rule: str) -> Outcome:
    """The heading's result under ``rule`` (``greedy`` or ``mes``), counted once and cached."""
    costs = heading_costs(heading)
    fingerprint = _fingerprint(heading, costs)
    cached = Outcome.objects.filter(heading=heading, rule=rule, fingerprint=fingerprint).first()
    if cached is not None:
        return cached
    approvals = heading_approvals(heading)
    budget = Fraction(heading.amount)
    votes: dict[str, int] = dict.fromkeys(costs, 0)
    for ballot in approvals:
        for pabulib_id in ballot:
            votes[pabulib_id] += 1
    details: dict[str, object] = {"votes": votes, "ballots": len(approvals)}
    if rule == Outcome.Rule.GREEDY:
        selected = greedy_by_votes(costs=costs, approvals=approvals, budget=budget)
    elif rule == Outcome.Rule.MES:
        result = equal_shares(costs=costs, approvals=approvals, budget=budget, with_payments=True)
        selected = result.selected
        details |= {
            "by_shares": result.by_shares,
            "completion": result.completion,
            "share": str(result.share),
            # Exact amounts as fractions in text ("1234/7"): a chart reads them as numbers.
            "payments": {
                pabulib_id: [[str(share.amount), share.voters] for share in shares]
                for pabulib_id, shares in result.payments.items()
            },
        }
    else:
        raise InvalidInput(_("Unknown rule %(rule)s.") % {"rule": rule})
    with transaction.atomic():
        outcome, _created = Outcome.objects.update_or_create(
            heading=heading,
            rule=rule,
            defaults={"fingerprint": fingerprint, "selected": selected, "details": details},
        )
    return outcome


@transaction.atomic
def voting_close(*, actor: Actor, budget: Budget) -> int:
    """Close voting: from now on no ballot can be traced back to who cast it.

    The voter-ballot links are deleted in the same transaction that marks the budget closed;
    only each voter's "has voted" stays. Returns how many links were removed.
    """
    del actor  # closing is a staff or scheduled act; it touches no one's personal data
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    removed, _by_model = BallotLink.objects.filter(heading__budget=budget).delete()
    budget.voting_closed = True
    budget.phase = Budget.Phase.RESULTS
    budget.save(update_fields=["voting_closed", "phase"])
    return removed
