"""Counting rules: greedy by votes and the Method of Equal Shares with completion.

Both give exactly the outcomes of pabutools 1.2.3 (the reference the tests compare with):

- ``greedy_by_votes`` is ``greedy_utilitarian_welfare`` with ``Cost_Sat``: projects by votes,
  most first, each taken if it still fits in what is left of the budget. A project nobody
  voted for, or one that costs nothing, comes after all others (its "votes per cost" is 0 in
  pabutools). Ties are broken by project id compared as strings (``"10" < "9"``).
- ``equal_shares`` is ``completion_by_rule_combination`` of ``method_of_equal_shares`` (cost
  utilities, ``voter_budget_increment=1``) then ``greedy_utilitarian_welfare``: every voter
  gets an equal share of the budget; a project is bought by its supporters, each paying an equal
  amount or all they have left; at each round the project whose supporters pay the least per
  unit of cost is bought (ties: the smallest project id as a string). "Add1" then gives every
  voter one more unit and counts again, as long as the outcome still fits in the real budget and
  some project could still be added; the last outcome that fits is completed by greedy.

Every comparison that decides the outcome is made on exact fractions. Voters with the same
ballot are counted once with a weight, and voters who have the same amount left are handled as
one class, so a round costs a few array operations whatever the number of voters.

Add1 raises the per-voter share one unit at a time and most steps change nothing. After each
count we compute, from the count itself, how far the share can grow before any decision of that
count could change (a round's winner, who pays everything they have left, a project becoming
affordable): every amount in the count is affine in the share until then. The next count is
run at the first whole-unit step at or beyond that point, which gives Add1's outcome without
the idle steps (the idea of ADD-OPT in Kraiczy, Robinson and Elkind, "Streamlining Equal
Shares", 2025).
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

Number = int | Fraction


def greedy_by_votes(
    *,
    costs: Mapping[str, Number],
    approvals: Iterable[Iterable[str]],
    budget: Number,
    initial: Sequence[str] = (),
) -> list[str]:
    """Projects selected by greedy, in the order they are taken (``initial`` first)."""
    votes: Counter[str] = Counter()
    for ballot in approvals:
        votes.update(ballot)
    return _greedy(costs, votes, budget, initial)


def _greedy(
    costs: Mapping[str, Number], votes: Mapping[str, int], budget: Number, initial: Sequence[str]
) -> list[str]:
    def density(project: str) -> int:
        # pabutools' total cost-satisfaction per unit of cost: the votes, or 0 for a free project
        return votes.get(project, 0) if costs[project] > 0 else 0

    chosen = set(initial)
    left = budget - sum(costs[p] for p in initial)
    selected = list(initial)
    for project in sorted((p for p in costs if p not in chosen), key=lambda p: (-density(p), p)):
        if costs[project] <= left:
            selected.append(project)
            left -= costs[project]
    return selected


@dataclass(frozen=True)
class Share:
    """``voters`` voters each paid ``amount`` towards a project."""

    amount: Fraction
    voters: int


@dataclass
class EqualSharesOutcome:
    """What MES with completion selects, and how the voters' shares paid for it."""

    selected: list[str]
    """All selected projects: those bought by equal shares, in order, then greedy's."""
    by_shares: list[str]
    completion: list[str]
    share: Fraction
    """The per-voter share of the count whose outcome was kept (the budget over the voters plus
    the Add1 units)."""
    payments: dict[str, list[Share]] = field(default_factory=dict)
    counts: int = 0
    """How many counts were run (each a full run of MES at one per-voter share)."""


@dataclass
class _Count:
    selected: list[str]
    payments: dict[str, list[Share]]


class _EqualShares:
    def __init__(
        self, costs: Mapping[str, Number], approvals: Sequence[Iterable[str]], budget: Number
    ) -> None:
        self.costs = {p: Fraction(c) for p, c in costs.items()}
        self.budget = Fraction(budget)
        self.voters = len(approvals)
        votes: Counter[str] = Counter()
        ballots: Counter[frozenset[str]] = Counter()
        for ballot in approvals:
            ballot = frozenset(ballot)
            votes.update(ballot)
            ballots[ballot] += 1
        self.votes = votes
        # MES leaves out free projects (their cost satisfaction is 0) and unsupported ones.
        self.projects = sorted(p for p in costs if self.costs[p] > 0 and votes[p] > 0)
        groups: Counter[frozenset[str]] = Counter()
        wanted = set(self.projects)
        for ballot, count in ballots.items():
            kept = ballot & wanted
            if kept:
                groups[frozenset(kept)] += count
        group_list = list(groups.items())
        self.weights = np.array([count for _, count in group_list], dtype=np.int64)
        members: dict[str, list[int]] = {p: [] for p in self.projects}
        for index, (ballot, _) in enumerate(group_list):
            for project in ballot:
                members[project].append(index)
        self.supporters = {p: np.array(m, dtype=np.int64) for p, m in members.items()}
        self.supporter_weights = {p: self.weights[m] for p, m in self.supporters.items()}

    def count(self, share: Fraction) -> _Count:
        """One run of MES with every voter starting at ``share``.

        Voters are in classes by what they have left (``classes`` maps each ballot group to its
        class, ``amounts`` is each class's amount): voters with as much left behave alike.
        """
        classes = np.zeros(len(self.weights), dtype=np.int64)
        amounts: list[Fraction] = [share]
        floats: list[float] = [float(share)]
        index_of: dict[Fraction, int] = {share: 0}
        # pabutools' order: the least paid per unit of cost first, then the smallest id. A
        # project's rate only grows as voters spend, so a stale rate is a lower bound and only
        # the project at the top needs re-pricing.
        heap = [(Fraction(1, self.votes[p]), p) for p in self.projects]
        heapq.heapify(heap)
        selected: list[str] = []
        payments: dict[str, list[Share]] = {}
        while heap:
            _, project = heapq.heappop(heap)
            price = self._price(project, classes, amounts, floats)
            if price is None:
                continue  # its supporters can no longer afford it, now or later
            rate = price[0] / self.costs[project]
            if heap and (rate, project) > heap[0]:
                heapq.heappush(heap, (rate, project))
                continue
            selected.append(project)
            payments[project] = self._pay(project, price, classes, amounts, floats, index_of)
        return _Count(selected=selected, payments=payments)

    def _price(
        self, project: str, classes: np.ndarray, amounts: list[Fraction], floats: list[float]
    ) -> tuple[Fraction, list[tuple[Fraction, int, int]]] | None:
        """What each supporter pays if the project is bought now (None: they cannot afford it)."""
        weights = np.bincount(
            classes[self.supporters[project]],
            weights=self.supporter_weights[project],
            minlength=len(amounts),
        )
        present = np.flatnonzero(weights).tolist()
        # A float comparison decides whenever the floats differ (rounding is monotonic), so the
        # exact fractions are only compared between near-equal amounts.
        groups = [
            (a, w, k)
            for _, a, w, k in sorted((floats[k], amounts[k], int(weights[k]), k) for k in present)
        ]
        cost = self.costs[project]
        total = float(np.dot(np.asarray(floats)[present], weights[present]))
        # Exact sum only when the float one is too close to the cost to decide.
        if total < float(cost) * (1 + 1e-9) and sum(a * w for a, w, _ in groups) < cost:
            return None
        left, buyers = cost, self.votes[project]
        for amount, weight, _ in groups:
            if left <= amount * buyers:
                return left / buyers, groups
            left -= amount * weight
            buyers -= weight
        raise AssertionError("an affordable project always has a price")

    def _pay(
        self,
        project: str,
        price: tuple[Fraction, list[tuple[Fraction, int, int]]],
        classes: np.ndarray,
        amounts: list[Fraction],
        floats: list[float],
        index_of: dict[Fraction, int],
    ) -> list[Share]:
        each, groups = price
        remap = np.arange(len(amounts) + len(groups), dtype=np.int64)
        shares: list[Share] = []
        for amount, weight, k in groups:
            paid = min(amount, each)
            if paid > 0:
                shares.append(Share(amount=paid, voters=weight))
            after = amount - paid
            if after not in index_of:
                index_of[after] = len(amounts)
                amounts.append(after)
                floats.append(float(after))
            remap[k] = index_of[after]
        members = self.supporters[project]
        classes[members] = remap[classes[members]]
        return shares


def equal_shares(
    *,
    costs: Mapping[str, Number],
    approvals: Sequence[Iterable[str]],
    budget: Number,
) -> EqualSharesOutcome:
    """MES with cost utilities, Add1 completion, then greedy (see the module's docstring)."""
    mes = _EqualShares(costs, approvals, budget)
    total = mes.budget
    if mes.voters == 0:
        completion = _greedy(costs, mes.votes, budget, ())
        return EqualSharesOutcome(
            selected=completion, by_shares=[], completion=completion, share=Fraction(0)
        )
    share = total / mes.voters
    kept: _Count | None = None
    kept_share = share
    counts = 0
    while True:
        current = mes.count(share)
        counts += 1
        spent = sum(mes.costs[p] for p in current.selected)
        if spent > total:
            break
        kept, kept_share = current, share
        chosen = set(current.selected)
        if all(p in chosen or spent + mes.costs[p] > total for p in mes.projects):
            break
        share += 1
    assert kept is not None  # the first count never overspends
    completion = _greedy(costs, mes.votes, budget, kept.selected)[len(kept.selected) :]
    return EqualSharesOutcome(
        selected=kept.selected + completion,
        by_shares=kept.selected,
        completion=completion,
        share=kept_share,
        payments=kept.payments,
        counts=counts,
    )
