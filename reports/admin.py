"""The staff's triage: a queue with filters and a fixed number of queries, and a change page whose
state changes, answers, re-routing and duplicates go through the services (they notify)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from civic.actors import Actor, Channel
from civic.city import city
from civic.errors import CivicError
from consent.admin import PersonalDataAdminMixin
from reports import services
from reports.models import (
    Abuser,
    Category,
    Photo,
    Report,
    ResponseTemplate,
    RoutingRule,
    Status,
    Update,
)

_STAFF_STATUSES = [
    (value, label)
    for value, label in Status.choices
    if value not in (Status.UNCONFIRMED, Status.HIDDEN, Status.DUPLICATE)
]


class RoutingRuleInline(admin.TabularInline):
    model = RoutingRule
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "name_en",
        "group",
        "service_code",
        "department",
        "anonymous_allowed",
        "is_active",
    )
    list_filter = ("group", "department", "anonymous_allowed", "is_active")
    list_select_related = ("department",)
    search_fields = ("name", "name_en", "service_code")
    inlines = [RoutingRuleInline]


@admin.register(ResponseTemplate)
class ResponseTemplateAdmin(admin.ModelAdmin):
    list_display = ("title", "status", "is_active")
    list_filter = ("status", "is_active")


class UpdateInline(admin.TabularInline):
    model = Update
    extra = 0
    can_delete = False
    fields = ("created_at", "is_public", "status_from", "status_to", "written")
    readonly_fields = fields

    @admin.display(description=_("text"))
    def written(self, obj: Update) -> str:
        return obj.display_text

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The report's timeline (answers, internal notes) belongs to whoever may see the report:
        # updates are written through the report's page, never edited on their own.
        return request.user.has_perm("reports.view_report")


class ReportAdminForm(forms.ModelForm):
    new_status = forms.ChoiceField(
        label=_("Change the status to"), required=False, choices=[("", "—"), *_STAFF_STATUSES]
    )
    response_template = forms.ModelChoiceField(
        label=_("Answer with a template"),
        queryset=ResponseTemplate.objects.filter(is_active=True),
        required=False,
    )
    public_update = forms.CharField(
        label=_("Public answer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent by email to the author and followers, shown on the report."),
    )
    internal_note = forms.CharField(
        label=_("Internal note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    hide_reason = forms.CharField(label=_("Hide, with this reason"), required=False, max_length=255)

    class Meta:
        model = Report
        fields = (
            "category",
            "priority",
            "assignee",
            "duplicate_of",
            "lat",
            "lon",
            "address",
            "description",
            "contact_email",
            "contact_name",
            "contact_phone",
        )


@admin.register(Report)
class ReportAdmin(PersonalDataAdminMixin, admin.ModelAdmin):
    personal_data_str_is_safe = True  # "#12 Pothole"
    form = ReportAdminForm
    list_display = (
        "id",
        "photo_thumbnail",
        "category",
        "status",
        "priority",
        "district",
        "department",
        "support_count",
        "created_at",
    )
    list_filter = ("status", "department", "district", "category", "priority", "created_at")
    list_select_related = ("category", "district", "department")
    search_fields = ("=id",)
    date_hierarchy = "created_at"
    raw_id_fields = ("duplicate_of", "assignee")
    readonly_fields = (
        "status",
        "status_meaning",
        "district",
        "department",
        "channel",
        "reporter",
        "created_at",
        "updated_at",
        "photos_list",
        "hidden_reason_shown",
        "support_total",
        "location_map",
        "client_media_url",
    )
    inlines = [UpdateInline]
    actions = ["acknowledge", "export_csv"]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "status",
                    "status_meaning",
                    "category",
                    "department",
                    "priority",
                    "assignee",
                    "support_total",
                    "duplicate_of",
                    "hidden_reason_shown",
                )
            },
        ),
        (
            _("Answer"),
            {
                "fields": (
                    "new_status",
                    "response_template",
                    "public_update",
                    "internal_note",
                    "hide_reason",
                )
            },
        ),
        (
            _("Problem"),
            {
                "fields": (
                    "description",
                    "location_map",
                    "lat",
                    "lon",
                    "district",
                    "address",
                    "photos_list",
                    "client_media_url",
                    "channel",
                    "created_at",
                    "updated_at",
                )
            },
        ),
        (
            _("Sender (personal data, access recorded)"),
            {"fields": ("reporter", "contact_email", "contact_name", "contact_phone")},
        ),
    )

    class Media:
        css = {"all": ("leaflet/leaflet.css", "reports/admin.css")}
        js = ("leaflet/leaflet.js", "reports/report_map.js")

    @admin.display(description=_("map"))
    def location_map(self, obj: Report) -> str:
        """Drag the pin (or type the coordinates) to place a report sent with an address."""
        lat, lon = (obj.lat, obj.lon) if obj.lat is not None else city().map_center
        return format_html(
            '<div id="report-map" class="report-map" data-lat="{}" data-lon="{}" '
            'data-lat-input="id_lat" data-lon-input="id_lon" data-label="{}" '
            'data-tile-url="{}" data-tile-attribution="{}" hidden></div>',
            f"{lat:f}",
            f"{lon:f}",
            _("Map: drag the pin to place the report"),
            city().tile_url,
            city().tile_attribution,
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Report]:
        queryset = (
            super()
            .get_queryset(request)
            .annotate(support_count=Count("supports"))
            # One query for the whole page's thumbnails: only blurred, public copies.
            .prefetch_related(
                Prefetch(
                    "photos",
                    queryset=Photo.objects.filter(state=Photo.State.READY)
                    .exclude(image="")
                    .exclude(thumbnail="")
                    .only("pk", "report_id", "position", "state", "image", "thumbnail"),
                    to_attr="public_photos",
                )
            )
        )
        return queryset.filter(services.reports_visible_to(request.user))  # type: ignore[arg-type]

    @admin.display(description=_("photo"))
    def photo_thumbnail(self, obj: Report) -> str:
        """The first blurred photo, through the public URL: shown only while the report is public,
        the unblurred copy never appears in the list."""
        photos = getattr(obj, "public_photos", None)
        if not photos or not obj.is_public:
            return "—"
        return format_html(
            '<img src="{}" alt="{}" class="report-thumb" loading="lazy">',
            reverse("reports:photo", kwargs={"pk": photos[0].pk, "kind": "thumb"}),
            _("Photo of report #%(id)s") % {"id": obj.pk},
        )

    @admin.display(description=_("supports"), ordering="support_count")
    def support_count(self, obj: Report) -> int:
        return getattr(obj, "support_count", 0)

    @admin.display(description=_("supports"))
    def support_total(self, obj: Report) -> int:
        return obj.supports.count()

    @admin.display(description=_("reason for hiding"))
    def hidden_reason_shown(self, obj: Report) -> str:
        return obj.hidden_reason_display

    @admin.display(description=_("public meaning"))
    def status_meaning(self, obj: Report) -> str:
        return obj.status_meaning

    @admin.display(description=_("photos"))
    def photos_list(self, obj: Report) -> str:
        photos = list(obj.photos.all())
        if not photos:
            return "—"
        return format_html_join(
            " ",
            '<a href="{}">{}</a>',
            (
                (
                    reverse("reports:photo_original", args=[photo.pk]),
                    format_html("{} {} ({})", _("photo"), photo.pk, photo.get_state_display()),
                )
                for photo in photos
            ),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # reports come from residents, the API and alerts, through report_submit

    @admin.action(description=_("Acknowledge the selected reports"))
    def acknowledge(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        actor = Actor(channel=Channel.STAFF, user=request.user)  # type: ignore[arg-type]
        done = 0
        for report in queryset.filter(status=Status.OPEN):
            services.report_change_status(actor=actor, report=report, status=Status.ACKNOWLEDGED)
            done += 1
        self.message_user(request, _("%(n)s report(s) acknowledged.") % {"n": done})

    @admin.action(description=_("Export the selected reports (CSV)"))
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Report]) -> Any:
        from reports.selectors import export_queryset
        from reports.services.exports import EXPORT_INLINE_MAX
        from reports.staff_views import export_response
        from reports.tasks import reports_export_task

        ids = list(queryset.values_list("pk", flat=True))
        if len(ids) <= EXPORT_INLINE_MAX:
            return export_response(export_queryset(ids))
        user_id = int(request.user.pk or 0)
        transaction.on_commit(lambda: reports_export_task.delay(user_id=user_id, ids=ids))
        self.message_user(
            request, _("The export is being prepared: you will receive a link by email.")
        )
        return None

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> Any:
        extra_context = {**(extra_context or {}), "dashboard_url": reverse("reports:dashboard")}
        return super().changelist_view(request, extra_context)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Plain fields and changes with side effects, in one service call: a refused step
        (a duplicate of itself…) saves nothing and sends no email."""
        actor = Actor(channel=Channel.STAFF, user=request.user)  # type: ignore[arg-type]
        old = Report.objects.get(pk=obj.pk)
        data = form.cleaned_data
        changed = set(form.changed_data)
        template = data.get("response_template")
        edit = services.StaffEdit(
            category=obj.category if "category" in changed else None,
            place=(obj.lat, obj.lon)
            if {"lat", "lon"} & changed and obj.lat is not None and obj.lon is not None
            else None,
            duplicate_of=obj.duplicate_of if "duplicate_of" in changed else None,
            status=data.get("new_status") or (template.status if template else ""),
            public_text=data.get("public_update") or (template.text if template else ""),
            internal_note=data.get("internal_note") or "",
            hide_reason=data.get("hide_reason") or "",
        )
        # The services set these themselves, with their journal entries.
        obj.category, obj.duplicate_of = old.category, old.duplicate_of
        obj.lat, obj.lon = old.lat, old.lon
        try:
            services.report_staff_edit(actor=actor, report=obj, edit=edit)
        except CivicError as exc:
            request.civic_edit_refused = True  # type: ignore[attr-defined]
            messages.error(request, exc.message)
        obj.refresh_from_db()

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        if getattr(request, "civic_edit_refused", False):
            return None  # nothing changed: no "changed" entry in the admin's history
        return super().log_change(request, obj, message)

    def response_change(self, request: HttpRequest, obj: Any) -> Any:
        if getattr(request, "civic_edit_refused", False):
            # Back to the page, with the error only: nothing was saved.
            return HttpResponseRedirect(request.get_full_path())
        return super().response_change(request, obj)


@admin.register(Photo)
class PhotoAdmin(PersonalDataAdminMixin, admin.ModelAdmin):
    personal_data_str_is_safe = True
    list_display = ("id", "report", "state", "faces", "created_at")
    list_filter = ("state",)
    list_select_related = ("report__category",)
    fields = ("report", "state", "faces", "width", "height", "image", "thumbnail")
    readonly_fields = fields

    def personal_data_person(self, obj: Any) -> Any:
        return obj.report.reporter if obj.report else None

    def personal_data_email(self, obj: Any) -> str:
        return obj.report.contact_email if obj.report else ""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Photo]:
        return (
            super()
            .get_queryset(request)
            .filter(report__in=Report.objects.filter(services.reports_visible_to(request.user)))  # type: ignore[arg-type]
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Abuser)
class AbuserAdmin(PersonalDataAdminMixin, admin.ModelAdmin):
    """Reports from these addresses are held back (hidden) for review."""

    personal_data_str_is_safe = True
    list_display = ("id", "reason", "created_at")
    fields = ("email", "reason")

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        return ["=email"]  # exact match: finding a sender, not browsing addresses
