"""Greedy and Equal Shares select exactly what pabutools 1.2.3 selects.

Live against pabutools on small files and generated instances; against the outcomes
``bench/budgets_oracle.py`` stored for the large shared files (pabutools needs minutes there).
"""

from __future__ import annotations

import json
import random
from fractions import Fraction
from pathlib import Path

import pytest
from pabutools.election import Cost_Sat
from pabutools.election.pabulib import parse_pabulib_from_string
from pabutools.rules import (
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)

from budgets.pabulib import Election, Project, Vote, parse_pabulib, write_pabulib
from budgets.rules import _EqualShares, _Unsure, equal_shares, greedy_by_votes

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data" / "pabulib"
ORACLE = json.loads((ROOT / "bench" / "budgets_oracle.json").read_text(encoding="utf-8"))
FIXTURES = Path(__file__).parent / "fixtures"
# Files on which our Equal Shares runs in a few seconds; the bench checks all of them.
QUICK_MES = {
    "Canada_Stanford_Dataset_PB_Dieppe_2018_vote_approvals.pb",
    "poland_wieliczka_2023.pb",
}


def ours(election: Election) -> tuple[list[str], list[str]]:
    costs = {p: project.cost for p, project in election.projects.items()}
    approvals = election.approvals()
    greedy = greedy_by_votes(costs=costs, approvals=approvals, budget=election.budget)
    mes = equal_shares(costs=costs, approvals=approvals, budget=election.budget)
    return sorted(greedy), sorted(mes.selected)


def pabutools(text: str) -> tuple[list[str], list[str]]:
    instance, profile = parse_pabulib_from_string(text)
    greedy = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
    mes = completion_by_rule_combination(
        instance,
        profile,
        [method_of_equal_shares, greedy_utilitarian_welfare],
        [{"sat_class": Cost_Sat, "voter_budget_increment": 1}, {"sat_class": Cost_Sat}],
    )
    return sorted(p.name for p in greedy), sorted(p.name for p in mes)


def test_it_selects_what_pabutools_selects_on_a_file_with_quoted_names() -> None:
    text = (FIXTURES / "quoted.pb").read_text(encoding="utf-8")
    assert ours(parse_pabulib(text)) == pabutools(text)


@pytest.mark.skipif(not SHARED.exists(), reason="the shared pabulib files are not here")
def test_it_selects_what_pabutools_selects_live_on_a_small_real_file() -> None:
    text = (SHARED / "Canada_Stanford_Dataset_PB_Dieppe_2018_vote_approvals.pb").read_text(
        encoding="utf-8"
    )
    assert ours(parse_pabulib(text)) == pabutools(text)


def random_election(rng: random.Random) -> str:
    """A small instance with the cases rules get wrong: ties, empty ballots, projects dearer
    than the budget or free, ids that sort differently as text and as numbers, quoted names."""
    ids = rng.sample(["1", "2", "9", "10", "11", "a", "B", "b;c", "z"], rng.randint(1, 7))
    projects = [
        Project(
            project_id=i,
            cost=rng.choice([0, 5, 10, 10, 20, 30, 30, 45, 60, 150]),
            fields={"name": rng.choice(['Parc; "vert"', "Rue", 'Le "four"'])},
        )
        for i in ids
    ]
    votes = [
        Vote(voter_id=str(v), choices=tuple(rng.sample(ids, rng.randint(0, min(4, len(ids))))))
        for v in range(rng.randint(0, 14))
    ]
    return write_pabulib(
        meta={"description": "generated", "budget": rng.choice([60, 100, 101])},
        projects=projects,
        votes=votes,
    )


@pytest.mark.parametrize("seed", range(120))
def test_it_selects_what_pabutools_selects_on_generated_instances(seed: int) -> None:
    text = random_election(random.Random(seed))
    assert ours(parse_pabulib(text)) == pabutools(text)


def test_it_breaks_ties_by_project_id_as_text() -> None:
    # Two projects with the same votes and cost, only one fits: "10" comes before "9" as text.
    costs = {"9": 60, "10": 60}
    approvals = [("9", "10"), ("9", "10")]
    assert greedy_by_votes(costs=costs, approvals=approvals, budget=100) == ["10"]
    assert equal_shares(costs=costs, approvals=approvals, budget=100).selected == ["10"]


def test_it_tells_how_voters_shares_paid_for_each_project() -> None:
    costs = {"a": 30, "b": 60}
    approvals = [("a", "b"), ("a",), ("b",), ()]
    outcome = equal_shares(costs=costs, approvals=approvals, budget=100, with_payments=True)
    assert outcome.by_shares
    for project in outcome.by_shares:
        paid = sum(share.amount * share.voters for share in outcome.payments[project])
        assert paid == costs[project]
    assert outcome.share >= Fraction(100, 4)
    assert set(outcome.selected) == set(outcome.by_shares) | set(outcome.completion)


@pytest.mark.skipif(not SHARED.exists(), reason="the shared pabulib files are not here")
@pytest.mark.parametrize("name", sorted(ORACLE))
def test_it_selects_what_pabutools_selected_on_the_large_files(name: str) -> None:
    election = parse_pabulib((SHARED / name).read_text(encoding="utf-8"))
    costs = {p: project.cost for p, project in election.projects.items()}
    greedy = greedy_by_votes(costs=costs, approvals=election.approvals(), budget=election.budget)
    assert sorted(greedy) == ORACLE[name]["greedy"]
    if name in QUICK_MES:
        mes = equal_shares(costs=costs, approvals=election.approvals(), budget=election.budget)
        assert sorted(mes.selected) == ORACLE[name]["mes"]


def quick_and_exact_agree(election: Election, steps: range) -> int:
    """Count at several shares both ways; returns how many floating-point counts decided."""
    costs = {p: project.cost for p, project in election.projects.items()}
    mes = _EqualShares(costs, election.approvals(), election.budget)
    decided = 0
    for step in steps:
        share = Fraction(election.budget) / len(election.votes) + step
        try:
            quick = mes.quick_count(share)
        except _Unsure:
            continue
        decided += 1
        assert quick == mes.count(share).selected
    return decided


def test_it_counts_in_floating_point_exactly_as_in_fractions_on_generated_instances() -> None:
    decided = 0
    for seed in range(200):
        election = parse_pabulib(random_election(random.Random(seed)))
        if election.votes:
            decided += quick_and_exact_agree(election, range(0, 40, 7))
    assert decided > 100  # the fast path is the one taken, most of the time


@pytest.mark.skipif(not SHARED.exists(), reason="the shared pabulib files are not here")
def test_it_counts_in_floating_point_exactly_as_in_fractions_on_a_real_city() -> None:
    election = parse_pabulib((SHARED / "poland_wieliczka_2023.pb").read_text(encoding="utf-8"))
    assert quick_and_exact_agree(election, range(0, 160, 40)) == 4
