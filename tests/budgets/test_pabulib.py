"""Reading and writing pabulib files: every shared file, quoting, and refusals with the line."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from django.utils import translation
from pabutools.election.pabulib import parse_pabulib_from_string

from budgets.pabulib import PabulibError, Project, Vote, parse_pabulib, write_pabulib

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "pabulib"

GOOD = (FIXTURES / "quoted.pb").read_text(encoding="utf-8")


def shared_files() -> list[Path]:
    return sorted(SHARED.glob("*.pb"))


@pytest.mark.skipif(not SHARED.exists(), reason="the shared pabulib files are not here")
@pytest.mark.parametrize("path", shared_files(), ids=lambda p: p.name)
def test_it_reads_every_shared_file_as_pabutools_does(path: Path) -> None:
    text = path.read_text(encoding="utf-8-sig")
    election = parse_pabulib(text)
    instance, profile = parse_pabulib_from_string(text)
    assert election.budget == instance.budget_limit
    assert {p: Fraction(project.cost) for p, project in election.projects.items()} == {
        p.name: Fraction(p.cost) for p in instance
    }
    assert len(election.votes) == profile.num_ballots() == int(election.meta["num_votes"])
    assert sorted(tuple(sorted(v.choices)) for v in election.votes) == sorted(
        tuple(sorted(p.name for p in ballot)) for ballot in profile
    )


def test_it_keeps_semicolons_and_quotes_inside_quoted_names() -> None:
    election = parse_pabulib(GOOD)
    assert election.meta["description"] == "Quartier des Halles; édition 1"
    assert election.projects["a1"].name == "Bancs; tables et ombre"
    assert election.projects["a2"].name == 'Le "jardin" partagé'
    assert election.votes[5].choices == ()
    assert election.votes[1].choices == ("a1", "a2", "b2")


def test_it_writes_a_file_pabutools_and_we_read_back_with_anonymous_voter_ids() -> None:
    election = parse_pabulib(GOOD)
    votes = [Vote(voter_id=f"secret-{i}", choices=v.choices) for i, v in enumerate(election.votes)]
    text = write_pabulib(
        meta={"description": "Halles; 2026", "budget": 1000},
        projects=election.projects.values(),
        votes=votes,
        rule="equalshares/add1",
    )
    assert "secret" not in text
    again = parse_pabulib(text)
    assert again.meta["vote_type"] == "approval"
    assert again.meta["rule"] == "equalshares/add1"
    assert again.meta["description"] == "Halles; 2026"
    assert again.projects["a1"].name == "Bancs; tables et ombre"
    assert sorted(v.voter_id for v in again.votes) == sorted(str(i) for i in range(1, 7))
    assert sorted(v.choices for v in again.votes) == sorted(v.choices for v in election.votes)
    instance, profile = parse_pabulib_from_string(text)
    assert instance.budget_limit == 1000
    assert profile.num_ballots() == 6


def test_it_numbers_voters_by_their_votes_not_by_the_order_they_came_in() -> None:
    projects = [Project(project_id="1", cost=10), Project(project_id="2", cost=20)]
    votes = [Vote(voter_id="x", choices=("2",)), Vote(voter_id="y", choices=("1",))]
    first = write_pabulib(meta={"budget": 30}, projects=projects, votes=votes)
    second = write_pabulib(meta={"budget": 30}, projects=projects, votes=votes[::-1])
    assert first == second


def broken(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new, 1)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (broken("META\n", "MTEA\n"), 1, "must start with META"),
        (broken("budget;1000\n", ""), 11, "no budget"),
        (broken("budget;1000", "budget;mille"), 12, "not a number"),
        (broken("vote_type;approval", "vote_type;pairwise"), 12, "unknown vote_type"),
        (broken("a2;300;3", "a1;300;3"), 15, "given twice"),
        (broken("b1;600;2", "b1;6O0;2"), 16, "not a number"),
        (broken("b1;600;2;Piste cyclable", "b1;600;2;Piste;cyclable"), 16, "5 fields"),
        (broken("4;b1", "4;b1,zz"), 23, "unknown project"),
        (broken("5;b1", "5;b1,b1"), 24, "twice"),
        (broken("5;b1", "4;b1"), 24, "voter '4' given twice"),
        (broken("num_votes;6", "num_votes;7"), 26, "num_votes"),
        (broken("VOTES\nvoter_id;vote\n", "VOTES\n"), 19, "must start with voter_id"),
        (broken("\nVOTES\n", "\nMETA\n"), 18, "out of order"),
        (GOOD.split("VOTES")[0], 18, "VOTES is missing"),
        (broken('"Le ""jardin"" partagé"', '"Le "jardin" partagé"'), 15, "quoted"),
    ],
)
def test_it_refuses_a_malformed_file_with_the_line(text: str, line: int, words: str) -> None:
    with translation.override("en"), pytest.raises(PabulibError) as refused:
        parse_pabulib(text)
    assert refused.value.line == line
    with translation.override("en"):
        assert f"line {line}:" in str(refused.value)
        assert words in str(refused.value)


def test_it_says_what_is_wrong_in_french_too() -> None:
    with translation.override("fr"):
        with pytest.raises(PabulibError) as refused:
            parse_pabulib(broken("4;b1", "4;b1,zz"))
        # Read in French too: an earlier test's English request may have left English active.
        assert str(refused.value) == "ligne 23 : le vote cite un projet inconnu 'zz'"
