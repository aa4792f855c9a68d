"""Participatory budgets: budgets and their headings, projects, voters, secret ballots, outcomes.

Secrecy is in the schema. A ``Ballot`` has a random UUID and no timestamp or sequence; its lines
have random ids too. Who cast which ballot is only in ``BallotLink``, which voting's close
empties in the same transaction, leaving ``Voter.has_voted``: after close no query can join a
ballot back to a voter.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.files.storage import Storage
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from consent.registry import personal


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
    # The cycle: each phase starts at its date (the supports phase is optional); beat moves the
    # phase forward when a date passes, or staff move it by hand (budgets.services.cycle).
    information_starts = models.DateTimeField(_("information starts"), null=True, blank=True)
    proposals_starts = models.DateTimeField(_("proposals start"), null=True, blank=True)
    supports_starts = models.DateTimeField(_("supports start"), null=True, blank=True)
    review_starts = models.DateTimeField(_("review starts"), null=True, blank=True)
    voting_starts = models.DateTimeField(_("voting starts"), null=True, blank=True)
    results_starts = models.DateTimeField(_("results are published"), null=True, blank=True)
    implementation_starts = models.DateTimeField(_("implementation starts"), null=True, blank=True)
    support_threshold = models.PositiveIntegerField(
        _("supports needed for pre-selection"),
        default=0,
        help_text=_("With a supports phase, proposals with fewer supports are not reviewed."),
    )
    review_published_at = models.DateTimeField(
        _("review published on"), null=True, blank=True, editable=False
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

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("budgets:budget", args=[self.pk])

    @property
    def phase_starts(self) -> datetime | None:
        return getattr(self, f"{self.phase}_starts", None)

    @property
    def phase_ends(self) -> datetime | None:
        """When the current phase ends: the next dated phase's start (None: not set yet)."""
        phases = [phase.value for phase in self.Phase]
        for later in phases[phases.index(self.phase) + 1 :]:
            starts = getattr(self, f"{later}_starts", None)
            if starts is not None:
                return starts
        return None


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


# --- The cycle's residents' side: proposals, supports, subscriptions, photos, tracking ----------

PHASE_ORDER = [phase.value for phase in Budget.Phase]
# Each phase's start date field on Budget, in order (the supports phase is optional).
PHASE_STARTS = {phase: f"{phase}_starts" for phase in PHASE_ORDER}


def _private_storage() -> Storage:
    from django.core.files.storage import storages

    return storages["private"]


class Proposal(models.Model):
    """A resident's idea for a budget. Editable by its proposer until review; reviewed by a
    budget officer (feasibility, final cost, duplicates); once the review is published, a
    feasible proposal becomes a ``Project`` of its heading, for voting."""

    class Feasibility(models.TextChoices):
        PENDING = "pending", _("Not reviewed yet")
        FEASIBLE = "feasible", _("Feasible")
        UNFEASIBLE = "unfeasible", _("Not feasible")

    budget = models.ForeignKey(
        Budget, verbose_name=_("budget"), on_delete=models.CASCADE, related_name="proposals"
    )
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="budget_proposals",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5000)
    district = models.ForeignKey(
        "civic.District",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Empty: the whole city."),
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    estimated_cost = models.DecimalField(_("estimated cost"), max_digits=16, decimal_places=2)
    final_cost = models.DecimalField(
        _("final cost"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    feasibility = models.CharField(
        _("feasibility"), max_length=12, choices=Feasibility.choices, default=Feasibility.PENDING
    )
    explanation = models.TextField(
        _("public explanation"),
        blank=True,
        help_text=_("Published with the review; required when the proposal is not feasible."),
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged",
    )
    project = models.OneToOneField(
        Project,
        verbose_name=_("project on the ballot"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposal",
    )
    created_at = models.DateTimeField(_("proposed on"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(estimated_cost__gte=0),
                name="budgets_proposal_cost_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("budgets:proposal", args=[self.pk])

    @property
    def cost(self) -> Decimal:
        return self.final_cost if self.final_cost is not None else self.estimated_cost


class Support(models.Model):
    """A resident backs a proposal (one each); enough supports pre-select it."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="supports"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
        on_delete=models.CASCADE,
        related_name="budget_supports",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"], name="budgets_support_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.proposal}"


class Subscription(models.Model):
    """A resident follows a budget: an email when its phase changes and, for the projects they
    supported or once they voted, when the works move on."""

    budget = models.ForeignKey(
        Budget, verbose_name=_("budget"), on_delete=models.CASCADE, related_name="subscriptions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
        on_delete=models.CASCADE,
        related_name="budget_subscriptions",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("budget subscription")
        verbose_name_plural = _("budget subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["budget", "user"], name="budgets_subscription_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.budget}"


class Milestone(models.Model):
    """A step in building a selected project, with its status and progress at that date; the
    latest one is where the project stands."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("Works in progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="milestones"
    )
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), validators=[MaxValueValidator(100)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="budgets_milestone_progress_max"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Photo(models.Model):
    """A photo of a proposal or of a milestone, through the core pipeline: only processed copies
    (metadata stripped, re-encoded); ``original`` (unblurred, private) until the blur task has
    published ``image`` and ``thumbnail``. Without a proposal or milestone it belongs to a form
    being filled (``draft``), so a failed attempt keeps it."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for anonymisation")
        READY = "ready", _("Public")
        FAILED = "failed", _("Anonymisation failed")

    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    milestone = models.ForeignKey(
        Milestone, null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    draft = models.CharField(max_length=64, blank=True, db_index=True)
    original = personal(models.FileField(_("unblurred copy"), storage=_private_storage, blank=True))
    image = models.FileField(_("public copy"), blank=True)
    thumbnail = models.FileField(_("thumbnail"), blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    faces = models.PositiveIntegerField(_("faces and plates blurred"), default=0)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return str(_("Photo %(id)s") % {"id": self.pk})

    @property
    def is_public(self) -> bool:
        return self.state == self.State.READY and bool(self.image)


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
