from __future__ import annotations

import re
import secrets
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civic.models import District
from reports.attributes import MAX_ANSWER, answers_check, field_name
from reports.models import PUBLIC_STATUSES, Category, Report, Status
from reports.selectors import categories_grouped, reports_near

DRAFT_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def draft_token(value: str | None) -> str:
    """The form's token for photos kept between attempts; a fresh one when absent or odd."""
    if value and DRAFT_RE.match(value):
        return value
    return secrets.token_urlsafe(24)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several files; the view cleans each one (``civic.photos.photo_clean``) and keeps it."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> Any:
        return None


class _Answer(forms.Field):
    """A question's field only draws it and says when a required answer is missing, in the
    form's usual words; ``reports.attributes`` checks the answer (in ``ReportForm.clean``)."""

    def clean(self, value: Any) -> Any:
        if self.required and not (isinstance(value, str) and value.strip()):
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return value


class AnswerChoiceField(_Answer, forms.ChoiceField):
    pass


class AnswerTextField(_Answer, forms.CharField):
    pass


class ReportForm(forms.Form):
    category = forms.TypedChoiceField(
        label=_("What is the problem?"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": _("Choose a category from the list."),
            "required": _("Choose a category."),
        },
    )
    description = forms.CharField(
        label=_("Describe it"),
        help_text=_("What, and where exactly? Avoid names of people."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        error_messages={"required": _("Describe the problem in a few words.")},
    )
    lat = forms.FloatField(
        label=_("Latitude"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    lon = forms.FloatField(
        label=_("Longitude"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    address = forms.CharField(
        label=_("Address or description of the place"),
        required=False,
        max_length=255,
        help_text=_("Without a point on the map, the city will place it for you."),
    )
    district = forms.ModelChoiceField(
        label=_("District"),
        queryset=District.objects.order_by("name"),
        required=False,
        empty_label=_("— choose —"),
    )
    photos = PhotosField(
        label=_("Photos (up to 5)"),
        required=False,
        help_text=_("JPEG, PNG, WebP or HEIC, 15 MB at most. Faces are blurred before publishing."),
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/heic"}),
    )
    remove_photos = forms.TypedMultipleChoiceField(
        label=_("Remove"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    show_name = forms.BooleanField(
        label=_("Show my name on the public report"), required=False, initial=False
    )
    email = forms.EmailField(
        label=_("Your email"),
        required=False,
        help_text=_("To confirm the report and tell you how it goes. Never published."),
    )
    name = forms.CharField(label=_("Your name"), required=False, max_length=150)
    phone = forms.CharField(label=_("Your phone (optional)"), required=False, max_length=40)
    # A field people never see: robots fill it in.
    website = forms.CharField(label=_("Leave this field empty"), required=False)
    draft = forms.CharField(widget=forms.HiddenInput, required=False)
    # Set once the "already reported?" list has been shown: the next send goes through.
    nearby_seen = forms.BooleanField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        user: Any = None,
        draft_ids: tuple[int, ...] = (),
        kiosk: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # On a public terminal: no email asked, and no file chooser of the terminal's disk (the
        # kiosk's camera script, when the terminal has a camera, puts its photo in the field).
        self.kiosk = kiosk
        # Radios grouped under their group's name, each with its description (see the template).
        self.category_groups = [
            (categories[0].display_group or _("Other"), categories)
            for _group, categories in categories_grouped()
        ]
        self.fields["category"].choices = [  # type: ignore[attr-defined]
            (c.pk, c.display_name)
            for _group, categories in self.category_groups
            for c in categories
        ]
        self.fields["remove_photos"].choices = [  # type: ignore[attr-defined]
            (pk, _("Photo %(n)s") % {"n": i + 1}) for i, pk in enumerate(draft_ids)
        ]
        if kiosk or (user is not None and user.is_authenticated):
            for name in ("email", "name", "phone"):
                del self.fields[name]
        if kiosk:
            self.fields["photos"].widget = MultipleFileInput(
                attrs={"accept": "image/jpeg", "hidden": True, "data-kiosk-camera": True}
            )
        self.question_fields = self._add_questions()

    def _add_questions(self) -> list[str]:
        """The chosen category's own questions, as fields named ``attribute[code]``."""
        raw = self.data.get("category") if self.is_bound else None
        category = (
            Category.objects.filter(pk=raw, is_active=True).first()
            if raw and str(raw).isdigit()
            else None
        )
        self.question_category = category
        names = []
        for question in category.localized_questions() if category else []:
            name = field_name(str(question.get("code")))
            label = question["label"]
            required = bool(question.get("required"))
            if question.get("values"):
                choices = [("", _("— choose —"))] + [
                    (str(v.get("key")), v["name"]) for v in question["values"]
                ]
                self.fields[name] = AnswerChoiceField(
                    label=label, choices=choices, required=required, help_text=question["help"]
                )
            else:
                self.fields[name] = AnswerTextField(
                    label=label,
                    required=required,
                    max_length=MAX_ANSWER,
                    help_text=question["help"],
                )
            names.append(name)
        return names

    def answers(self) -> dict[str, str]:
        """The answers as ``reports.attributes`` reads them (once the form is valid)."""
        if self.question_category is None:
            return {}
        return answers_check(self.data, self.question_category)[0]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.question_category is not None:
            # The answers are checked by the parser the API and Open311 use, so the three
            # accept and refuse the same.
            for name, message in answers_check(self.data, self.question_category)[1].items():
                if name in self.fields and not self.has_error(name):
                    self.add_error(name, message)
        lat, lon = data.get("lat"), data.get("lon")
        if (lat is None) != (lon is None):
            self.add_error("lat", _("Give both the latitude and the longitude."))
        elif lat is None and not (data.get("address") and data.get("district")):
            self.add_error(
                "address",
                _(
                    "Say where the problem is: set a point, or describe the place and pick "
                    "a district."
                ),
            )
        return data

    def nearby_reports(self, category: Category) -> list[Report]:
        """Public reports of this category near the point, offered once ("already reported?")."""
        lat, lon = self.cleaned_data.get("lat"), self.cleaned_data.get("lon")
        if lat is None or lon is None or self.cleaned_data.get("nearby_seen"):
            return []
        return reports_near(category=category, lat=lat, lon=lon)

    def submission(self, category: Category) -> dict[str, Any]:
        """The keyword arguments of ``report_submit`` this form gives (photos aside)."""
        cleaned = self.cleaned_data
        return {
            "category": category,
            "description": cleaned["description"],
            "lat": cleaned.get("lat"),
            "lon": cleaned.get("lon"),
            "address": cleaned.get("address", ""),
            "district": cleaned.get("district") if cleaned.get("lat") is None else None,
            "contact_email": cleaned.get("email", ""),
            "contact_name": cleaned.get("name", ""),
            "contact_phone": cleaned.get("phone", ""),
            "show_name": cleaned.get("show_name", False),
            "answers": self.answers(),
        }

    def category_object(self) -> Category | None:
        pk = self.cleaned_data.get("category")
        if pk is None:
            return None
        return Category.objects.filter(pk=pk, is_active=True).first()


class ConfirmForm(forms.Form):
    """A button: emailed links are followed by a POST, so mail scanners publish nothing."""


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class ReportFilterForm(forms.Form):
    category = CategoryChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True),
        required=False,
        empty_label=_("All"),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    district = forms.ModelChoiceField(
        label=_("District"),
        queryset=District.objects.order_by("name"),
        required=False,
        empty_label=_("All"),
    )
    period = forms.ChoiceField(
        label=_("Sent in the last"),
        required=False,
        choices=[
            ("", _("Any time")),
            ("7", _("7 days")),
            ("30", _("30 days")),
            ("90", _("3 months")),
            ("365", _("year")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All")), ("open", _("Open (any stage)"))] + [  # type: ignore[attr-defined]
            (status.value, status.label) for status in Status if status in PUBLIC_STATUSES
        ]


class ReportEditForm(forms.Form):
    description = forms.CharField(
        label=_("Describe it"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False)


class AreaAlertForm(forms.Form):
    district = forms.ModelChoiceField(
        label=_("District"),
        queryset=District.objects.order_by("name"),
        required=False,
        empty_label=_("— choose —"),
    )
    lat = forms.FloatField(
        label=_("Latitude"), required=False, widget=forms.NumberInput(attrs={"step": "any"})
    )
    lon = forms.FloatField(
        label=_("Longitude"), required=False, widget=forms.NumberInput(attrs={"step": "any"})
    )
    radius_m = forms.IntegerField(
        label=_("Radius (m)"), required=False, initial=500, min_value=50, max_value=5000
    )
