"""The staff site for sensor operators: devices, batches, quarantine (with replay), health,
alert rules and the alerts they open (stale sensors among them)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.db import models
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from civic.actors import Actor, Channel
from civic.errors import CivicError
from consent.admin import PersonalDataAdminMixin
from sensors import services
from sensors.models import (
    Aggregate,
    AirQualityIndex,
    Alert,
    AlertRule,
    AlertSubscription,
    AqiScale,
    DeviceHealth,
    IngestBatch,
    Quarantine,
    Reading,
    ReadingPurge,
    Sensor,
)
from sensors.quantities import QUANTITIES


def _staff(request: HttpRequest) -> Actor:
    return Actor(channel=Channel.STAFF, user=request.user)  # type: ignore[arg-type]


# A sensor is silent when nothing came for three of its send intervals (two missed sends are
# the network's), or for this long when it does not report its interval.
SILENT_INTERVALS = 3
SILENT_AFTER_DEFAULT = timedelta(minutes=30)


def silent_after(interval_ms: int | None) -> timedelta:
    if interval_ms:
        return max(timedelta(milliseconds=interval_ms * SILENT_INTERVALS), timedelta(minutes=1))
    return SILENT_AFTER_DEFAULT


class SensorChangeList(ChangeList):
    """The page's sensors, each with its latest value per quantity: one query for the page."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        sensors = list(self.result_list)
        latest: dict[int, list[tuple[str, float, datetime]]] = {}
        rows = (
            Reading.objects.filter(sensor_id__in=[sensor.pk for sensor in sensors])
            .order_by("sensor_id", "quantity", "-time")
            .distinct("sensor_id", "quantity")
            .values_list("sensor_id", "quantity", "value", "time")
        )
        for sensor_id, quantity, value, time in rows:
            latest.setdefault(sensor_id, []).append((quantity, value, time))
        for sensor in sensors:
            sensor.latest_values = latest.get(sensor.pk, [])


@admin.register(Sensor)
class SensorAdmin(PersonalDataAdminMixin, admin.ModelAdmin):
    # The host and the exact position are personal (a resident's home): never in the list.
    personal_data_str_is_safe = True  # the name or device id
    list_display = (
        "device_id",
        "name",
        "kind",
        "district",
        "last_seen",
        "health",
        "latest_values",
        "is_active",
    )
    list_select_related = ("district",)
    list_filter = ("kind", "device_format", "district", "is_active")
    search_fields = ("device_id", "name")
    readonly_fields = ("created_at",)
    fields = (
        "device_id",
        "name",
        "kind",
        "device_format",
        "quantities",
        ("latitude", "longitude"),
        "district",
        "owner",
        "payload_map",
        "is_active",
        "created_at",
    )
    raw_id_fields = ("owner",)
    actions = ["rotate_secret"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Sensor]:
        newest = Reading.objects.filter(sensor=OuterRef("pk")).order_by("-time")
        health = DeviceHealth.objects.filter(sensor=OuterRef("pk")).order_by("-received_at")
        return (
            super()
            .get_queryset(request)
            .annotate(
                last_reading=Subquery(newest.values("time")[:1]),
                interval_ms=Subquery(health.values("interval_ms")[:1]),
            )
        )

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return SensorChangeList

    @admin.display(description=_("last seen"), ordering="last_reading")
    def last_seen(self, obj: Sensor) -> str:
        last = getattr(obj, "last_reading", None)
        return date_format(timezone.localtime(last), "SHORT_DATETIME_FORMAT") if last else "—"

    @admin.display(description=_("health"))
    def health(self, obj: Sensor) -> str:
        """Silent since its last reading when that is older than it should be."""
        last = getattr(obj, "last_reading", None)
        if not obj.is_active:
            return str(_("switched off"))
        if last is None:
            return format_html('<strong class="sensor-silent">{}</strong>', _("never sent"))
        if timezone.now() - last > silent_after(getattr(obj, "interval_ms", None)):
            return format_html(
                '<strong class="sensor-silent">{}</strong>',
                _("silent since %(time)s")
                % {"time": date_format(timezone.localtime(last), "SHORT_DATETIME_FORMAT")},
            )
        return str(_("sending"))

    @admin.display(description=_("latest values"))
    def latest_values(self, obj: Sensor) -> str:
        values = getattr(obj, "latest_values", None)
        if not values:
            return "—"
        return format_html_join(
            ", ",
            "{} {}\u00a0{}",
            (
                (
                    QUANTITIES[quantity].label if quantity in QUANTITIES else quantity,
                    number_format(value, decimal_pos=1),
                    QUANTITIES[quantity].unit if quantity in QUANTITIES else "",
                )
                for quantity, value, _time in values
            ),
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            secret = obj.set_new_secret()
            messages.warning(
                request,
                _("Secret of %(device)s, shown once — configure the device now: %(secret)s")
                % {"device": obj.device_id, "secret": secret},
            )
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Rotate the secret (the old one stops working)"))
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[Sensor]) -> None:
        for sensor in queryset:
            secret = services.sensor_secret_rotate(actor=_staff(request), sensor=sensor)
            messages.warning(
                request,
                _("New secret of %(device)s, shown once: %(secret)s")
                % {"device": sensor.device_id, "secret": secret},
            )


@admin.register(IngestBatch)
class IngestBatchAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "device_format",
        "received_at",
        "sensor",
        "state",
        "attempts",
        "stored",
        "duplicates",
        "quarantined",
    )
    list_filter = ("state", "device_format")
    date_hierarchy = "received_at"
    list_select_related = ("sensor",)
    readonly_fields = [field.name for field in IngestBatch._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Quarantine)
class QuarantineAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "created_at",
        "reason",
        "sensor",
        "device_format",
        "short_detail",
        "replayed_at",
    )
    list_filter = ("reason", "device_format", ("replayed_at", admin.EmptyFieldListFilter))
    list_select_related = ("sensor",)
    search_fields = ("=sensor__device_id", "detail")
    readonly_fields = [field.name for field in Quarantine._meta.fields]
    actions = ["replay"]

    @admin.display(description=_("detail"))
    def short_detail(self, obj: Quarantine) -> str:
        return obj.detail[:80]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Replay through the pipeline"), permissions=["change"])
    def replay(self, request: HttpRequest, queryset: QuerySet[Quarantine]) -> None:
        replayed = 0
        for quarantine in queryset:
            try:
                services.quarantine_replay(actor=_staff(request), quarantine=quarantine)
                replayed += 1
            except CivicError as exc:
                messages.error(request, f"#{quarantine.pk}: {exc.message}")
        messages.success(
            request,
            ngettext(
                "%(count)d input sent again: see its new batch.",
                "%(count)d inputs sent again: see their new batches.",
                replayed,
            )
            % {"count": replayed},
        )


@admin.register(DeviceHealth)
class DeviceHealthAdmin(admin.ModelAdmin):
    list_display = (
        "sensor",
        "received_at",
        "software_version",
        "signal_dbm",
        "interval_ms",
        "max_micro",
    )
    list_filter = ("software_version",)
    list_select_related = ("sensor",)
    search_fields = ("=sensor__device_id",)
    readonly_fields = [field.name for field in DeviceHealth._meta.fields]


@admin.register(Aggregate)
class AggregateAdmin(admin.ModelAdmin):
    list_display = ("start", "period", "quantity", "sensor", "district", "mean", "count")
    list_filter = ("period", "quantity", "district")
    list_select_related = ("sensor", "district")
    readonly_fields = [field.name for field in Aggregate._meta.fields]


@admin.register(AqiScale)
class AqiScaleAdmin(admin.ModelAdmin):
    """A revision of the index is a new scale (then made the default), never an edit of one
    whose figures were published."""

    list_display = ("code", "title", "valid_from", "is_default")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("code", "bands", "thresholds", "valid_from") if obj is not None else ()


@admin.register(AirQualityIndex)
class AirQualityIndexAdmin(admin.ModelAdmin):
    list_display = ("hour", "district", "scale", "level", "pollutant")
    list_filter = ("scale", "district", "level")
    list_select_related = ("district", "scale")
    date_hierarchy = "hour"
    readonly_fields = ("scale", "district", "hour", "level", "pollutant", "values")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class AlertOpenFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("open", _("Open")), ("closed", _("Closed"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Alert]) -> QuerySet[Alert]:
        if self.value() == "open":
            return queryset.filter(closed_at__isnull=True)
        if self.value() == "closed":
            return queryset.filter(closed_at__isnull=False)
        return queryset


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "quantity",
        "comparison",
        "threshold",
        "duration_minutes",
        "scope",
        "report_service_code",
        "stale_after_minutes",
        "is_active",
    )
    list_filter = ("is_active", "scope", "quantity")
    search_fields = ("name",)
    raw_id_fields = ("sensor",)
    fields = (
        "name",
        "is_active",
        ("quantity", "comparison", "threshold"),
        ("duration_minutes", "hysteresis"),
        ("scope", "sensor", "district", "kind"),
        "notify_subscribers",
        "report_service_code",
        "stale_after_minutes",
    )


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    """Opened and closed by the rules only: operators read them here, open ones first."""

    list_display = (
        "opened_at",
        "kind",
        "rule",
        "sensor",
        "peak_value",
        "last_value",
        "closed_at",
        "report_id",
    )
    list_filter = (AlertOpenFilter, "kind", "rule")
    list_select_related = ("rule", "sensor")
    search_fields = ("=sensor__device_id", "rule__name")
    date_hierarchy = "opened_at"
    readonly_fields = [field.name for field in Alert._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Alert]:
        # Open alerts first: nulls (still open) sort ahead of any closing time.
        return (
            super()
            .get_queryset(request)
            .order_by(models.F("closed_at").desc(nulls_first=True), "-opened_at")
        )


@admin.register(AlertSubscription)
class AlertSubscriptionAdmin(PersonalDataAdminMixin, admin.ModelAdmin):
    personal_data_str_is_safe = True  # "#<id>"
    list_display = ("id", "rule", "district", "kind", "created_at")
    list_filter = ("rule", "district", "kind")
    list_select_related = ("rule", "district")
    raw_id_fields = ("user",)
    readonly_fields = ("created_at",)


@admin.register(ReadingPurge)
class ReadingPurgeAdmin(admin.ModelAdmin):
    """What retention removed from the raw readings: a record, never edited."""

    list_display = ("at", "before", "partition", "count")
    readonly_fields = ("at", "before", "partition", "count", "reason")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
