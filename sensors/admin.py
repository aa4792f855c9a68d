"""The staff site for sensor operators: devices, batches, quarantine (with replay), health."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from civic.actors import Actor, Channel
from civic.errors import CivicError
from consent.admin import PersonalDataAdminMixin
from sensors import services
from sensors.models import (
    Aggregate,
    AirQualityIndex,
    AqiScale,
    DeviceHealth,
    IngestBatch,
    Quarantine,
    Sensor,
)


def _staff(request: HttpRequest) -> Actor:
    return Actor(channel=Channel.STAFF, user=request.user)  # type: ignore[arg-type]


@admin.register(Sensor)
class SensorAdmin(PersonalDataAdminMixin, admin.ModelAdmin):
    # The host and the exact position are personal (a resident's home): never in the list.
    personal_data_str_is_safe = True  # the name or device id
    list_display = ("device_id", "name", "kind", "device_format", "district", "is_active")
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
