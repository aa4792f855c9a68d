"""The personal data of residents hosting a sensor (who hosts it and where it stands) and of
residents subscribed to its alerts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from civic.actors import Actor
    from civic.models import User


def export_sensors(user: User) -> dict[str, Any]:
    from sensors.models import AlertSubscription, Sensor

    return {
        "alert_subscriptions": [
            {
                "rule": subscription.rule.name if subscription.rule else None,
                "district": subscription.district.name if subscription.district else None,
                "kind": subscription.kind or None,
                "subscribed_at": subscription.created_at.isoformat(),
            }
            for subscription in AlertSubscription.objects.filter(user=user).select_related(
                "rule", "district"
            )
        ],
        "hosted_sensors": [
            {
                "device_id": sensor.device_id,
                "kind": sensor.kind,
                "latitude": sensor.latitude,
                "longitude": sensor.longitude,
                "district": sensor.district.name if sensor.district else None,
                "registered_at": sensor.created_at.isoformat(),
            }
            for sensor in Sensor.objects.filter(owner=user).select_related("district")
        ],
    }


@transaction.atomic
def erase_sensors(user: User, *, actor: Actor) -> dict[str, Any]:
    """The host is unlinked and the position kept only to about 100 m: the readings stay,
    they are about the air, not the person."""
    from sensors.models import AlertSubscription, Sensor

    deleted = []
    subscriptions, _by_model = AlertSubscription.objects.filter(user=user).delete()
    if subscriptions:
        deleted.append(f"{subscriptions} sensor alert subscriptions")
    for sensor in Sensor.objects.select_for_update().filter(owner=user):
        latitude, longitude = sensor.public_position
        Sensor.objects.filter(pk=sensor.pk).update(
            # The name was the host's to choose (it may be theirs): the device id stays.
            owner=None,
            latitude=latitude,
            longitude=longitude,
            home_hosted=True,
            name="",
        )
        deleted.append(f"host of sensor {sensor.device_id} and its exact position")
    kept = (
        [
            {
                "what": "the sensors' readings, position rounded to about 100 m",
                "why": "measurements of the environment published as open data",
                "until": None,
            }
        ]
        if deleted
        else []
    )
    return {"deleted": deleted, "kept": kept}


def register_personal_data() -> None:
    from consent.registry import register
    from sensors.partitions import readings_retention

    register(
        "sensors",
        summary=_(
            "Sensors you host at home (their identifier and exact position) and the sensor "
            "alerts you subscribed to."
        ),
        exporter=export_sensors,
        eraser=erase_sensors,
        # Raw readings (a resident's home sensor among them) past CIVIC_SENSORS_RAW_RETENTION_DAYS.
        retention=readings_retention,
        personal_fields={"sensors.sensor": ("latitude", "longitude")},
    )
