"""What density brings to the rest of the site, declared through the core's registries."""

from __future__ import annotations

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from civic.registry import (
    ApiScope,
    PeriodicTask,
    SeedStep,
    register_api_scope,
    register_periodic_task,
    register_seed_step,
)
from consent.models import LegalBasis
from consent.registry import PurposeSpec, register_purpose


def register() -> None:
    from density.seed import seed_density, seed_density_crowds

    # After the city (its map centre) and before the sensors that count passengers.
    register_seed_step(SeedStep(name="density", run=seed_density, order=40))
    # After the sensors: it registers the demo's passenger counters through sensors' service.
    register_seed_step(SeedStep(name="density-crowds", run=seed_density_crowds, order=60))
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
    register_purpose(
        PurposeSpec(
            code="crowd-density",
            legal_basis=LegalBasis.CONSENT,
            title_fr="Contributions à l'affluence",
            title_en="Crowd density contributions",
            description_fr="Relier vos signalements d'affluence à votre compte pour les retrouver.",
            description_en="Link your crowd reports to your account so you can find them.",
            data_categories="Ligne, arrêt, niveau d'affluence, heure",
            retention="Six mois",
            recipients="Service mobilités",
            notice_fr="Vos signalements d'affluence restent liés à votre compte six mois.",
            notice_en="Your crowd reports stay linked to your account for six months.",
        )
    )
