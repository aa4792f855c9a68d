"""The staff site's side of assist: organisations, their mediators, mandates (read and revoke),
and kiosk terminals (register, activate from the terminal's own browser)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from assist.models import KioskTerminal, Mandate, Membership, Organisation
from assist.services import mandate_revoke, mediator_role_sync
from civic.actors import Actor, Channel
from civic.errors import CivicError
from consent.admin import PersonalDataAdminMixin


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "is_active", "created_at")
    readonly_fields = ("created_at",)
    raw_id_fields = ("user",)


@admin.register(Organisation)
class OrganisationAdmin(PersonalDataAdminMixin, admin.ModelAdmin):
    personal_data_str_is_safe = True  # an organisation's name
    list_display = ("name", "code", "district", "is_active")
    list_filter = ("is_active", "district")
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}


@admin.register(Membership)
class MembershipAdmin(PersonalDataAdminMixin, admin.ModelAdmin):
    """Who mediates for which organisation. Saving gives or takes the mediator role."""

    personal_data_str_is_safe = True  # the organisation and a number
    list_display = ("id", "organisation", "is_active", "created_at")
    list_filter = ("organisation", "is_active")
    search_fields = ("=user__email",)
    raw_id_fields = ("user",)
    fields = ("organisation", "user", "is_active", "created_at")
    readonly_fields = ("created_at",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        mediator_role_sync(user=obj.user)

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        user = obj.user
        super().delete_model(request, obj)
        mediator_role_sync(user=user)


@admin.register(Mandate)
class MandateAdmin(PersonalDataAdminMixin, admin.ModelAdmin):
    """Mandates are recorded by mediators with the resident; staff read them and can revoke."""

    personal_data_str_is_safe = True  # "mandate no. 12"
    list_display = ("id", "organisation", "status_label", "starts_at", "ends_at", "confirmation")
    list_filter = ("organisation", "confirmation")
    list_select_related = ("organisation",)
    date_hierarchy = "created_at"
    actions = ["revoke"]
    fields = (
        "organisation",
        "resident",
        "recorded_by",
        "scopes",
        ("starts_at", "ends_at"),
        "confirmation",
        "confirmed_at",
        "resident_informed_at",
        ("revoked_at", "revoked_by", "revoked_by_role"),
        ("notice_version", "notice_language", "notice_sha256"),
        "notice_text",
        "created_at",
    )
    readonly_fields = tuple(
        name for entry in fields for name in (entry if isinstance(entry, tuple) else (entry,))
    )

    @admin.display(description=_("status"))
    def status_label(self, obj: Mandate) -> Any:
        return obj.get_status_display()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the retention job removes them, a year after they end

    @admin.action(description=_("Revoke the selected mandates"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[Mandate]) -> None:
        actor = Actor(channel=Channel.STAFF, user=request.user)  # type: ignore[arg-type]
        done = 0
        for mandate in queryset:
            try:
                mandate_revoke(actor=actor, mandate=mandate)
            except CivicError as exc:
                messages.warning(request, f"{mandate}: {exc.message}")
            else:
                done += 1
        messages.success(request, _("Mandates revoked: %(count)s.") % {"count": done})


@admin.register(KioskTerminal)
class KioskTerminalAdmin(admin.ModelAdmin):
    list_display = ("name", "location", "district", "is_active", "activated_at", "last_seen_at")
    list_filter = ("is_active", "district")
    search_fields = ("name", "location")
    fields = ("name", "location", "district", "is_active", "activation", "last_seen_at")
    readonly_fields = ("activation", "last_seen_at")

    @admin.display(description=_("activation"))
    def activation(self, obj: KioskTerminal) -> str:
        if obj.pk is None:
            return str(_("Save the terminal first."))
        state = (
            _("Activated on %(when)s.") % {"when": obj.activated_at.strftime("%Y-%m-%d %H:%M")}
            if obj.activated_at
            else _("Not activated yet.")
        )
        return format_html(
            '{} <a href="{}">{}</a>',
            state,
            reverse("assist:kiosk_activate", args=[obj.pk]),
            _("Open this link on the terminal's own browser to activate it"),
        )
