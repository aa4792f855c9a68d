from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import ErrorDict
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from civic.addresses import AddressHit, address_nearest, addresses_search, normalise
from civic.forms import MultipleFileInput, PhotosField
from civic.models import District
from reports.attributes import MAX_ANSWER, answers_check, field_name
from reports.models import PUBLIC_STATUSES, Category, Report, Status
from reports.selectors import categories_grouped, reports_near


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


def question_fields(category: Category) -> dict[str, forms.Field]:
    """A category's own questions as form fields named ``attribute[code]``."""
    fields: dict[str, forms.Field] = {}
    for question in category.localized_questions():
        name = field_name(str(question.get("code")))
        label = question["label"]
        required = bool(question.get("required"))
        if question.get("values"):
            choices = [("", _("— choose —"))] + [
                (str(v.get("key")), v["name"]) for v in question["values"]
            ]
            fields[name] = AnswerChoiceField(
                label=label, choices=choices, required=required, help_text=question["help"]
            )
        else:
            fields[name] = AnswerTextField(
                label=label, required=required, max_length=MAX_ANSWER, help_text=question["help"]
            )
    return fields


class QuestionsForm(forms.Form):
    """The questions of a category that is not (yet) chosen, drawn under its radio: their ids
    are the category's own (``q3-attribute[code]``), their inputs disabled, so only the chosen
    category's answers are sent; the page's script enables them when it is chosen."""

    def __init__(self, category: Category) -> None:
        super().__init__(auto_id=f"q{category.pk}-%s")
        self.fields.update(question_fields(category))
        for field in self.fields.values():
            field.disabled = True


def address_pick_value(hit: AddressHit) -> str:
    return f"{hit.lat:.6f},{hit.lon:.6f}|{hit.label}"


def address_from_pick(value: str) -> tuple[float, float, str] | None:
    """(lat, lon, label) of an address chosen among the results (see ``address_pick_value``)."""
    position, _bar, label = value.partition("|")
    try:
        lat, lon = (float(part) for part in position.split(","))
    except ValueError:
        return None
    if not label or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon, label


def address_placed(text: str) -> AddressHit | None:
    """The gazetteer's address for what was typed, when it names one without doubt: the only
    match, or a match whose label starts with the words typed ("12 rue de la Paix")."""
    hits = addresses_search(text, 2)
    if len(hits) == 1 or (hits and normalise(hits[0].label).startswith(normalise(text))):
        return hits[0]
    return None


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
        label=_("Address"),
        required=False,
        max_length=255,
        help_text=_("A street and a number, or a description of the place."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    # The no-JavaScript results step: the addresses found for what was typed.
    address_pick = forms.ChoiceField(
        label=_("Addresses found"), required=False, widget=forms.RadioSelect
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
        self.address_hits: list[AddressHit] | None = None
        if self.is_bound and self.data.get("find_address"):
            self.address_hits = addresses_search(str(self.data.get("address", ""))[:200], 10)
        picks = self.address_hits or []
        self.fields["address_pick"].choices = [  # type: ignore[attr-defined]
            (address_pick_value(hit), hit.label) for hit in picks
        ] + ([(self.data["address_pick"], "")] if self._sent_pick() else [])
        self.placed_by: AddressHit | None = None
        self.photo_position = False

    @classmethod
    def attempt(
        cls,
        post: Any,
        *,
        draft: str,
        user: Any,
        photos: list[Any],
        gps: tuple[float, float] | None,
        kiosk: bool = False,
    ) -> ReportForm:
        """The form of one sending: with no point and no address but a photo that knows where it
        was taken, that place is offered (``photo_position``) and the sender checks it."""
        data = post.copy()
        data["draft"] = draft
        data.pop("remove_photos", None)  # done (``draft_photos_update``): those are gone
        offer = (
            gps is not None
            and not (data.get("lat") or data.get("lon") or data.get("address"))
            and District.containing(*gps) is not None
        )
        if offer and gps is not None:
            data["lat"], data["lon"] = f"{gps[0]:.6f}", f"{gps[1]:.6f}"
        form = cls(data, user=user, draft_ids=tuple(photo.pk for photo in photos), kiosk=kiosk)
        form.photo_position = offer
        return form

    def step(self, photo_errors: list[str]) -> tuple[str, int]:
        """The page to show before sending, and its status, or ("", 200) when it can be sent:
        the addresses found (no JavaScript), a photo's position to check, mistakes, the
        category's questions (no JavaScript), reports already sent nearby."""
        self.is_valid()
        if self.address_hits is not None:
            self._errors = ErrorDict()
            return "address", 200
        for error in photo_errors:
            self.add_error("photos", error)
        if self.photo_position:
            return "photo_position", 200
        if self.errors or self.category_object() is None:
            return "errors", 400
        if self.questions_pending:
            return "questions", 200
        if self.nearby:
            self.data["nearby_seen"] = "True"  # type: ignore[index]  # a QueryDict copy
            return "nearby", 200
        return "", 200

    @cached_property
    def nearby(self) -> list[Report]:
        category = self.category_object()
        return self.nearby_reports(category) if category else []

    def _sent_pick(self) -> bool:
        return bool(self.is_bound and self.address_hits is None and self.data.get("address_pick"))

    def _add_questions(self) -> list[str]:
        """The chosen category's own questions, as fields named ``attribute[code]``."""
        raw = self.data.get("category") if self.is_bound else None
        category = (
            Category.objects.filter(pk=raw, is_active=True).first()
            if raw and str(raw).isdigit()
            else None
        )
        self.question_category = category
        fields = question_fields(category) if category else {}
        self.fields.update(fields)
        return list(fields)

    @property
    def questions_pending(self) -> bool:
        """The chosen category asks questions the sender has not seen yet (without JavaScript
        they appear once the category is sent: a second step, not an error)."""
        return bool(
            self.is_bound
            and self.question_fields
            and not any(name in self.data for name in self.question_fields)
        )

    def question_blocks(self) -> list[tuple[Category, list[Any], bool]]:
        """(category, its question fields, shown) for every category that asks some: the
        chosen one's are this form's (with their answers and errors), the others' disabled."""
        blocks = []
        for _group, categories in self.category_groups:
            for category in categories:
                if not category.questions:
                    continue
                if self.question_category and category.pk == self.question_category.pk:
                    blocks.append((category, [self[n] for n in self.question_fields], True))
                else:
                    other = QuestionsForm(category)
                    blocks.append((category, list(other), False))
        return blocks

    def near(self) -> AddressHit | None:
        """The address under the point, for "near 12 rue …" under the map."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        if data.get("lat") is None or data.get("lon") is None:
            return None
        return address_nearest(data["lat"], data["lon"])

    def answers(self) -> dict[str, str]:
        """The answers as ``reports.attributes`` reads them (once the form is valid)."""
        if self.question_category is None:
            return {}
        return answers_check(self.data, self.question_category)[0]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.questions_pending:
            for name in self.question_fields:
                self.errors.pop(name, None)
        elif self.question_category is not None:
            # The answers are checked by the parser the API and Open311 use, so the three
            # accept and refuse the same.
            for name, message in answers_check(self.data, self.question_category)[1].items():
                if name in self.fields and not self.has_error(name):
                    self.add_error(name, message)
        self._place(data)
        lat, lon = data.get("lat"), data.get("lon")
        if (lat is None) != (lon is None):
            self.add_error("lat", _("Give both the latitude and the longitude."))
        elif lat is None and self.address_hits is None and not data.get("district"):
            self.add_error(
                "address",
                _(
                    "Say where the problem is: find the address, set a point on the map, or "
                    "describe the place and choose the district."
                ),
            )
        return data

    def _place(self, data: dict[str, Any]) -> None:
        """An address picked from the results, or typed, puts the point there (the gazetteer
        places it, not the city's staff)."""
        picked = address_from_pick(data.get("address_pick") or "")
        if picked:
            data.update(lat=picked[0], lon=picked[1], address=picked[2])
            return
        if data.get("lat") is None and data.get("address") and self.address_hits is None:
            self.placed_by = address_placed(data["address"])
            if self.placed_by is not None:
                data.update(lat=self.placed_by.lat, lon=self.placed_by.lon)

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
    address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=255,
        help_text=_("Around an address of the city: a street and a number."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    address_pick = forms.ChoiceField(
        label=_("Addresses found"), required=False, widget=forms.RadioSelect
    )
    field_order = ["district", "address", "address_pick", "lat", "lon", "radius_m"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.address_hits: list[AddressHit] | None = None
        if self.is_bound and self.data.get("find_address"):
            self.address_hits = addresses_search(str(self.data.get("address", ""))[:200], 10)
        pick = self.data.get("address_pick") if self.is_bound else None
        self.fields["address_pick"].choices = [  # type: ignore[attr-defined]
            (address_pick_value(hit), hit.label) for hit in self.address_hits or []
        ] + ([(pick, "")] if pick and self.address_hits is None else [])

    @property
    def searching(self) -> bool:
        """The no-JavaScript step: the addresses found are listed, no alert is made yet."""
        return self.address_hits is not None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        picked = address_from_pick(data.get("address_pick") or "")
        if picked:
            data.update(lat=picked[0], lon=picked[1], address=picked[2])
        elif data.get("address") and data.get("lat") is None and not self.searching:
            hit = address_placed(data["address"])
            if hit is None:
                self.add_error(
                    "address",
                    _("No address of the city matches: check the spelling, or choose it "
                      "among the addresses found."),
                )  # fmt: skip
            else:
                data.update(lat=hit.lat, lon=hit.lon)
        return data
