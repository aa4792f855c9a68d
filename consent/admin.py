"""The staff site's side of personal data: the access-logging mixin, allauth's admins wearing it,
and the data protection officer's purposes and notices."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# allauth registers its admins on import. Import them now, whatever the order of INSTALLED_APPS,
# so that they can be swapped below for versions that log access (autodiscover will not re-run
# an imported module).
import allauth.account.admin as allauth_account_admin
import allauth.mfa.admin as allauth_mfa_admin
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from civic.actors import Actor, Channel
from civic.errors import CivicError
from civic.models import User
from consent import registry
from consent.models import AccessLog, Purpose, PurposeNotice
from consent.services import purpose_notice_publish, subject_of_owner

if TYPE_CHECKING:
    from django.db.models import Model


class PersonalDataAdminMixin:
    """For every ModelAdmin of a model holding personal data (a check enforces it).

    Opening a change page that shows personal fields writes one ``AccessLog`` entry, attributed
    to the staff member's role and department; saving a change to personal fields writes
    another. Change lists must show no personal field (check consent.E003). A free-text reason
    is not asked here: only exports and unblurred photos ask one
    (``consent.views.reason_required``).
    """

    # Set to True when the model's __str__ shows nothing personal (e.g. a reference number).
    personal_data_str_is_safe = False

    def personal_data_person(self, obj: Model) -> User | None:
        """Whose data the row is; override when the person is reached through another row."""
        return registry.person_of(obj)

    def personal_data_email(self, obj: Model) -> str:
        """The contact email of someone without an account the row is about (a report sent by
        email): their accesses are logged under its keyed HMAC. Override when reached otherwise."""
        return str(getattr(obj, "contact_email", "") or "")

    def personal_fields_shown(self, request: HttpRequest, obj: Model) -> list[str]:
        shown = set(self.get_fields(request, obj))  # type: ignore[attr-defined]
        return [name for name in registry.personal_fields(type(obj)) if name in shown]

    def _record_access(
        self, request: HttpRequest, obj: Model, fields: list[str], *, changed: bool
    ) -> None:
        if not fields:
            return
        subject = subject_of_owner(self.personal_data_person(obj) or self.personal_data_email(obj))
        if subject is None:
            return
        # Stored in the city's language; the object and field names let "My data" re-render it.
        with translation.override(settings.LANGUAGE_CODE):
            verb = _("changed") if changed else _("viewed")
            what = f"{obj._meta.verbose_name} #{obj.pk} ({verb})"
        AccessLog.record(
            actor=Actor(channel=Channel.STAFF, user=request.user),  # type: ignore[arg-type]
            subject=subject,
            what=what,
            channel=Channel.STAFF,
            obj=obj,
            fields=fields,
        )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        if request.method == "GET" and response.status_code == 200:
            obj = self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
            if obj is not None:
                self._record_access(
                    request, obj, self.personal_fields_shown(request, obj), changed=False
                )
        return response

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        if change:
            personal = set(registry.personal_fields(type(obj)))
            changed = [name for name in form.changed_data if name in personal]
            self._record_access(request, obj, changed, changed=True)


# --- The city's accounts, logging access -----------------------------------------------------


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


# --- allauth's admins, logging access and keeping addresses out of the lists -----------------

admin.site.unregister(EmailAddress)
admin.site.unregister(Authenticator)


@admin.register(EmailAddress)
class EmailAddressAdmin(PersonalDataAdminMixin, allauth_account_admin.EmailAddressAdmin):
    list_display = ("id", "primary", "verified")

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        return ["=email"]  # exact match: finding a person, not browsing people


@admin.register(Authenticator)
class AuthenticatorAdmin(PersonalDataAdminMixin, allauth_mfa_admin.AuthenticatorAdmin):
    list_display = ("id", "type", "created_at", "last_used_at")
    exclude = ("data",)  # the secrets never show, even to staff


# --- Purposes and notices, for the data protection officer ----------------------------------


class PurposeNoticeInline(admin.TabularInline):
    model = PurposeNotice
    extra = 0
    can_delete = False
    fields = ("version", "sha256", "created_at")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Purpose)
class PurposeAdmin(admin.ModelAdmin):
    list_display = ("code", "title_fr", "legal_basis", "is_active")
    list_filter = ("legal_basis", "is_active")
    search_fields = ("code", "title_fr", "title_en")
    inlines = [PurposeNoticeInline]
    fieldsets = (
        (None, {"fields": ("code", "legal_basis", "is_active")}),
        (_("French"), {"fields": ("title_fr", "description_fr")}),
        (_("English"), {"fields": ("title_en", "description_en")}),
        (
            _("Register of processing"),
            {"fields": ("data_categories", "retention", "recipients", "processors")},
        ),
    )


class PurposeNoticeForm(forms.ModelForm):
    class Meta:
        model = PurposeNotice
        fields = ("purpose", "text_fr", "text_en")

    def clean(self) -> dict[str, Any]:
        # The service decides; asking it here shows its refusal on the form, not as an error page.
        cleaned = super().clean() or {}
        purpose = cleaned.get("purpose")
        latest = purpose.current_notice() if purpose else None
        if latest is not None and (latest.text_fr, latest.text_en) == (
            cleaned.get("text_fr"),
            cleaned.get("text_en"),
        ):
            raise forms.ValidationError(_("This text is the current version already."))
        return cleaned

    def validate_unique(self) -> None:
        pass  # the version is assigned by the service, under a lock


@admin.register(PurposeNotice)
class PurposeNoticeAdmin(admin.ModelAdmin):
    """Notices are published, never edited: a change is a new version with its own hash."""

    form = PurposeNoticeForm
    list_display = ("purpose", "version", "sha256", "created_at")
    list_filter = ("purpose",)
    readonly_fields = ("version", "sha256", "created_at")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("purpose", "text_fr", "text_en")
        return ("purpose", "version", "text_fr", "text_en", "sha256", "created_at")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: PurposeNotice, form: Any, change: bool) -> None:
        try:
            notice = purpose_notice_publish(
                actor=Actor(channel=Channel.STAFF, user=request.user),  # type: ignore[arg-type]
                purpose=form.cleaned_data["purpose"],
                text_fr=form.cleaned_data["text_fr"],
                text_en=form.cleaned_data["text_en"],
            )
        except CivicError as exc:
            messages.error(request, exc.message)
            raise
        obj.pk = notice.pk
        obj.refresh_from_db()
