"""The staff's triage: a queue with filters and a fixed number of queries, and a change page whose
state changes, answers, re-routing and duplicates go through the services (they notify)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
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
    fields = ("created_at", "by", "is_public", "status_from", "status_to", "written")
    readonly_fields = fields

    @admin.display(description=_("text"))
    def written(self, obj: Update) -> str:
        return obj.display_text

    @admin.display(description=_("by"))
    def by(self, obj: Update) -> str:
        """A colleague by name; the resident who sent it as such (their name is personal data)."""
        if obj.author is None:
            return str(_("the system"))
        if obj.author.is_staff:
            return services.staff_name(obj.author)
        return str(_("the report's sender"))

    def get_queryset(self, request: HttpRequest) -> QuerySet[Update]:
        return super().get_queryset(request).select_related("author")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The report's timeline (answers, internal notes) belongs to whoever may see the report:
        # updates are written through the report's page, never edited on their own.
        return request.user.has_perm("reports.view_report")


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return services.staff_name(obj)


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
        field_classes = {"assignee": StaffChoiceField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "assignee" in self.fields and self.instance.pk:
            # A colleague of the department in charge (or a triager): no raw id to guess.
            self.fields["assignee"].queryset = services.assignable_to(self.instance)  # type: ignore[attr-defined]


class AssignmentFilter(admin.SimpleListFilter):
    title = _("assignment")
    parameter_name = "assigned"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("me", _("Assigned to me")), ("none", _("Unassigned"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Report]) -> QuerySet[Report]:
        if self.value() == "me":
            return queryset.filter(assignee=request.user)  # type: ignore[misc]
        if self.value() == "none":
            return queryset.filter(assignee=None)
        return queryset


class ReportActionForm(ActionForm):
    """What the bulk actions need, beside the action: a template, a colleague, an original."""

    response_template = forms.ModelChoiceField(
        label=_("Template"),
        queryset=ResponseTemplate.objects.filter(is_active=True),
        required=False,
    )
    assignee = StaffChoiceField(
        label=_("Colleague"),
        queryset=get_user_model().objects.filter(is_staff=True, is_active=True),
        required=False,
    )
    original = forms.IntegerField(label=_("Original report number"), required=False, min_value=1)


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
        "assignee_name",
        "support_count",
        "created_at",
    )
    list_filter = (
        AssignmentFilter,
        "status",
        "department",
        "district",
        "category",
        "priority",
        "created_at",
    )
    list_select_related = ("category", "district", "department", "assignee")
    search_fields = ("description", "address")
    search_help_text = _("A word of the description or address, or a report number (#12).")
    date_hierarchy = "created_at"
    raw_id_fields = ("duplicate_of",)
    action_form = ReportActionForm
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
        "answers_shown",
    )
    inlines = [UpdateInline]
    actions = ["acknowledge", "answer_with_template", "assign", "mark_duplicate", "export_csv"]
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
                    "answers_shown",
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

    @admin.display(description=_("assigned to"), ordering="assignee__display_name")
    def assignee_name(self, obj: Report) -> str:
        return services.staff_name(obj.assignee) if obj.assignee else "—"

    @admin.display(description=_("answers to the category's questions"))
    def answers_shown(self, obj: Report) -> str:
        rows = []
        for question in obj.category.localized_questions():
            answer = obj.answers.get(question["code"])
            if answer in (None, "", []):
                continue
            names = {value.get("key"): value.get("name") for value in question.get("values", [])}
            values = answer if isinstance(answer, list) else [answer]
            rows.append((question["label"], ", ".join(str(names.get(v, v)) for v in values)))
        if not rows:
            return "—"
        return format_html(
            '<dl class="report-answers">{}</dl>',
            format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows),
        )

    @admin.display(description=_("photos"))
    def photos_list(self, obj: Report) -> str:
        """Blurred previews; the unblurred copy only behind the view that asks for a reason
        and records the opening."""
        photos = list(obj.photos.all())
        if not photos:
            return "—"
        items = []
        for photo in photos:
            if photo.state == Photo.State.READY and photo.image and photo.thumbnail:
                preview = format_html(
                    '<a href="{}"><img src="{}" alt="{}" class="report-preview"></a>',
                    reverse("admin:reports_report_photo", args=[photo.pk, "full"]),
                    reverse("admin:reports_report_photo", args=[photo.pk, "thumb"]),
                    _("Photo %(n)s of report #%(id)s (blurred)") % {"n": photo.pk, "id": obj.pk},
                )
            else:
                preview = format_html("{} ({})", _("photo"), photo.get_state_display())
            items.append(
                (
                    preview,
                    reverse("reports:photo_original", args=[photo.pk]),
                    _("Unblurred original (reason asked and recorded)"),
                )
            )
        return format_html(
            '<ul class="report-photos">{}</ul>',
            format_html_join("", '<li>{}<br><a href="{}">{}</a></li>', items),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # reports come from residents, the API and alerts, through report_submit

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Report], search_term: str
    ) -> tuple[QuerySet[Report], bool]:
        """Words of the description or address; a number (with or without #) also finds that
        report."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        number = search_term.strip().lstrip("#")
        if number.isdigit() and len(number) < 10:
            found = queryset.filter(Q(pk=int(number)) | Q(pk__in=found.values("pk")))
        return found, may_have_duplicates

    def _bulk(
        self,
        request: HttpRequest,
        queryset: QuerySet[Report],
        step: Callable[[Actor, Report], Any],
        done_message: str,
    ) -> None:
        """One single-report service call per report, each in its own transaction: a bulk
        change notifies and journals exactly as the same changes made one by one."""
        actor = Actor(channel=Channel.STAFF, user=request.user)  # type: ignore[arg-type]
        done = 0
        for report in queryset.order_by("pk"):
            try:
                with transaction.atomic():
                    step(actor, report)
            except CivicError as exc:
                messages.error(request, f"#{report.pk}: {exc.message}")
            else:
                done += 1
        self.message_user(request, done_message % {"n": done})

    def _action_value(self, request: HttpRequest, name: str) -> Any:
        form = self.action_form(request.POST)
        form.fields["action"].choices = self.get_action_choices(request)  # type: ignore[attr-defined]
        form.is_valid()
        return form.cleaned_data.get(name)

    def _staff_edit_each(
        self, request: HttpRequest, queryset: QuerySet[Report], edit: Any, done_message: str
    ) -> None:
        self._bulk(
            request,
            queryset,
            lambda actor, report: services.report_staff_edit(actor=actor, report=report, edit=edit),
            done_message,
        )

    @admin.action(description=_("Acknowledge the selected reports"))
    def acknowledge(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        edit = services.StaffEdit(status=Status.ACKNOWLEDGED)
        self._staff_edit_each(
            request,
            queryset.filter(status=Status.OPEN),
            edit,
            str(_("%(n)s report(s) acknowledged.")),
        )

    @admin.action(description=_("Answer with the chosen template (and its status)"))
    def answer_with_template(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        template = self._action_value(request, "response_template")
        if template is None:
            messages.error(request, _("Choose a template to answer with."))
            return

        def step(actor: Actor, report: Report) -> None:
            edit = services.StaffEdit(
                status=template.status, public_text=services.response_text(template, report)
            )
            services.report_staff_edit(actor=actor, report=report, edit=edit)

        self._bulk(request, queryset, step, str(_("%(n)s report(s) answered.")))

    @admin.action(description=_("Assign to the chosen colleague"))
    def assign(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        assignee = self._action_value(request, "assignee")
        if assignee is None:
            messages.error(request, _("Choose the colleague to assign the reports to."))
            return
        edit = services.StaffEdit(assign=True, assignee=assignee)
        self._staff_edit_each(request, queryset, edit, str(_("%(n)s report(s) assigned.")))

    @admin.action(description=_("Mark as duplicates of the original report number"))
    def mark_duplicate(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        number = self._action_value(request, "original")
        original = self.get_queryset(request).filter(pk=int(number)).first() if number else None
        if original is None:
            messages.error(request, _("Give the number of a report you can see."))
            return
        edit = services.StaffEdit(duplicate_of=original)
        self._staff_edit_each(
            request,
            queryset.exclude(pk=original.pk),
            edit,
            str(_("%(n)s report(s) marked as duplicates.")),
        )

    def get_urls(self) -> list[URLPattern]:
        own = [
            path("map/", self.admin_site.admin_view(self.queue_map), name="reports_report_map"),
            path(
                "photo/<int:pk>/<str:kind>/",
                self.admin_site.admin_view(self.photo_blurred),
                name="reports_report_photo",
            ),
        ]
        return own + super().get_urls()

    def queue_map(self, request: HttpRequest) -> HttpResponse:
        """The queue as it is filtered and searched in the list, as pins and a list of links."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseRedirect(reverse("admin:reports_report_map"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "cl": changelist,
            "title": _("Map of the queue"),
            **queue_map_context(changelist.get_queryset(request), request.GET.urlencode()),
        }
        return TemplateResponse(request, "admin/reports/report/queue_map.html", context)

    def photo_blurred(self, request: HttpRequest, pk: int, kind: str) -> FileResponse:
        """A blurred copy for the staff who may see its report, public or not yet."""
        photo = Photo.objects.filter(pk=pk, state=Photo.State.READY).first()
        if photo is None or photo.report_id is None or kind not in ("thumb", "full"):
            raise Http404
        if not photo.image:
            raise Http404
        if not self.get_queryset(request).filter(pk=photo.report_id).exists():
            raise PermissionDenied
        response = FileResponse(
            (photo.thumbnail if kind == "thumb" else photo.image).open("rb"),
            content_type="image/jpeg",
        )
        response["Cache-Control"] = "private, max-age=300"
        return response

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
        query = request.GET.urlencode()
        extra_context = {
            **(extra_context or {}),
            "dashboard_url": reverse("reports:dashboard"),
            "map_url": reverse("admin:reports_report_map") + (f"?{query}" if query else ""),
        }
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
            public_text=data.get("public_update")
            or (services.response_text(template, old) if template else ""),
            internal_note=data.get("internal_note") or "",
            hide_reason=data.get("hide_reason") or "",
            assign="assignee" in changed,
            assignee=obj.assignee,
        )
        # The services set these themselves, with their journal entries.
        obj.category, obj.duplicate_of = old.category, old.duplicate_of
        obj.assignee = old.assignee
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


QUEUE_MAP_MAX = 500


def queue_map_context(reports: QuerySet[Report], query: str) -> dict[str, Any]:
    """The first reports of a filtered queue, with the pins of those placed on the map."""
    shown = list(
        reports.select_related("category").order_by("-created_at", "-id")[: QUEUE_MAP_MAX + 1]
    )
    pins = [
        {
            "id": report.pk,
            "lat": report.lat,
            "lon": report.lon,
            "label": f"#{report.pk} {report.category.display_name}",
            "url": reverse("admin:reports_report_change", args=[report.pk]),
        }
        for report in shown[:QUEUE_MAP_MAX]
        if report.lat is not None and report.lon is not None
    ]
    center = city().map_center
    return {
        "reports": shown[:QUEUE_MAP_MAX],
        "truncated": len(shown) > QUEUE_MAP_MAX,
        "limit": QUEUE_MAP_MAX,
        "pins": pins,
        "map_config": {
            "url": city().tile_url,
            "attribution": city().tile_attribution,
            "center": [center[0], center[1]],
        },
        "list_url": reverse("admin:reports_report_changelist") + (f"?{query}" if query else ""),
    }


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
