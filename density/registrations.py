"""What density brings to the rest of the site, declared through the core's registries."""

from __future__ import annotations

from celery.schedules import crontab
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from civic.registry import (
    ApiScope,
    HomeTile,
    KioskTile,
    PeriodicTask,
    SeedStep,
    register_api_scope,
    register_home_tile,
    register_kiosk_tile,
    register_periodic_task,
    register_seed_step,
)
from consent.registry import Algorithm, register_algorithm


def _method_link() -> str:
    return format_html(
        '{} <a href="{}">{}</a>',
        _(
            "Forecasts how crowded each line is at each stop and quarter of an hour, from "
            "passengers' reports and automatic counters, for the line pages, the API and the "
            "GTFS-Realtime feed."
        ),
        reverse("density:method"),
        _("How it works and how accurate it is."),
    )


# Rendered when the register page is, in the reader's language (the URL resolves by then).
method_link = lazy(_method_link, SafeString)


def register() -> None:
    from density.personal_data import register_personal_data
    from density.seed import seed_density, seed_density_crowds

    register_personal_data()

    # Crowd reports are anonymous by construction: no purpose to consent to (and none asked).
    # After the city (its map centre) and before the sensors that count passengers.
    register_seed_step(SeedStep(name="density", run=seed_density, order=40))
    # After the sensors: it registers the demo's passenger counters through sensors' service.
    register_seed_step(SeedStep(name="density-crowds", run=seed_density_crowds, order=60))
    register_home_tile(
        HomeTile(
            key="density",
            title=_("How crowded?"),
            description=_("Expected crowding on each tram and bus line; say how crowded yours is."),
            url_name="density:index",
            order=20,
        )
    )
    register_kiosk_tile(
        KioskTile(key="density", title=_("How crowded?"), url_name="density:index", order=20)
    )
    register_algorithm(
        Algorithm(
            code="crowding-forecast",
            name=_("Crowding forecast"),
            what_it_does=method_link(),
            data_used=_(
                "Anonymous crowd reports (line, stop, level, time, a rotating device token never "
                "published) and passenger counter readings. No account, no name."
            ),
            human_check=_(
                "Staff see the reports per line and cell, can exclude a device's reports (abuse), "
                "and see how accurate the forecast is. The forecast decides nothing about anyone."
            ),
        )
    )
    register_api_scope(ApiScope("density", _("Passenger density (crowd reports from apps)")))
    register_periodic_task(
        PeriodicTask("density-forecast-rebuild", "density.tasks.forecast_rebuild_task", 300.0)
    )
    register_periodic_task(
        PeriodicTask(
            "density-forecast-nightly",
            "density.tasks.forecast_nightly_task",
            crontab(hour=3, minute=20),
        )
    )
    # After the nightly rebuild: the week's forecast is the one that rebuild published.
    register_periodic_task(
        PeriodicTask(
            "density-forecast-accuracy-weekly",
            "density.tasks.forecast_accuracy_weekly_task",
            crontab(day_of_week=1, hour=4, minute=10),
        )
    )
