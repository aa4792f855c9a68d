"""What sensors brings to the rest of the site, declared through the core's registries."""

from __future__ import annotations

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from civic.registry import (
    ApiScope,
    HomeTile,
    Link,
    PeriodicTask,
    SeedStep,
    register_api_scope,
    register_home_tile,
    register_link,
    register_periodic_task,
    register_seed_step,
)
from civic.roles import CITY_MAP, register_role
from consent.models import LegalBasis
from consent.registry import PurposeSpec, register_purpose

API_SCOPE = "sensors"


def register() -> None:
    from sensors.alerts import ALERT_EMAIL
    from sensors.personal_data import register_personal_data
    from sensors.seed import seed_sensors

    register_personal_data()
    register_role(
        "sensor_operator",
        label=_("Sensor operator"),
        permissions=CITY_MAP
        | {
            "civic.view_apiclient",
            "civic.add_apiclient",
            "civic.change_apiclient",
            "sensors.view_sensor",
            "sensors.add_sensor",
            "sensors.change_sensor",
            "sensors.view_ingestbatch",
            "sensors.view_quarantine",
            "sensors.change_quarantine",  # replay
            "sensors.view_devicehealth",
            "sensors.view_aggregate",
            "sensors.view_aqiscale",
            "sensors.view_airqualityindex",
            # The team's alert rules (thresholds, silent sensors) and the alerts they open.
            "sensors.view_alertrule",
            "sensors.add_alertrule",
            "sensors.change_alertrule",
            "sensors.view_alert",
        },
    )
    register_link(
        "staff",
        Link(
            "sensors",
            _("Sensors and their health"),
            "admin:sensors_sensor_changelist",
            order=40,
            permission="sensors.view_sensor",
        ),
    )
    register_api_scope(ApiScope(API_SCOPE, _("Sensors (readings from any sensor)")))
    register_purpose(
        PurposeSpec(
            code="sensor-alerts",
            legal_basis=LegalBasis.PUBLIC_TASK,
            title_fr="Alertes des capteurs",
            title_en="Sensor alerts",
            description_fr=(
                "Vous prévenir quand un capteur que vous suivez dépasse un seuil (air, bruit, "
                "niveau d'eau)."
            ),
            description_en=(
                "Tell you when a sensor you follow crosses a threshold (air, noise, water level)."
            ),
            data_categories="Adresse électronique\nQuartier ou type de capteur suivi",
            retention="Jusqu'à la suppression de l'abonnement",
            recipients="Services de la ville",
            notice_fr="Un courriel quand une alerte s'ouvre, désabonnement en un clic.",
            notice_en="An email when an alert opens, unsubscribe in one click.",
            gates=(ALERT_EMAIL,),
        )
    )
    register_seed_step(SeedStep(name="sensors", run=seed_sensors, order=50))
    register_home_tile(
        HomeTile(
            key="sensors",
            title=_("Air and city sensors"),
            description=_("Air quality by district, noise, water levels: live and as open data."),
            url_name="sensors:map",
            order=40,
        )
    )
    for name, task in (
        ("sensors-ingest-sweep", "sensors.tasks.ingest_sweep_task"),
        ("sensors-aggregates", "sensors.tasks.aggregates_refresh_task"),
        ("sensors-alerts", "sensors.tasks.alerts_evaluate_task"),
    ):
        register_periodic_task(PeriodicTask(name, task, 60.0))
    # Raw readings' monthly partitions, created ahead (retention runs in consent-retention).
    register_periodic_task(
        PeriodicTask(
            "sensors-partitions",
            "sensors.tasks.partitions_ensure_task",
            crontab(hour=2, minute=45),
        )
    )
