"""The budget officers' staff site, by model: budgets (dates, phase moves, publishing the
review), proposals (feasibility, final cost, duplicates) and the works' milestones; voters'
eligibility checked in person and decisions that change a result. Ballots have no admin page at
all: staff never see who voted for what (paper ballots are typed in on a page of their own).
Steps with invariants or emails go through the services, each in one transaction."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from budgets import services
from budgets.models import (
    PHASE_ORDER,
    Budget,
    Heading,
    Milestone,
    Project,
    Proposal,
    ResultOverride,
    Voter,
)
from budgets.services import voting
from budgets.services.cycle import phase_next
from budgets.services.photos import MAX_PHOTOS, photo_store_draft
from civic.actors import Actor, Channel
from civic.errors import CivicError, InvalidInput
from civic.forms import MultipleFileInput, PhotosField
from civic.photos import photo_clean
from consent.admin import PersonalDataAdminMixin
from consent.registry import personal_fields

# --- Budget ------------------------------------------------------------------------------------


class HeadingInline(admin.TabularInline):
    model = Heading
    extra = 0
    fields = ["name", "district", "amount"]


class BudgetForm(forms.ModelForm):
    class Meta:
        model = Budget
        fields = [
            "title", "currency", "support_threshold", *(f"{p}_starts" for p in PHASE_ORDER),
            "voting_rule", "min_projects", "max_projects", "counting_rule", "minimum_age",
        ]  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk is not None:
            try:
                services.rule_lock_check(
                    self.instance.__class__.objects.get(pk=self.instance.pk), data
                )
            except InvalidInput as exc:
                self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return data


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    form = BudgetForm
    list_display = ["title", "phase", "review_published_at", "voting_closed"]
    readonly_fields = ["phase", "review_published_at", "voting_closed"]
    inlines = [HeadingInline]
    actions = ["move_to_next_phase", "publish_review"]
    fieldsets = [
        (None, {"fields": ["title", "currency", "phase", "support_threshold"]}),
        (
            _("Dates of the phases"),
            {"fields": [f"{phase}_starts" for phase in PHASE_ORDER]},
        ),
        (
            _("Voting rule (locked once voting opens)"),
            {"fields": ["voting_rule", "min_projects", "max_projects", "counting_rule"]},
        ),
        (None, {"fields": ["minimum_age", "review_published_at", "voting_closed"]}),
    ]

    @admin.action(description=_("Move to the next phase"), permissions=["change"])
    def move_to_next_phase(self, request: HttpRequest, queryset: QuerySet[Budget]) -> None:
        for budget in queryset:
            phase = phase_next(budget)
            if phase is None:
                continue
            try:
                services.phase_set(actor=Actor.from_request(request), budget=budget, phase=phase)
            except CivicError as exc:
                self.message_user(request, f"{budget}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, _("%(budget)s moved on.") % {"budget": budget})

    @admin.action(
        description=_("Publish the review (projects go on the ballot)"), permissions=["change"]
    )
    def publish_review(self, request: HttpRequest, queryset: QuerySet[Budget]) -> None:
        for budget in queryset:
            try:
                projects = services.review_publish(actor=Actor.from_request(request), budget=budget)
            except CivicError as exc:
                self.message_user(request, f"{budget}: {exc.message}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(budget)s: %(n)s project(s) on the ballot.")
                    % {"budget": budget, "n": len(projects)},
                )


# --- Proposal ----------------------------------------------------------------------------------


class ProposalReviewForm(forms.ModelForm):
    class Meta:
        model = Proposal
        fields = ["feasibility", "explanation", "final_cost", "merged_into"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("feasibility") == Proposal.Feasibility.UNFEASIBLE
            and not (data.get("explanation") or "").strip()
        ):
            self.add_error("explanation", _("Explain publicly why the proposal is not feasible."))
        into = data.get("merged_into")
        if into is not None and (
            into.pk == self.instance.pk or into.budget_id != self.instance.budget_id
        ):
            self.add_error("merged_into", _("Merge into another proposal of the same budget."))
        return data


@admin.register(Proposal)
class ProposalAdmin(PersonalDataAdminMixin, admin.ModelAdmin):
    form = ProposalReviewForm
    list_display = [
        "title",
        "budget",
        "district",
        "estimated_cost",
        "final_cost",
        "feasibility",
        "supports",
    ]
    list_filter = ["budget", "feasibility", "district"]
    search_fields = ["title", "description"]
    readonly_fields = [
        "budget", "title", "description", "district", "latitude", "longitude",
        "estimated_cost", "created_at", "project", "public_photos",
    ]  # fmt: skip
    fields = [*readonly_fields, "feasibility", "explanation", "final_cost", "merged_into"]
    raw_id_fields = ["merged_into"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Proposal]:
        return super().get_queryset(request).annotate(support_count=Count("supports"))

    @admin.display(description=_("supports"), ordering="support_count")
    def supports(self, obj: Proposal) -> int:
        return obj.support_count  # type: ignore[attr-defined]

    @admin.display(description=_("photos (once blurred)"))
    def public_photos(self, obj: Proposal) -> str:
        photos = [photo for photo in obj.photos.all() if photo.is_public]
        if not photos:
            return "—"
        return format_html_join(
            " ",
            '<a href="{}"><img src="{}" alt="{}" width="120"></a>',
            ((p.image.url, p.thumbnail.url or p.image.url, _("Photo %(id)s") % {"id": p.pk})
             for p in photos),
        )  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # residents propose, on the site

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        actor = Actor.from_request(request)
        data = form.cleaned_data
        into = data.get("merged_into")
        original = Proposal.objects.get(pk=obj.pk)
        if into is not None and into.pk != original.merged_into_id:
            services.proposal_merge(actor=actor, proposal=original, into=into)
        services.proposal_review(
            actor=actor,
            proposal=original,
            feasibility=data["feasibility"],
            explanation=data.get("explanation") or "",
            final_cost=data.get("final_cost"),
        )


# --- Milestone ---------------------------------------------------------------------------------


class MilestoneForm(forms.ModelForm):
    photos = PhotosField(
        label=_("Photos (up to 3)"),
        required=False,
        help_text=_("JPEG, PNG, WebP or HEIC, 15 MB at most. Faces are blurred before publishing."),
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/heic"}),
    )

    class Meta:
        model = Milestone
        fields = ["project", "date", "title", "description", "status", "progress"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        uploads = self.files.getlist("photos") if self.files else []
        if len(uploads) > MAX_PHOTOS:
            self.add_error("photos", _("Send at most 3 photos."))
            return data
        cleaned = []
        for upload in uploads:
            try:
                cleaned.append(photo_clean(upload, name=upload.name or "", size=upload.size))
            except InvalidInput as exc:
                self.add_error("photos", exc.message)
        data["clean_photos"] = cleaned
        return data


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    form = MilestoneForm
    list_display = ["title", "project", "date", "status", "progress"]
    list_filter = ["status"]
    raw_id_fields = ["project"]
    fields = ["project", "date", "title", "description", "status", "progress", "photos"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Milestone, form: Any, change: bool) -> None:
        draft = secrets.token_urlsafe(24)
        photos = [
            photo_store_draft(clean=clean, draft=draft, position=position)
            for position, clean in enumerate(form.cleaned_data.get("clean_photos", []))
        ]
        milestone = services.milestone_add(
            actor=Actor.from_request(request),
            project=obj.project,
            date=obj.date,
            title=obj.title,
            description=obj.description,
            status=obj.status,
            progress=obj.progress,
            photos=photos,
        )
        obj.pk = milestone.pk


# --- Voting ------------------------------------------------------------------------------------


def _staff(request: HttpRequest) -> Actor:
    return Actor(channel=Channel.STAFF, user=request.user)  # type: ignore[arg-type]


class VoterVerifyForm(forms.ModelForm):
    """Checked in person: the resident's account, year of birth (from an identity document) and
    district (from a proof of address)."""

    class Meta:
        model = Voter
        fields = ("budget", "user", "birth_year", "district")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("budget", "user", "birth_year"):
            self.fields[name].required = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        budget, year = data.get("budget"), data.get("birth_year")
        if budget and year and not voting.old_enough(budget=budget, birth_year=year):
            raise ValidationError(
                _("Residents vote from the year they turn %(age)s.") % {"age": budget.minimum_age}
            )
        return data

    def validate_unique(self) -> None:
        """Verifying someone already listed updates their row (the service does it)."""


@admin.register(Voter)
class VoterAdmin(PersonalDataAdminMixin, admin.ModelAdmin):
    form = VoterVerifyForm
    list_display = ("budget", "district", "verified_how", "verified_at", "has_voted")
    list_filter = ("budget", "verified_how", "has_voted", "district")
    raw_id_fields = ("user",)
    readonly_fields = ("verified_how", "verified_at", "verified_by", "has_voted", "code_used")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # "has voted" marks are kept; erasure goes through consent

    def get_queryset(self, request: HttpRequest) -> QuerySet[Voter]:
        return super().get_queryset(request).select_related("budget", "district")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            saved = voting.voter_verify(
                actor=_staff(request),
                budget=form.cleaned_data["budget"],
                user=form.cleaned_data["user"],
                birth_year=form.cleaned_data["birth_year"],
                district=form.cleaned_data["district"],
            )
        except CivicError as exc:
            messages.error(request, exc.message)
            return
        obj.pk = saved.pk
        if change:
            personal = set(personal_fields(Voter))
            changed = [name for name in form.changed_data if name in personal]
            self._record_access(request, saved, changed, changed=True)


class ResultOverrideForm(forms.ModelForm):
    class Meta:
        model = ResultOverride
        fields = ("project", "selected", "reason")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(  # type: ignore[attr-defined]
            heading__budget__voting_closed=True
        ).select_related("heading")


@admin.register(ResultOverride)
class ResultOverrideAdmin(PersonalDataAdminMixin, admin.ModelAdmin):
    """A decision against the count: published with its reason on the results page; never
    edited or deleted (a new decision is a new row)."""

    form = ResultOverrideForm
    list_display = ("project", "heading", "selected", "decided_at")
    list_select_related = ("project", "heading")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            saved = voting.result_override(
                actor=_staff(request),
                project=form.cleaned_data["project"],
                selected=form.cleaned_data["selected"],
                reason=form.cleaned_data["reason"],
            )
        except CivicError as exc:
            messages.error(request, exc.message)
            return
        obj.pk = saved.pk
