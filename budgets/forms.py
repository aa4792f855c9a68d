"""Residents' forms for budgets: a proposal (with photos kept between attempts)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civic.forms import MultipleFileInput, PhotosField
from civic.models import District


class ProposalForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        error_messages={"required": _("Give your proposal a title.")},
    )
    description = forms.CharField(
        label=_("Describe your proposal"),
        help_text=_("What, for whom, and why it matters. Avoid names of people."),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        error_messages={"required": _("Describe your proposal.")},
    )
    estimated_cost = forms.DecimalField(
        label=_("Estimated cost (euros)"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_("Your best guess: the city checks it during the review."),
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
        error_messages={"required": _("Give an estimated cost, even a rough one.")},
    )
    district = forms.ModelChoiceField(
        label=_("District"),
        queryset=District.objects.order_by("name"),
        required=False,
        empty_label=_("The whole city"),
    )
    lat = forms.FloatField(
        label=_("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    lon = forms.FloatField(
        label=_("Longitude"),
        required=False,
        min_value=-180,
        max_value=180,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    photos = PhotosField(
        label=_("Photos (up to 3)"),
        required=False,
        help_text=_("JPEG, PNG, WebP or HEIC, 15 MB at most. Faces are blurred before publishing."),
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/heic"}),
    )
    remove_photos = forms.TypedMultipleChoiceField(
        label=_("Remove"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    draft = forms.CharField(widget=forms.HiddenInput, required=False)

    def set_photos(self, photos: list[Any]) -> None:
        self.fields["remove_photos"].choices = [  # type: ignore[attr-defined]
            (photo.pk, _("Photo %(n)s") % {"n": i + 1}) for i, photo in enumerate(photos)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("lat") is None) != (data.get("lon") is None):
            self.add_error("lat", _("Give both the latitude and the longitude."))
        return data

    def submission(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "estimated_cost": data["estimated_cost"],
            "district": data["district"],
            "latitude": data["lat"],
            "longitude": data["lon"],
        }
