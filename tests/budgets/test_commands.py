"""pabulib_import, budget_results and the .pb export of a heading."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from budgets.models import Ballot, BallotLine, Budget, Outcome, Project
from budgets.selectors import heading_as_pabulib
from budgets.services import heading_outcome
from tests.budgets.test_rules import pabutools

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).parent / "fixtures" / "quoted.pb"


def run(*args: str) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().splitlines()


def imported() -> Budget:
    return Budget.objects.get(pk=int(run("pabulib_import", str(FIXTURE))[-1]))


def test_it_imports_a_closed_budget_and_prints_its_id_alone_on_the_last_line() -> None:
    budget = imported()
    assert budget.voting_closed
    assert budget.title == "Quartier des Halles; édition 1"
    heading = budget.headings.get()
    assert heading.amount == 1000
    assert dict(heading.projects.values_list("pabulib_id", "title"))["a1"] == (
        "Bancs; tables et ombre"
    )
    assert heading.ballots.count() == 6  # the empty ballot too
    assert BallotLine.objects.filter(ballot__heading=heading).count() == 9
    assert set(heading.ballots.values_list("channel", flat=True)) == {Ballot.Channel.IMPORT}


def test_it_refuses_a_malformed_file_with_its_line_and_imports_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "broken.pb"
    broken.write_text(FIXTURE.read_text(encoding="utf-8").replace("5;b1", "5;b1,zz"))
    with (
        translation.override("en"),
        pytest.raises(CommandError, match="line 24: the vote names an unknown project 'zz'"),
    ):
        run("pabulib_import", str(broken))
    assert not Budget.objects.exists()
    assert not Project.objects.exists()
    assert not Ballot.objects.exists()


@pytest.mark.parametrize("rule", ["greedy", "mes"])
def test_it_prints_the_selected_pabulib_ids_sorted_as_json(rule: str) -> None:
    budget = imported()
    greedy, mes = pabutools(FIXTURE.read_text(encoding="utf-8"))
    selected = json.loads(run("budget_results", str(budget.pk), "--rule", rule, "--json")[-1])
    assert selected == (greedy if rule == "greedy" else mes)


def test_it_counts_once_then_serves_the_stored_outcome(
    django_assert_max_num_queries: type,
) -> None:
    heading = imported().headings.get()
    first = heading_outcome(heading=heading, rule=Outcome.Rule.MES)
    assert sum(sum(v for _, v in shares) for shares in first.details["payments"].values()) > 0
    with django_assert_max_num_queries(4):
        again = heading_outcome(heading=heading, rule=Outcome.Rule.MES)
    assert (again.pk, again.computed_at) == (first.pk, first.computed_at)


def test_it_exports_a_heading_as_a_pb_file_pabutools_counts_the_same() -> None:
    budget = imported()
    heading = budget.headings.get()
    text = heading_as_pabulib(heading)
    assert "equalshares/add1" in text
    for ballot_id in heading.ballots.values_list("id", flat=True):
        assert str(ballot_id) not in text
    assert pabutools(text) == pabutools(FIXTURE.read_text(encoding="utf-8"))


def test_it_refuses_an_unknown_budget() -> None:
    with pytest.raises(CommandError, match="No budget 999"):
        run("budget_results", "999", "--rule", "greedy")
