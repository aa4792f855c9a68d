from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from assist.models import Organisation
from civic.models import District
from civic.registry import mandate_scopes

DURATIONS = [
    (1, _("Today only")),
    (31, _("One month")),
    (92, _("Three months")),
    (183, _("Six months")),
    (365, _("One year")),
]


class MandateForm(forms.Form):
    """Ask the holder of an email address for a mandate, or record one for a new account
    without email. It never looks the address up: whether it has an account shows nowhere."""

    WHO_ACCOUNT = "account"
    WHO_NEW = "new"

    who = forms.ChoiceField(
        label=_("The resident"),
        choices=[
            (WHO_ACCOUNT, _("has an email address: send them a code to confirm")),
            (WHO_NEW, _("has no email address: create an account for them")),
        ],
        widget=forms.RadioSelect,
        initial=WHO_ACCOUNT,
    )
    email = forms.EmailField(
        label=_("Resident's email address"),
        required=False,
        help_text=_(
            "The address they signed up with. If it has an account, a code and a link are "
            "emailed to it; nothing tells you here whether it has one."
        ),
    )
    display_name = forms.CharField(
        label=_("Resident's name"),
        required=False,
        max_length=150,
        help_text=_("Only for a new account: the name printed on the mandate."),
    )
    language = forms.ChoiceField(
        label=_("Resident's language"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
        required=False,
        help_text=_("Only for a new account: the language of the mandate and of the pages."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("The mandate allows"),
        widget=forms.CheckboxSelectMultiple,
        choices=(),
    )
    days = forms.TypedChoiceField(
        label=_("For how long"), choices=DURATIONS, coerce=int, initial=92
    )
    organisation = forms.ModelChoiceField(
        label=_("For the organisation"), queryset=Organisation.objects.none(), empty_label=None
    )

    # Needed when their answer to "The resident" is chosen: marked required on the page (never
    # "optional"), checked only for that answer.
    NEEDED_FOR = {
        "email": (WHO_ACCOUNT, _("Write the resident's email address.")),
        "display_name": (WHO_NEW, _("Write the resident's name.")),
        "language": (WHO_NEW, _("Choose a language.")),
    }

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        who = self.data.get("who") if self.is_bound else None
        for name, (needed_for, message) in self.NEEDED_FOR.items():
            self.fields[name].required = who is None or who == needed_for
            self.fields[name].error_messages["required"] = message
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        self.only_organisation = organisations[0] if len(organisations) == 1 else None
        if self.only_organisation is not None:
            # One organisation: nothing to choose (and nothing to show).
            self.fields["organisation"].initial = self.only_organisation
            self.fields["organisation"].required = False
            self.fields["organisation"].widget = forms.HiddenInput()
        self.fields["scopes"].choices = [  # type: ignore[attr-defined]
            (scope.code, f"{scope.label} — {scope.description}") for scope in mandate_scopes()
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("organisation") and self.only_organisation is not None:
            cleaned["organisation"] = self.only_organisation
        for name in self.NEEDED_FOR:
            self.fields[name].required = True  # as the page shows them again
        return cleaned


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code received by the resident"),
        max_length=20,
        help_text=_("The resident reads it out from the email they just received."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class KioskCodeForm(forms.Form):
    """My data at a kiosk with a one-time code: emailed (with the address) or printed (with its
    reference)."""

    identifier = forms.CharField(
        label=_("Your email address, or the reference printed with your code"),
        max_length=254,
        error_messages={"required": _("Type your email address or the printed reference.")},
    )
    code = forms.CharField(
        label=_("Your code"),
        max_length=20,
        help_text=_("8 digits."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        error_messages={"required": _("Type the code you received.")},
    )


class KioskCodeRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("Your email address"),
        error_messages={"required": _("Type your email address.")},
    )


class VoterCheckForm(forms.Form):
    """What a mediator checks before voting for a resident: their year of birth and district."""

    birth_year = forms.IntegerField(
        label=_("Year of birth"),
        help_text=_("As on their identity document."),
        min_value=1900,
        max_value=2100,
    )
    district = forms.ModelChoiceField(
        label=_("District where they live"),
        queryset=District.objects.order_by("name"),
        required=False,
        empty_label=_("Not in a district"),
    )
