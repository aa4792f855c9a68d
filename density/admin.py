"""Staff's view of density: reports per line and cell, excluding an abusive device, forecasts
and their rebuilds. Crowd reports are read-only: they are evidence, not something to edit."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from civic.actors import Actor
from density import services
from density.models import (
    CounterLink,
    CrowdReport,
    ExcludedDevice,
    Forecast,
    ForecastRun,
    WeeklyAccuracy,
)


class ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg,unused-ignore]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CrowdReport)
class CrowdReportAdmin(ReadOnly):
    list_display = ["observed_at", "route", "direction_id", "stop", "level", "channel", "cell"]
    list_filter = ["route", "direction_id", "level", "channel"]
    search_fields = ["device_hash", "=cell"]
    date_hierarchy = "observed_at"
    list_select_related = ["route", "stop"]
    actions = ["exclude_devices"]

    @admin.action(description=_("Exclude the devices of these reports (abuse)"))
    def exclude_devices(self, request: HttpRequest, queryset: QuerySet[CrowdReport]) -> None:
        removed = 0
        for device_hash in set(queryset.values_list("device_hash", flat=True)):
            removed += services.device_exclude(
                actor=Actor.from_request(request),
                device_hash=device_hash,
                reason=str(_("Excluded by staff from the reports list")),
            )
        messages.success(
            request,
            ngettext("%(count)d report removed.", "%(count)d reports removed.", removed)
            % {"count": removed},
        )


@admin.register(ExcludedDevice)
class ExcludedDeviceAdmin(ReadOnly):
    list_display = ["device_hash", "excluded_at", "reason"]


@admin.register(Forecast)
class ForecastAdmin(ReadOnly):
    list_display = [
        "route",
        "direction_id",
        "stop",
        "day_type",
        "slot",
        "level",
        "confidence",
        "samples",
    ]
    list_filter = ["route", "direction_id", "day_type"]
    list_select_related = ["route", "stop"]


@admin.register(ForecastRun)
class ForecastRunAdmin(ReadOnly):
    list_display = ["started_at", "full", "cells_recomputed", "forecasts", "seconds"]


@admin.register(WeeklyAccuracy)
class WeeklyAccuracyAdmin(ReadOnly):
    """Per line and week: how far the forecast published on Monday was from that week's
    reports and counter readings (the line left empty: every line together)."""

    list_display = [
        "week",
        "route",
        "reports",
        "counter_readings",
        "mean_absolute_error",
        "exact_share",
    ]
    list_filter = ["route"]
    date_hierarchy = "week"
    list_select_related = ["route"]


@admin.register(CounterLink)
class CounterLinkAdmin(admin.ModelAdmin):  # type: ignore[type-arg,unused-ignore]
    """Which passenger counter counts where; its reliability is learned nightly, not typed."""

    list_display = ["sensor", "route", "direction_id", "stop", "vehicle", "reliability"]
    list_filter = ["route"]
    list_select_related = ["sensor", "route", "stop"]
    raw_id_fields = ["sensor", "stop"]
    readonly_fields = ["reliability", "reliability_pairs", "created_at"]
