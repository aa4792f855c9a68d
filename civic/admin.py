from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from civic.actors import Actor, Channel
from civic.errors import CivicError
from civic.forms import GeoJSONMapWidget, form_with_map_nonce
from civic.models import ApiClient, Department, District, User
from civic.services import api_client_create
from consent.admin import PersonalDataAdminMixin


@admin.register(User)
class UserAdmin(PersonalDataAdminMixin, DjangoUserAdmin):  # logs staff access to people
    ordering = ("id",)
    # The list shows no personal data: staff search by exact email, then open the person.
    list_display = ("id", "is_staff", "is_active", "department", "date_joined")
    list_filter = ("is_staff", "is_active", "groups", "department", "language")
    search_fields = ("=email",)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("display_name", "language")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "department", "groups")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
        (_("Personal data"), {"fields": ("data_export",)}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "language", "password1", "password2")}),
    )
    readonly_fields = ("last_login", "date_joined", "data_export")

    @admin.display(description=_("Export"))
    def data_export(self, obj: User) -> str:
        if obj.pk is None:
            return "—"
        url = reverse("consent:staff_person_export", args=[obj.pk])
        return format_html(
            '<a href="{}">{}</a>', url, _("Export this person's data (a reason is asked)")
        )


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
        label=_("Scopes"),
        choices=ApiClient.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[ApiClient.Scope.REPORTS],
    )

    class Meta:
        model = ApiClient
        fields = ("name", "scopes", "is_active")


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
