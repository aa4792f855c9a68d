"""The budget staff's admin for voting: residents' eligibility checked in person, and decisions
that change a result, each through its service. Ballots have no admin page at all: staff never
see who voted for what (paper ballots are typed in on a page of their own)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from budgets.models import Project, ResultOverride, Voter
from budgets.services import voting
from civic.actors import Actor, Channel
from civic.errors import CivicError
from consent.admin import PersonalDataAdminMixin
from consent.registry import personal_fields


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
