"""Participatory budgets: budgets and their headings, projects, voters, secret ballots, outcomes.

Secrecy is in the schema. A ``Ballot`` has a random UUID and no timestamp or sequence; its lines
have random ids too. Who cast which ballot is only in ``BallotLink``, which voting's close
empties in the same transaction, leaving ``Voter.has_voted``: after close no query can join a
ballot back to a voter.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def default_minimum_age() -> int:
    """The city's minimum voting age (``CIVIC_BUDGET_MIN_AGE``), copied onto each new budget."""
    return int(settings.CIVIC_BUDGET_MIN_AGE)


class Budget(models.Model):
    """One cycle of a participatory budget, with its voting rule (locked once voting opens)."""

    class Phase(models.TextChoices):
        INFORMATION = "information", _("Information")
        PROPOSALS = "proposals", _("Proposals")
        SUPPORTS = "supports", _("Supports")
        REVIEW = "review", _("Review")
        VOTING = "voting", _("Voting")
        RESULTS = "results", _("Results")
        IMPLEMENTATION = "implementation", _("Implementation")

    class VotingRule(models.TextChoices):
        KNAPSACK = "knapsack", _("Knapsack: projects within the heading's budget")
        APPROVAL = "approval", _("Approval: a number of projects")

    title = models.CharField(_("title"), max_length=200)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    phase = models.CharField(
        _("phase"), max_length=20, choices=Phase.choices, default=Phase.INFORMATION
    )
    voting_rule = models.CharField(
        _("voting rule"), max_length=20, choices=VotingRule.choices, default=VotingRule.KNAPSACK
    )
    counting_rule = models.CharField(
        _("counting rule"),
        max_length=10,
        choices=[
            ("greedy", _("Greedy by votes")),
            ("mes", _("Method of Equal Shares with completion")),
        ],
        default="mes",
    )
    min_projects = models.PositiveIntegerField(_("minimum projects per ballot"), default=0)
    max_projects = models.PositiveIntegerField(
        _("maximum projects per ballot"), null=True, blank=True
    )
    minimum_age = models.PositiveSmallIntegerField(
        _("minimum voting age"),
        default=default_minimum_age,
        help_text=_("Residents vote from the calendar year in which they reach this age."),
    )
    district_voting = models.BooleanField(
        _("voters also vote in their district"),
        default=True,
        help_text=_(
            "A voter votes in the city-wide headings and, when this is on, in their district's."
        ),
    )
    voting_closed = models.BooleanField(
        _("voting closed"),
        default=False,
        help_text=_("Once closed, ballots are no longer linked to voters."),
    )
    meta = models.JSONField(
        _("pabulib metadata"),
        default=dict,
        blank=True,
        help_text=_("The META section of an imported file, written back on export."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")

    def __str__(self) -> str:
        return self.title


class Heading(models.Model):
    """A part of a budget with its own amount: city-wide (no district) or one district's."""

    budget = models.ForeignKey(
        Budget, verbose_name=_("budget"), on_delete=models.CASCADE, related_name="headings"
    )
    name = models.CharField(_("name"), max_length=200)
    district = models.ForeignKey(
        "civic.District",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["budget", "name"]
        verbose_name = _("heading")
        verbose_name_plural = _("headings")

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    """A project residents can vote for in one heading."""

    heading = models.ForeignKey(
        Heading, verbose_name=_("heading"), on_delete=models.CASCADE, related_name="projects"
    )
    pabulib_id = models.CharField(
        _("pabulib id"),
        max_length=64,
        help_text=_("Its project_id in pabulib exports; ties are broken by this id as text."),
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    cost = models.DecimalField(_("cost"), max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["heading", "pabulib_id"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.UniqueConstraint(
                fields=["heading", "pabulib_id"], name="budgets_project_unique_pabulib_id"
            ),
            models.CheckConstraint(
                condition=models.Q(cost__gte=0), name="budgets_project_cost_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Voter(models.Model):
    """A resident who may vote in a budget, and whether they have. Never says for what.

    Eligibility is checked once, in person by staff, by a mediator under mandate, or by a
    one-time code printed on a letter (then there is no account: ``user`` is empty and only the
    code's hash is kept)."""

    class Verification(models.TextChoices):
        IN_PERSON = "in_person", _("In person, by staff")
        MEDIATOR = "mediator", _("By a mediator under mandate")
        LETTER = "letter", _("By a voting code sent by letter")

    budget = models.ForeignKey(
        Budget, verbose_name=_("budget"), on_delete=models.CASCADE, related_name="voters"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )
    district = models.ForeignKey(
        "civic.District",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    verified_how = models.CharField(
        _("verified how"), max_length=20, choices=Verification.choices, blank=True
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    code_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    code_used = models.BooleanField(_("code used"), default=False)
    has_voted = models.BooleanField(_("has voted"), default=False)

    class Meta:
        verbose_name = _("voter")
        verbose_name_plural = _("voters")
        constraints = [
            models.UniqueConstraint(fields=["budget", "user"], name="budgets_voter_unique")
        ]

    def __str__(self) -> str:
        if self.user is None:
            return str(_("Voter by letter code (%(budget)s)") % {"budget": self.budget})
        return f"{self.user} ({self.budget})"


class Ballot(models.Model):
    """A ballot in one heading. Its id is random and it carries no time: nothing in it orders
    ballots or points to who cast it."""

    class Channel(models.TextChoices):
        WEB = "web", _("Web")
        PAPER = "paper", _("Paper")
        KIOSK = "kiosk", _("Kiosk")
        MEDIATOR = "mediator", _("Mediator")
        IMPORT = "import", _("Imported")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    heading = models.ForeignKey(
        Heading, verbose_name=_("heading"), on_delete=models.CASCADE, related_name="ballots"
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    projects = models.ManyToManyField(
        Project, verbose_name=_("projects"), through="BallotLine", related_name="ballots"
    )

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")

    def __str__(self) -> str:
        return str(self.id)


class BallotLine(models.Model):
    """One project chosen on a ballot (random id: line ids must not order ballots either)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="lines")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="lines")

    class Meta:
        verbose_name = _("ballot line")
        verbose_name_plural = _("ballot lines")
        constraints = [
            models.UniqueConstraint(fields=["ballot", "project"], name="budgets_ballotline_unique")
        ]

    def __str__(self) -> str:
        return str(self.id)


class BallotLink(models.Model):
    """Who cast a ballot, while voting is open (a resident sees and edits their own ballot).
    Emptied when voting closes; one ballot per voter per heading."""

    voter = models.ForeignKey(Voter, on_delete=models.CASCADE, related_name="ballot_links")
    heading = models.ForeignKey(Heading, on_delete=models.CASCADE, related_name="+")
    ballot = models.OneToOneField(Ballot, on_delete=models.CASCADE, related_name="link")

    class Meta:
        verbose_name = _("ballot link")
        verbose_name_plural = _("ballot links")
        constraints = [
            models.UniqueConstraint(
                fields=["voter", "heading"], name="budgets_ballotlink_one_per_heading"
            )
        ]

    def __str__(self) -> str:
        return str(self.ballot_id)


class Outcome(models.Model):
    """A heading's computed result under one rule, cached: counted once, read many times.

    ``fingerprint`` is a hash of the ballots and costs it was computed from; a different one
    means the cache is stale (ballots cannot change after close, costs could by mistake)."""

    class Rule(models.TextChoices):
        GREEDY = "greedy", _("Greedy by votes")
        MES = "mes", _("Method of Equal Shares with completion")

    heading = models.ForeignKey(
        Heading, verbose_name=_("heading"), on_delete=models.CASCADE, related_name="outcomes"
    )
    rule = models.CharField(_("rule"), max_length=10, choices=Rule.choices)
    fingerprint = models.CharField(max_length=64)
    selected = models.JSONField(_("selected projects"), default=list)
    details = models.JSONField(
        _("details"),
        default=dict,
        help_text=_("Votes per project and, for Equal Shares, how the voters' shares paid."),
    )
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        constraints = [
            models.UniqueConstraint(fields=["heading", "rule"], name="budgets_outcome_unique")
        ]

    def __str__(self) -> str:
        return f"{self.heading} ({self.get_rule_display()})"


class ResultOverride(models.Model):
    """A staff decision that changes a heading's published result, with its public reason.

    Shown on the results page next to the count it departs from; never edited or deleted
    through the site (a new decision is a new row)."""

    heading = models.ForeignKey(
        Heading, verbose_name=_("heading"), on_delete=models.CASCADE, related_name="overrides"
    )
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="+"
    )
    selected = models.BooleanField(
        _("selected"), help_text=_("Whether the project is funded after this decision.")
    )
    reason = models.TextField(_("public reason"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    class Meta:
        ordering = ["decided_at"]
        verbose_name = _("result override")
        verbose_name_plural = _("result overrides")

    def __str__(self) -> str:
        return f"{self.project} ({self.decided_at:%Y-%m-%d})"
