"""Forms of the public sensor pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from civic.models import District
from sensors.quantities import Kind


class AlertSubscriptionForm(forms.Form):
    district = forms.ModelChoiceField(
        label=_("District"),
        queryset=District.objects.order_by("name"),
        required=False,
        empty_label=_("Any district"),
    )
    kind = forms.ChoiceField(
        label=_("Kind of sensor"),
        choices=[("", _("Any kind")), *Kind.choices],
        required=False,
    )
