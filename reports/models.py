"""Anomaly reports: categories and routing, reports, photos, updates, followers and supports."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.files.storage import Storage
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from civic.actors import Channel
from consent.registry import personal


def _private_storage() -> Storage:
    from django.core.files.storage import storages

    return storages["private"]


class Category(models.Model):
    """What kind of problem; owned by a department, which receives it unless a district rule says
    otherwise. ``questions`` are the category's own fields (Open311 attributes)::

        [{"code": "depth", "label": "Profond ?", "label_en": "How deep?", "required": false,
          "help": "…", "help_en": "…",
          "datatype": "string" | "number" | "text" | "singlevaluelist",
          "values": [{"key": "oui", "name": "Oui", "name_en": "Yes"}, ...]}]

    Labels, help and value names in French; an ``_en`` key gives the English (French when
    absent), like the ``*_en`` columns.
    """

    service_code = models.SlugField(_("Open311 service code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=150)
    group = models.CharField(_("group"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    # English versions, shown when the page is in English; French (above) when left empty.
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)
    group_en = models.CharField(_("group (English)"), max_length=100, blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    icon = models.CharField(_("icon"), max_length=16, blank=True, help_text=_("An emoji."))
    department = models.ForeignKey(
        "civic.Department", verbose_name=_("department"), on_delete=models.PROTECT
    )
    nearby_radius_m = models.PositiveIntegerField(
        _("nearby radius (m)"),
        default=250,
        help_text=_("Open reports within this distance are offered before a new one is sent."),
    )
    anonymous_allowed = models.BooleanField(
        _("anonymous reports allowed"),
        default=False,
        help_text=_("Reports without any contact details are published at once."),
    )
    questions = models.JSONField(_("extra questions"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["group", "order", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        group = self.display_group
        return f"{group} · {self.display_name}" if group else self.display_name

    def localized(self, field: str, language: str | None = None) -> str:
        """``field`` in ``language`` (default: the active one); French when no English is given."""
        language = (language or get_language() or "fr").split("-")[0]
        if language == "en":
            return str(getattr(self, f"{field}_en") or getattr(self, field))
        return str(getattr(self, field))

    @property
    def display_name(self) -> str:
        return self.localized("name")

    @property
    def display_group(self) -> str:
        return self.localized("group")

    @property
    def display_description(self) -> str:
        return self.localized("description")

    def names(self) -> dict[str, str]:
        """The name in every language of the site, for texts rendered later in any of them."""
        return {code: self.localized("name", code) for code, _name in settings.LANGUAGES}

    def localized_questions(self, language: str | None = None) -> list[dict[str, Any]]:
        """The questions with ``label``, ``help`` and each value's ``name`` in ``language``:
        a question may carry ``label_en``, ``help_en`` and values' ``name_en`` beside the French."""
        language = (language or get_language() or "fr").split("-")[0]

        def pick(item: dict[str, Any], key: str) -> Any:
            if language != settings.LANGUAGE_CODE and item.get(f"{key}_{language}"):
                return item[f"{key}_{language}"]
            return item.get(key)

        questions = []
        for question in self.questions or []:
            localized = {**question, "label": pick(question, "label") or question.get("code")}
            localized["help"] = pick(question, "help") or ""
            if question.get("values"):
                localized["values"] = [
                    {**value, "name": pick(value, "name") or value.get("key")}
                    for value in question["values"]
                ]
            questions.append(localized)
        return questions


class RoutingRule(models.Model):
    """In this district, this category goes to another department."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="routing_rules")
    district = models.ForeignKey("civic.District", on_delete=models.CASCADE)
    department = models.ForeignKey("civic.Department", on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.UniqueConstraint(fields=["category", "district"], name="reports_route_unique")
        ]

    def __str__(self) -> str:
        return f"{self.category} / {self.district} → {self.department}"


class Status(models.TextChoices):
    UNCONFIRMED = "unconfirmed", _("Unconfirmed")
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    PLANNED = "planned", _("Planned")
    FIXED = "fixed", _("Fixed")
    CLOSED = "closed", _("Closed (no further action)")
    NOT_RESPONSIBLE = "not_responsible", _("Not the city's responsibility")
    DUPLICATE = "duplicate", _("Duplicate")
    HIDDEN = "hidden", _("Hidden")


STATUS_MEANINGS = {
    Status.UNCONFIRMED: _("Waiting for the sender to confirm their email address."),
    Status.OPEN: _("Received: the city will look at it soon."),
    Status.ACKNOWLEDGED: _("The responsible service has seen it and will deal with it."),
    Status.IN_PROGRESS: _("Work is under way."),
    Status.PLANNED: _("Work is scheduled; it may take a while."),
    Status.FIXED: _("The problem has been fixed."),
    Status.CLOSED: _("The city has looked into it and will take no further action."),
    Status.NOT_RESPONSIBLE: _(
        "This is not the city's responsibility; we passed it on if we could."
    ),
    Status.DUPLICATE: _("Already reported: follow the original report instead."),
    Status.HIDDEN: _("This report is not public."),
}
PUBLIC_STATUSES = frozenset(Status) - {Status.UNCONFIRMED, Status.HIDDEN}
OPEN311_OPEN = frozenset({Status.OPEN, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.PLANNED})
CLOSED_STATUSES = PUBLIC_STATUSES - OPEN311_OPEN

# Reasons the system gives when it hides a report, stored as these English keys (the issue's
# words) and shown in the reader's language.
HIDDEN_REASON_WITHDRAWN = "withdrawn by author"
HIDDEN_REASON_HELD_BACK = "held back: sender on the abuse list"
SYSTEM_HIDDEN_REASONS = {
    HIDDEN_REASON_WITHDRAWN: _("withdrawn by author"),
    HIDDEN_REASON_HELD_BACK: _("held back: sender on the abuse list"),
}


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


class ReportQuerySet(models.QuerySet["Report"]):
    def public(self) -> ReportQuerySet:
        return self.filter(status__in=PUBLIC_STATUSES)


class Report(models.Model):
    """One problem. Its integer id is its address, the API's id and Open311's request id."""

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="reports"
    )
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    # The Morton code of the zoom-20 map tile holding the point (reports.tiles.cell_of).
    cell = models.BigIntegerField(null=True, blank=True, editable=False)
    district = models.ForeignKey(
        "civic.District",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.CharField(_("address or place"), max_length=255, blank=True)
    description = models.TextField(_("description"))
    answers = models.JSONField(_("answers to the category's questions"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.UNCONFIRMED
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, default=Channel.WEB
    )
    department = models.ForeignKey(
        "civic.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    contact_email = personal(models.EmailField(_("contact email"), blank=True))
    contact_name = personal(models.CharField(_("contact name"), max_length=150, blank=True))
    contact_phone = personal(models.CharField(_("contact phone"), max_length=40, blank=True))
    show_name = models.BooleanField(_("show the sender's name publicly"), default=False)
    language = models.CharField(_("sender's language"), max_length=8, default="fr")
    api_client = models.ForeignKey(
        "civic.ApiClient", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    idempotency_key = models.CharField(max_length=200, blank=True, editable=False)
    client_media_url = models.URLField(
        _("media link sent by the client (never fetched)"), max_length=500, blank=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_reports",
        limit_choices_to={"is_staff": True},
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )
    hidden_reason = models.CharField(_("reason for hiding"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    confirmed_at = models.DateTimeField(_("published"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    fixed_at = models.DateTimeField(_("fixed"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # "Is it fixed?" was asked of the author (swept by beat, see services.fixed_question_sweep).
    fixed_question_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects: ClassVar[ReportQuerySet] = ReportQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        permissions = [
            ("triage_all", _("Can triage reports of every department")),
            ("view_unblurred_photo", _("Can open unblurred photos (recorded)")),
        ]
        indexes = [
            models.Index(fields=["lat", "lon"], name="reports_location"),
            models.Index(fields=["status", "-updated_at"], name="reports_status_updated"),
            models.Index(
                fields=["cell"],
                name="reports_open_cell",
                condition=Q(status__in=["open", "acknowledged", "in_progress", "planned"]),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="reports_idempotency_unique",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.category.display_name}"

    def get_absolute_url(self) -> str:
        return reverse("reports:detail", args=[self.pk])

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    @property
    def is_open(self) -> bool:
        return self.status in OPEN311_OPEN

    @property
    def status_meaning(self) -> str:
        return str(STATUS_MEANINGS[Status(self.status)])

    @property
    def hidden_reason_display(self) -> str:
        """Why it is hidden, in the reader's language when the system gave the reason."""
        return str(SYSTEM_HIDDEN_REASONS.get(self.hidden_reason, self.hidden_reason))

    @property
    def public_name(self) -> str:
        if not self.show_name:
            return ""
        if self.reporter is not None:
            return self.reporter.display_name
        return self.contact_name

    @property
    def sender_email(self) -> str:
        if self.reporter is not None and self.reporter.email:
            return self.reporter.email
        return self.contact_email


class Photo(models.Model):
    """Only processed copies are stored: metadata stripped, re-encoded, at most 2048 px.

    ``original`` (unblurred, private storage) exists from the upload; ``image`` and ``thumbnail``
    (faces pixelated) once the blur task has succeeded. Until then the photo is not public.
    A photo without a report belongs to a form being filled (``draft``), so a failed
    submission keeps it.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for anonymisation")
        READY = "ready", _("Public")
        FAILED = "failed", _("Anonymisation failed")

    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    draft = models.CharField(max_length=64, blank=True, db_index=True)
    original = personal(models.FileField(_("unblurred copy"), storage=_private_storage))
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


class Update(models.Model):
    """A step in a report's life: a public answer, an internal note, a change of state.

    A person's words are kept in ``text`` as written. A text the system writes (a new category,
    a duplicate, the author's answer to "is it fixed?") is stored as a ``kind`` and its
    ``params`` and rendered in the reader's language (``display_text``); ``text`` then holds
    it in the city's language, for rows read without rendering. Names in ``params`` are kept
    in every language of the site (``{"fr": …, "en": …}``) as they were at the time.
    """

    class Kind(models.TextChoices):
        WRITTEN = "", _("written by a person")
        RECATEGORISED = "recategorised", _("category changed")
        DUPLICATE = "duplicate", _("duplicate")
        FIXED_BY_AUTHOR = "fixed_by_author", _("fixed, says the author")
        REOPENED_BY_AUTHOR = "reopened_by_author", _("reopened by the author")
        WITHDRAWN = "withdrawn", _("withdrawn by author")
        ASSIGNED = "assigned", _("assigned")
        UNASSIGNED = "unassigned", _("no longer assigned")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_public = models.BooleanField(_("public"), default=True)
    text = models.TextField(_("text"), blank=True)
    kind = models.CharField(
        _("kind"), max_length=30, choices=Kind.choices, blank=True, default=Kind.WRITTEN
    )
    params = models.JSONField(default=dict, blank=True)
    status_from = models.CharField(max_length=20, choices=Status.choices, blank=True)
    status_to = models.CharField(max_length=20, choices=Status.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("update")
        verbose_name_plural = _("updates")

    def __str__(self) -> str:
        return str(_("Update %(id)s of #%(report)s") % {"id": self.pk, "report": self.report_id})

    @property
    def status_label(self) -> str:
        return str(Status(self.status_to).label) if self.status_to else ""

    @property
    def display_text(self) -> str:
        """The text in the active language (the reader's)."""
        return self.text_in(get_language() or settings.LANGUAGE_CODE)

    def text_in(self, language: str) -> str:
        message = UPDATE_TEXTS.get(self.kind)
        if message is None:
            return self.text
        language = language.split("-")[0]
        params = {key: _in_language(value, language) for key, value in self.params.items()}
        with translation.override(language):
            try:
                return str(message) % params
            except (KeyError, TypeError, ValueError):  # params of an older shape
                return self.text

    @classmethod
    def system(cls, kind: str, **params: Any) -> dict[str, Any]:
        """The fields of a system-written update: ``Update.objects.create(**Update.system(…))``."""
        update = cls(kind=kind, params=params)
        return {"kind": kind, "params": params, "text": update.text_in(settings.LANGUAGE_CODE)}


def _in_language(value: Any, language: str) -> Any:
    if isinstance(value, dict):
        return (
            value.get(language)
            or value.get(settings.LANGUAGE_CODE)
            or next(iter(value.values()), "")
        )
    return value


UPDATE_TEXTS: dict[str, Any] = {
    Update.Kind.RECATEGORISED: _(
        "Category changed from %(old)s to %(new)s; sent to %(department)s."
    ),
    Update.Kind.DUPLICATE: _("Already reported as #%(id)s: follow that report instead."),
    Update.Kind.FIXED_BY_AUTHOR: _("Fixed, says the author."),
    Update.Kind.REOPENED_BY_AUTHOR: _("Reopened: the author says the problem is still there."),
    Update.Kind.WITHDRAWN: _("withdrawn by author"),
    Update.Kind.ASSIGNED: _("Assigned to %(name)s."),
    Update.Kind.UNASSIGNED: _("No longer assigned to anyone."),
}


class Subscription(models.Model):
    """Someone follows a report: they are told of its status changes and public updates."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="subscriptions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_subscriptions"
    )
    # Private mode pauses follows: a paused one sends nothing until private mode is turned off.
    paused = models.BooleanField(_("paused (private mode)"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "user"], name="reports_follow_once")
        ]
        verbose_name = _("follower")
        verbose_name_plural = _("followers")

    def __str__(self) -> str:
        return str(_("Follow %(id)s") % {"id": self.pk})


class Support(models.Model):
    """ "Me too": a resident has the same problem, instead of filing a duplicate."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_supports"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "user"], name="reports_support_once")
        ]
        verbose_name = _("support")
        verbose_name_plural = _("supports")

    def __str__(self) -> str:
        return str(_("Support %(id)s") % {"id": self.pk})


class ResponseTemplate(models.Model):
    """A ready-made public answer staff pick when changing a report's state."""

    title = models.CharField(_("title"), max_length=150)
    text = models.TextField(_("text"))
    status = models.CharField(
        _("suggested status"), max_length=20, choices=Status.choices, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("response template")
        verbose_name_plural = _("response templates")

    def __str__(self) -> str:
        return self.title


class Abuser(models.Model):
    """A sender whose reports are held back (hidden, for staff to review) instead of published."""

    email = personal(models.EmailField(_("email address"), unique=True))
    reason = models.CharField(_("reason"), max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("listed sender")
        verbose_name_plural = _("abuse list")

    def __str__(self) -> str:
        return str(_("Listed sender %(id)s") % {"id": self.pk})


class AreaAlert(models.Model):
    """New reports in a district, or within a radius of a point, sent as a daily digest."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_alerts"
    )
    district = models.ForeignKey(
        "civic.District", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    radius_m = models.PositiveIntegerField(default=500)
    last_sent_at = models.DateTimeField()
    # Private mode pauses area alerts: no digest is sent for a paused alert.
    paused = models.BooleanField(_("paused (private mode)"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("area alert")
        verbose_name_plural = _("area alerts")

    def __str__(self) -> str:
        return str(_("Area alert %(id)s") % {"id": self.pk})
