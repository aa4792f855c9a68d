"""Reads of the sensors domain: what the public map, pages and open data show."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from civic.actors import Actor
from civic.models import District
from sensors.aqi import LEVEL_COLOURS
from sensors.models import (
    Aggregate,
    AirQualityIndex,
    AlertSubscription,
    AqiScale,
    Reading,
    Sensor,
)
from sensors.quantities import QUANTITIES


def sensors_public() -> QuerySet[Sensor]:
    return Sensor.objects.filter(is_active=True).select_related("district").order_by("device_id")


def latest_hourly_values(
    sensor_ids: list[int], *, now: datetime | None = None
) -> dict[int, dict[str, dict[str, Any]]]:
    """Each sensor's most recent hourly mean per quantity, within the last three hours."""
    now = now or timezone.now()
    latest: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    rows = Aggregate.objects.filter(
        period=Aggregate.Period.HOUR, sensor_id__in=sensor_ids, start__gte=now - timedelta(hours=3)
    ).order_by("start")
    for row in rows.values("sensor_id", "quantity", "start", "mean"):
        latest[row["sensor_id"]][row["quantity"]] = {
            "hour": row["start"],
            "mean": round(row["mean"], 2),
        }
    return latest


def default_scale() -> AqiScale | None:
    return AqiScale.objects.filter(is_default=True).first()


def latest_air_quality(*, scale: AqiScale, since: datetime) -> dict[int, AirQualityIndex]:
    """The latest index of each district since ``since``."""
    latest: dict[int, AirQualityIndex] = {}
    for index in AirQualityIndex.objects.filter(scale=scale, hour__gte=since).order_by("hour"):
        latest[index.district_id] = index
    return latest


def readings_between(
    *, since: datetime, until: datetime, sensor: Sensor | None = None, quantity: str | None = None
) -> QuerySet[Reading]:
    readings = Reading.objects.filter(time__gte=since, time__lt=until)
    if sensor is not None:
        readings = readings.filter(sensor=sensor)
    if quantity:
        readings = readings.filter(quantity=quantity)
    return readings.order_by("sensor_id", "quantity", "time")


def aggregates_between(
    *,
    period: str,
    since: datetime,
    until: datetime,
    sensor: Sensor | None = None,
    district: District | None = None,
    quantity: str | None = None,
) -> QuerySet[Aggregate]:
    aggregates = Aggregate.objects.filter(period=period, start__gte=since, start__lt=until)
    if sensor is not None:
        aggregates = aggregates.filter(sensor=sensor)
    elif district is not None:
        aggregates = aggregates.filter(district=district, sensor__isnull=True)
    if quantity:
        aggregates = aggregates.filter(quantity=quantity)
    return aggregates.select_related("sensor", "district").order_by("start", "quantity")


def district_air_quality(
    *, district: District, scale: AqiScale, since: datetime
) -> QuerySet[AirQualityIndex]:
    return AirQualityIndex.objects.filter(scale=scale, district=district, hour__gte=since).order_by(
        "hour"
    )


def level_colour(level: int | None) -> str:
    return LEVEL_COLOURS[min(level, 6) - 1] if level else ""


def sensor_map(*, now: datetime) -> dict[str, Any]:
    """The public map: each sensor with its latest hourly values, coloured by its district's
    index (at its public, coarsened position), and each district's latest index."""
    scale = default_scale()
    indexes = latest_air_quality(scale=scale, since=now - timedelta(hours=3)) if scale else {}
    sensors = list(sensors_public())
    latest = latest_hourly_values([sensor.pk for sensor in sensors], now=now)
    rows, features = [], []
    for sensor in sensors:
        index = indexes.get(sensor.district_id or 0)
        values = [
            {
                "label": str(QUANTITIES[code].label),
                "value": figure["mean"],
                "unit": QUANTITIES[code].unit,
            }
            for code, figure in sorted(latest.get(sensor.pk, {}).items())
            if code in QUANTITIES
        ]
        latitude, longitude = sensor.public_position
        rows.append({"sensor": sensor, "values": values, "index": index})
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [longitude, latitude]},
                "properties": {
                    "name": str(sensor),
                    "kind": sensor.get_kind_display(),
                    "colour": level_colour(index.level if index else None) or "#1d4e89",
                    "values": [f"{v['label']}: {v['value']} {v['unit']}" for v in values],
                },
            }
        )
    districts = [
        {"district": district, "index": indexes.get(district.pk)}
        for district in District.objects.order_by("name")
    ]
    return {
        "rows": rows,
        "districts": districts,
        "scale": scale,
        "bands": scale.bands if scale else [],
        "geojson": {"type": "FeatureCollection", "features": features},
    }


def district_air(*, district: District, now: datetime) -> dict[str, Any]:
    """A district's index over 24 hours, its PM2.5 hourly over 24 hours and daily over 7 days."""
    scale = default_scale()
    since = now - timedelta(hours=24)
    indexes = (
        list(district_air_quality(district=district, scale=scale, since=since)) if scale else []
    )
    hourly = aggregates_between(
        period=Aggregate.Period.HOUR, since=since, until=now, district=district, quantity="pm25"
    )
    week = now - timedelta(days=7)
    daily = aggregates_between(
        period=Aggregate.Period.DAY, since=week, until=now, district=district, quantity="pm25"
    )
    return {
        "scale": scale,
        "indexes": indexes,
        "hourly": sorted({a.start: a for a in hourly}.items()),
        "daily": list(daily),
    }


def my_alert_subscriptions(*, actor: Actor) -> QuerySet[AlertSubscription]:
    """The acting resident's alert subscriptions, oldest first."""
    person = actor.subject_user
    if person is None:
        return AlertSubscription.objects.none()
    return AlertSubscription.objects.filter(user=person).select_related("district", "rule")


def subscriptions_of_token(*, user_id: int, subscription_ids: list[int]) -> list[AlertSubscription]:
    """What an unsubscribe link would stop, of what still exists."""
    return list(
        AlertSubscription.objects.filter(user_id=user_id, pk__in=subscription_ids).select_related(
            "district", "rule"
        )
    )
