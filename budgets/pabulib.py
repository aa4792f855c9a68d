"""Reading and writing pabulib files (https://pabulib.org/format), strictly.

A ``.pb`` file has three sections in this order: ``META`` (``key;value`` rows), ``PROJECTS``
(``project_id;cost;…``) and ``VOTES`` (``voter_id;vote;…``), each a header row then ``;``-separated
rows with CSV quoting (a project name may hold ``;`` or ``"`` inside quotes). Anything else is
refused with the line it was found on, so an import never half-understands a file: results
computed from it must be the ones anyone re-checking with pabutools gets.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

SECTIONS = ("meta", "projects", "votes")
APPROVAL_TYPES = ("approval", "choose-1")
VOTE_TYPES = (*APPROVAL_TYPES, "ordinal", "cumulative", "scoring")
NUMBER = re.compile(r"\d+(?:[.,]\d+)?")

Number = int | Fraction


class PabulibError(ValueError):
    """A malformed pabulib file; ``line`` is the 1-based line the problem was found on."""

    def __init__(self, line: int, message: Any, **params: Any) -> None:
        super().__init__(line, message, params)
        self.line = line
        self.message = message
        self.params = params

    def __str__(self) -> str:
        return gettext("line %(line)d: %(problem)s") % {
            "line": self.line,
            "problem": str(self.message) % self.params if self.params else str(self.message),
        }


@dataclass(frozen=True)
class Project:
    project_id: str
    cost: Number
    fields: Mapping[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.fields.get("name", "")


@dataclass(frozen=True)
class Vote:
    voter_id: str
    choices: tuple[str, ...]
    points: tuple[Number, ...] = ()
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Election:
    """One pabulib file: its metadata, projects (in file order) and votes."""

    meta: dict[str, str]
    projects: dict[str, Project]
    votes: list[Vote]

    @property
    def budget(self) -> Number:
        return parse_number(self.meta["budget"])

    @property
    def vote_type(self) -> str:
        return self.meta["vote_type"]

    def approvals(self) -> list[tuple[str, ...]]:
        """Each voter's approved project ids (an empty tuple for an empty ballot)."""
        return [vote.choices for vote in self.votes]


def parse_number(text: str) -> Number:
    """A non-negative number as pabulib writes it (``12``, ``12.5`` or ``12,5``), exactly."""
    text = text.strip()
    if not NUMBER.fullmatch(text):
        raise ValueError(text)
    value = Fraction(text.replace(",", "."))
    return value.numerator if value.denominator == 1 else value


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """The non-blank rows of ``text`` with the line each starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", strict=True)
    line = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise PabulibError(
                reader.line_num, _("badly quoted field (%(error)s)"), error=str(error)
            ) from None
        if row and any(cell.strip() for cell in row):
            yield line, row
        line = reader.line_num + 1


def parse_pabulib(text: str) -> Election:
    """Parse the content of a ``.pb`` file; raise :class:`PabulibError` if it is malformed."""
    text = text.removeprefix("\ufeff")
    meta: dict[str, str] = {}
    projects: dict[str, Project] = {}
    votes: list[Vote] = []
    voter_ids: set[str] = set()
    section = ""
    header: list[str] = []
    expect_header = False
    last_line = 0
    for line, row in _rows(text):
        last_line = line
        first = row[0].strip().lower()
        if len(row) == 1 and first in SECTIONS:
            expected = SECTIONS[SECTIONS.index(section) + 1] if section in SECTIONS[:2] else ""
            if (section == "" and first != "meta") or (section and first != expected):
                raise PabulibError(
                    line, _("section %(found)s out of order"), found=row[0].strip().upper()
                )
            if expect_header:
                raise PabulibError(line, _("section %(section)s has no header"), section=section)
            if first == "projects":
                _check_meta(line, meta)
            section, expect_header = first, True
            continue
        if not section:
            raise PabulibError(line, _("the file must start with META"))
        if expect_header:
            header = [cell.strip() for cell in row]
            _check_header(line, section, header)
            expect_header = False
            continue
        if len(row) != len(header):
            raise PabulibError(
                line,
                _("%(found)d fields where the header has %(expected)d"),
                found=len(row),
                expected=len(header),
            )
        if section == "meta":
            key, value = row[0].strip(), row[1].strip()
            if key in meta:
                raise PabulibError(line, _("META key %(key)s given twice"), key=key)
            meta[key] = value
        elif section == "projects":
            project = _project(line, header, row)
            if project.project_id in projects:
                raise PabulibError(
                    line, _("project %(id)s given twice"), id=repr(project.project_id)
                )
            projects[project.project_id] = project
        else:
            vote = _vote(line, header, row, projects, meta["vote_type"])
            if vote.voter_id in voter_ids:
                raise PabulibError(line, _("voter %(id)s given twice"), id=repr(vote.voter_id))
            voter_ids.add(vote.voter_id)
            votes.append(vote)
    if section != "votes":
        missing = SECTIONS[SECTIONS.index(section) + 1] if section else "meta"
        raise PabulibError(
            last_line + 1, _("section %(section)s is missing"), section=missing.upper()
        )
    if expect_header:
        raise PabulibError(last_line + 1, _("section %(section)s has no header"), section=section)
    _check_counts(last_line + 1, meta, projects, votes)
    return Election(meta=meta, projects=projects, votes=votes)


def _check_header(line: int, section: str, header: list[str]) -> None:
    required = {"meta": ("key", "value"), "projects": ("project_id", "cost")}.get(
        section, ("voter_id", "vote")
    )
    if (section == "meta" and header != ["key", "value"]) or header[0] != required[0]:
        raise PabulibError(
            line,
            _("the %(section)s header must start with %(first)s"),
            section=section.upper(),
            first=";".join(required) if section == "meta" else required[0],
        )
    if len(set(header)) != len(header) or "" in header:
        raise PabulibError(line, _("the header has an empty or repeated column"))
    for column in required:
        if column not in header:
            raise PabulibError(line, _("the header has no %(column)s column"), column=column)


def _check_meta(line: int, meta: dict[str, str]) -> None:
    """The keys rules need, checked before the first project (the line of PROJECTS' first row)."""
    for key in ("budget", "vote_type"):
        if key not in meta:
            raise PabulibError(line, _("META has no %(key)s"), key=key)
    try:
        parse_number(meta["budget"])
    except ValueError:
        raise PabulibError(
            line, _("the budget %(value)s is not a number"), value=repr(meta["budget"])
        ) from None
    if meta["vote_type"] not in VOTE_TYPES:
        raise PabulibError(line, _("unknown vote_type %(value)s"), value=repr(meta["vote_type"]))


def _project(line: int, header: list[str], row: list[str]) -> Project:
    values = {key: cell.strip() for key, cell in zip(header, row, strict=True)}
    project_id = values.pop("project_id")
    if not project_id:
        raise PabulibError(line, _("empty project_id"))
    if "," in project_id:
        raise PabulibError(line, _("a project_id cannot contain a comma"))
    try:
        cost = parse_number(values.pop("cost"))
    except ValueError as error:
        raise PabulibError(
            line, _("the cost %(value)s is not a number"), value=repr(str(error))
        ) from None
    return Project(project_id=project_id, cost=cost, fields=values)


def _vote(
    line: int, header: list[str], row: list[str], projects: Mapping[str, Project], vote_type: str
) -> Vote:
    values = {key: cell.strip() for key, cell in zip(header, row, strict=True)}
    voter_id = values.pop("voter_id")
    if not voter_id:
        raise PabulibError(line, _("empty voter_id"))
    vote = values.pop("vote")
    choices = tuple(choice.strip() for choice in vote.split(",")) if vote else ()
    for choice in choices:
        if choice not in projects:
            raise PabulibError(line, _("the vote names an unknown project %(id)s"), id=repr(choice))
    if len(set(choices)) != len(choices):
        raise PabulibError(line, _("the vote names a project twice"))
    if vote_type == "choose-1" and len(choices) > 1:
        raise PabulibError(line, _("a choose-1 vote names more than one project"))
    points: tuple[Number, ...] = ()
    if vote_type in ("cumulative", "scoring"):
        raw = values.pop("points", "")
        try:
            points = tuple(parse_number(p) for p in raw.split(",")) if raw else ()
        except ValueError:
            raise PabulibError(
                line, _("the points %(value)s are not numbers"), value=repr(raw)
            ) from None
        if len(points) != len(choices):
            raise PabulibError(line, _("the vote has not one point per project"))
    return Vote(voter_id=voter_id, choices=choices, points=points, fields=values)


def _check_counts(
    line: int, meta: Mapping[str, str], projects: Mapping[str, Project], votes: list[Vote]
) -> None:
    for key, count in (("num_projects", len(projects)), ("num_votes", len(votes))):
        if key in meta and meta[key] != str(count):
            raise PabulibError(
                line,
                _("META says %(key)s is %(said)s but the file has %(count)d"),
                key=key,
                said=meta[key],
                count=count,
            )


def write_pabulib(
    *,
    meta: Mapping[str, Any],
    projects: Iterable[Project],
    votes: Iterable[Vote],
    vote_type: str = "approval",
    rule: str = "greedy",
) -> str:
    """A valid ``.pb`` text; voters get ids ``1…n`` in an order that depends only on the votes.

    Numbering by content rather than by the order votes were given means nothing in the export
    (no insertion order, no database id) can lead back to a voter.
    """
    project_list = list(projects)
    ordered_votes = sorted(votes, key=lambda v: (v.choices, v.points, sorted(v.fields.items())))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    header_meta = {
        **{key: str(value) for key, value in meta.items()},
        "num_projects": str(len(project_list)),
        "num_votes": str(len(ordered_votes)),
        "vote_type": vote_type,
        "rule": rule,
    }
    if "budget" not in header_meta:
        raise ValueError("meta needs a budget")
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    for key, value in header_meta.items():
        writer.writerow([key, value])
    project_columns = ["project_id", "cost"]
    for project in project_list:
        for key in project.fields:
            if key not in project_columns:
                project_columns.append(key)
    writer.writerow(["PROJECTS"])
    writer.writerow(project_columns)
    for project in project_list:
        writer.writerow(
            [project.project_id, _number_text(project.cost)]
            + [project.fields.get(key, "") for key in project_columns[2:]]
        )
    vote_fields: list[str] = []
    for vote in ordered_votes:
        vote_fields.extend(key for key in vote.fields if key not in vote_fields)
    with_points = vote_type in ("cumulative", "scoring")
    writer.writerow(["VOTES"])
    writer.writerow(["voter_id", *vote_fields, "vote", *(["points"] if with_points else [])])
    for number, vote in enumerate(ordered_votes, start=1):
        cells = [str(number), *(vote.fields.get(key, "") for key in vote_fields)]
        cells.append(",".join(vote.choices))
        if with_points:
            cells.append(",".join(_number_text(p) for p in vote.points))
        writer.writerow(cells)
    return out.getvalue()


def _number_text(value: Number) -> str:
    if isinstance(value, int) or value.denominator == 1:
        return str(int(value))
    # Pabulib numbers are decimals; a cost that is not one is written to 6 places.
    return f"{float(value):.6f}".rstrip("0")
