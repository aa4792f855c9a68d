from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from civic.actors import Actor, Channel
from civic.errors import CivicError
from civic.forms import GeoJSONMapWidget, form_with_map_nonce
from civic.models import ApiClient, Department, District
from civic.registry import api_scopes
from civic.services import api_client_create


class DistrictForm(forms.ModelForm):
    class Meta:
        model = District
        fields = ("code", "name", "population", "boundary")
        widgets = {"boundary": GeoJSONMapWidget()}


class MapAdminMixin:
    """For admins whose forms hold map widgets: their inline scripts get the request's nonce.

    The form class is built per request by ``get_form``, so the nonce never leaks to another.
    """

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)  # type: ignore[misc]
        return form_with_map_nonce(form, str(getattr(request, "csp_nonce", "")))


@admin.register(District)
class DistrictAdmin(MapAdminMixin, admin.ModelAdmin):
    form = DistrictForm
    list_display = ("name", "code", "population")
    search_fields = ("name", "code")


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "email", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "code")


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), choices=(), widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ApiClient
        fields = ("name", "scopes", "is_active")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = [  # type: ignore[attr-defined]
            (scope.code, scope.label) for scope in api_scopes()
        ]


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    form = ApiClientForm
    list_display = ("name", "key_prefix", "scopes", "is_active", "last_used_at")
    list_filter = ("is_active",)
    readonly_fields = ("key_prefix", "created_at", "last_used_at")
    search_fields = ("name",)

    def save_model(self, request: HttpRequest, obj: ApiClient, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        try:
            client, key = api_client_create(
                actor=Actor(channel=Channel.STAFF, user=request.user),  # type: ignore[arg-type]
                name=obj.name,
                scopes=form.cleaned_data["scopes"],
            )
        except CivicError as exc:
            messages.error(request, exc.message)
            raise
        obj.pk = client.pk
        obj.refresh_from_db()
        messages.warning(
            request,
            _("The key of %(name)s, shown this once only: %(key)s")
            % {"name": client.name, "key": key},
        )
