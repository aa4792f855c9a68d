from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class AccessReasonForm(forms.Form):
    # Prefixed so it never collides with the fields of the view it guards.
    consent_access_reason = forms.CharField(
        label=_("Why do you need this?"),
        help_text=_("The person will see this reason in their data access history."),
        min_length=5,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AccountDeleteForm(forms.Form):
    """Deletion asks for the password (who is at the keyboard) and an explicit confirmation."""

    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        required=False,
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account will be deleted and that this cannot be undone."),
        required=True,
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if user.has_usable_password():
            self.fields["password"].required = True
        else:  # an account made by a mediator, or signed in by email link: the checkbox suffices
            del self.fields["password"]

    def clean_password(self) -> str:
        password = self.cleaned_data.get("password", "")
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your password."))
        return password


class PrivateModeForm(forms.Form):
    enabled = forms.BooleanField(required=False, widget=forms.HiddenInput)
    restore_consents = forms.BooleanField(
        label=_("Also give again the consents that private mode withdrew"), required=False
    )
