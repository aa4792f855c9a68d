"""Writes: eligibility (in person, by mediator, by letter code), ballots (web, kiosk, mediator,
paper), and staff decisions on a result.

Every ballot is checked against the budget's rule here, whoever brings it: a knapsack ballot's
total stays within the heading's amount, an approval ballot holds between the minimum and maximum
number of projects. One ballot per voter per heading is kept by a lock on the voter and, under it,
by the database's unique constraint on ``BallotLink``.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from budgets.models import (
    Ballot,
    BallotLine,
    BallotLink,
    Budget,
    Heading,
    Project,
    ResultOverride,
    Voter,
)
from budgets.selectors import voter_headings
from civic.actors import Actor, Channel
from civic.errors import Conflict, InvalidInput, NotAllowed
from civic.models import District, User

# No 0/O, 1/I/L, 8/B, 5/S or Z (read as 2): a code read aloud or copied from paper cannot be
# mistaken. 26 signs, 16 of them: about 75 bits, checked against a hash, single use.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY234679"
CODE_LENGTH = 16


# --- Eligibility ------------------------------------------------------------------------------


def _check_staff(actor: Actor, permission: str) -> User:
    if actor.user is None or not actor.user.has_perm(permission):
        raise NotAllowed(_("Only budget staff can do this."))
    return actor.user


def old_enough(*, budget: Budget, birth_year: int) -> bool:
    """Residents vote from the calendar year in which they reach the budget's minimum age."""
    return timezone.localdate().year - birth_year >= budget.minimum_age


@transaction.atomic
def voter_verify(
    *,
    actor: Actor,
    budget: Budget,
    user: User,
    birth_year: int,
    district: District | None,
    how: str = Voter.Verification.IN_PERSON,
) -> Voter:
    """Record that ``user`` may vote in ``budget``: who checked, when and how.

    Staff check in person; a mediator under a mandate with the vote scope checks for the
    resident they represent (assist has checked the mandate: here we refuse an act without one).
    """
    if how == Voter.Verification.MEDIATOR:
        if actor.mandate is None or actor.on_behalf_of != user:
            raise NotAllowed(_("Acting for someone else needs a mandate."))
        checker = actor.user
    else:
        checker = _check_staff(actor, "budgets.change_voter")
    if not old_enough(budget=budget, birth_year=birth_year):
        raise InvalidInput(
            _("Residents vote from the year they turn %(age)s.") % {"age": budget.minimum_age},
            field="birth_year",
        )
    voter, _created = Voter.objects.select_for_update().get_or_create(budget=budget, user=user)
    voter.birth_year = birth_year
    voter.district = district
    voter.verified_how = how
    voter.verified_at = timezone.now()
    voter.verified_by = checker
    voter.save()
    return voter


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def code_normalise(text: str) -> str:
    """What the resident typed, as stored: capitals, without the spaces and dashes."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def code_display(code: str) -> str:
    """``ABCD-EFGH-JKMN-PQRT``: groups of four, easier to copy."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


@dataclass(frozen=True)
class Letter:
    voter: Voter
    code: str  # in clear: only here, for printing, never stored


@transaction.atomic
def voting_codes_issue(
    *, actor: Actor, budget: Budget, count: int, district: District | None
) -> list[Letter]:
    """``count`` one-time codes for residents without an account (the letters are addressed by
    the city from its register of residents of voting age, in ``district``). Only their hashes
    are kept: a lost letter cannot be reprinted, a new code is issued instead."""
    checker = _check_staff(actor, "budgets.add_voter")
    if not 1 <= count <= 5_000:
        raise InvalidInput(_("Issue between 1 and 5,000 codes at a time."), field="count")
    letters = []
    now = timezone.now()
    for _i in range(count):
        code = "".join(secrets.choice(CODE_ALPHABET) for _j in range(CODE_LENGTH))
        voter = Voter.objects.create(
            budget=budget,
            district=district,
            code_hash=_code_hash(code),
            verified_how=Voter.Verification.LETTER,
            verified_at=now,
            verified_by=checker,
        )
        letters.append(Letter(voter=voter, code=code))
    return letters


@transaction.atomic
def voting_code_redeem(*, actor: Actor, code: str) -> Voter:
    """The voter a letter's code stands for, used up by this call: it opens one voting visit."""
    del actor  # a code holder is anonymous; the visit's ballots record the channel
    normalised = code_normalise(code)
    voter = (
        Voter.objects.select_for_update()
        .select_related("budget")
        .filter(code_hash=_code_hash(normalised))
        .first()
        if len(normalised) == CODE_LENGTH
        else None
    )
    if voter is None:
        raise InvalidInput(_("This code is not valid. Check it on your letter."), field="code")
    _check_open(voter.budget)
    if voter.code_used:
        raise Conflict(_("This code has already been used to vote."), field="code")
    voter.code_used = True
    voter.save(update_fields=["code_used"])
    return voter


# --- Ballots ----------------------------------------------------------------------------------


def _check_open(budget: Budget) -> None:
    if budget.voting_closed or budget.phase != Budget.Phase.VOTING:
        raise NotAllowed(_("Voting is not open in this budget."))


def _ballot_channel(actor: Actor) -> str:
    return {
        Channel.WEB: Ballot.Channel.WEB,
        Channel.KIOSK: Ballot.Channel.KIOSK,
        Channel.MEDIATOR: Ballot.Channel.MEDIATOR,
        Channel.STAFF: Ballot.Channel.WEB,  # a staff member voting for themselves
    }.get(Channel(actor.channel), Ballot.Channel.WEB)


def ballot_check(*, heading: Heading, project_ids: Iterable[int]) -> list[Project]:
    """The chosen projects if they make a valid ballot in ``heading``, else an explanation."""
    wanted = {int(pk) for pk in project_ids}
    projects = list(heading.projects.filter(pk__in=wanted))
    if len(projects) != len(wanted):
        raise InvalidInput(_("A chosen project is not in this part of the budget."))
    budget = heading.budget
    if budget.voting_rule == Budget.VotingRule.KNAPSACK:
        total = sum((p.cost for p in projects), Decimal(0))
        if total > heading.amount:
            raise InvalidInput(
                _(
                    "Your choices cost %(total)s, more than the %(amount)s available: "
                    "remove a project and send again."
                )
                % {
                    "total": number_format(total, 0, force_grouping=True),
                    "amount": number_format(heading.amount, 0, force_grouping=True),
                },
                field="projects",
                code="over_budget",
            )
    if len(projects) < budget.min_projects:
        raise InvalidInput(
            ngettext(
                "Choose at least %(n)s project.",
                "Choose at least %(n)s projects.",
                budget.min_projects,
            )
            % {"n": budget.min_projects},
            field="projects",
        )
    if budget.max_projects is not None and len(projects) > budget.max_projects:
        raise InvalidInput(
            ngettext(
                "Choose at most %(n)s project.",
                "Choose at most %(n)s projects.",
                budget.max_projects,
            )
            % {"n": budget.max_projects},
            field="projects",
        )
    return projects


def _check_voter(actor: Actor, voter: Voter) -> None:
    if voter.verified_at is None:
        raise NotAllowed(_("Your right to vote has not been checked yet."))
    if voter.user is None:
        if not voter.code_used:
            raise NotAllowed(_("Enter the code printed on your letter first."))
        return  # a letter code's visit: the view holds the redeemed code in its session
    if actor.on_behalf_of is not None:
        # assist checks the mandate's scope before calling; here we refuse acts without one.
        if actor.mandate is None or actor.on_behalf_of != voter.user:
            raise NotAllowed(_("Acting for someone else needs a mandate."))
    elif actor.user != voter.user:
        raise NotAllowed(_("This is not your ballot."))


@transaction.atomic
def ballot_cast(
    *, actor: Actor, voter: Voter, heading: Heading, project_ids: Iterable[int]
) -> Ballot:
    """Cast, or change, ``voter``'s ballot in ``heading`` while voting is open."""
    voter = Voter.objects.select_for_update().select_related("budget").get(pk=voter.pk)
    _check_open(voter.budget)
    _check_voter(actor, voter)
    if heading not in voter_headings(voter):
        raise NotAllowed(_("You do not vote in this part of the budget."))
    projects = ballot_check(heading=heading, project_ids=project_ids)
    link = BallotLink.objects.filter(voter=voter, heading=heading).select_related("ballot").first()
    if link is not None:
        ballot = link.ballot
        ballot.lines.all().delete()
    else:
        ballot = Ballot.objects.create(heading=heading, channel=_ballot_channel(actor))
        try:
            with transaction.atomic():
                BallotLink.objects.create(voter=voter, heading=heading, ballot=ballot)
        except IntegrityError:
            raise Conflict(_("A ballot was already cast in this part of the budget.")) from None
    BallotLine.objects.bulk_create(BallotLine(ballot=ballot, project=p) for p in projects)
    if not voter.has_voted:
        voter.has_voted = True
        voter.save(update_fields=["has_voted"])
    return ballot


@transaction.atomic
def paper_ballot_enter(*, actor: Actor, heading: Heading, project_ids: Iterable[int]) -> Ballot:
    """A paper ballot from the ballot box, typed in by staff: anonymous from the start (the
    voter's "has voted" was marked at the polling station)."""
    _check_staff(actor, "budgets.add_ballot")
    budget = Budget.objects.select_for_update().get(pk=heading.budget_id)
    if budget.voting_closed:
        raise NotAllowed(_("Voting is closed: no more ballots can be entered."))
    projects = ballot_check(heading=heading, project_ids=project_ids)
    ballot = Ballot.objects.create(heading=heading, channel=Ballot.Channel.PAPER)
    BallotLine.objects.bulk_create(BallotLine(ballot=ballot, project=p) for p in projects)
    return ballot


# --- Results ----------------------------------------------------------------------------------


@transaction.atomic
def result_override(
    *, actor: Actor, project: Project, selected: bool, reason: str
) -> ResultOverride:
    """Fund or withdraw a project against the count, with a reason published on the results."""
    staff = _check_staff(actor, "budgets.add_resultoverride")
    if not Budget.objects.filter(pk=project.heading.budget_id, voting_closed=True).exists():
        raise NotAllowed(_("A result can only be changed once voting has closed."))
    if not reason.strip():
        raise InvalidInput(_("Give the public reason for this decision."), field="reason")
    return ResultOverride.objects.create(
        heading=project.heading,
        project=project,
        selected=selected,
        reason=reason.strip(),
        decided_by=staff,
    )
