"""Public pages: the sensor map and each district's air quality."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime

from civic.models import District
from sensors import selectors
from sensors.charts import LEVEL_COLOURS, bar_chart
from sensors.models import Aggregate
from sensors.quantities import QUANTITIES


def _level_colour(level: int | None) -> str:
    return LEVEL_COLOURS[min(level, 6) - 1] if level else ""


def sensor_map(request: HttpRequest) -> HttpResponse:
    """Sensors with their latest hourly values, coloured by their district's index."""
    now = timezone.now()
    scale = selectors.default_scale()
    indexes = (
        selectors.latest_air_quality(scale=scale, since=now - timedelta(hours=3)) if scale else {}
    )
    sensors = list(selectors.sensors_public())
    latest = selectors.latest_hourly_values([sensor.pk for sensor in sensors], now=now)
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
                    "colour": _level_colour(index.level if index else None) or "#1d4e89",
                    "values": [f"{v['label']}: {v['value']} {v['unit']}" for v in values],
                },
            }
        )
    districts = [
        {"district": district, "index": indexes.get(district.pk)}
        for district in District.objects.order_by("name")
    ]
    context = {
        "rows": rows,
        "districts": districts,
        "scale": scale,
        "bands": scale.bands if scale else [],
        "geojson": {"type": "FeatureCollection", "features": features},
    }
    return render(request, "sensors/sensor_map.html", context)


def district_air(request: HttpRequest, code: str) -> HttpResponse:
    """A district's air quality: the index over 24 hours, PM2.5 over 24 hours and 7 days."""
    district = get_object_or_404(District, code=code)
    now = timezone.now()
    scale = selectors.default_scale()
    since = now - timedelta(hours=24)
    indexes = (
        list(selectors.district_air_quality(district=district, scale=scale, since=since))
        if scale
        else []
    )
    hourly = {
        aggregate.start: aggregate
        for aggregate in selectors.aggregates_between(
            period=Aggregate.Period.HOUR, since=since, until=now, district=district, quantity="pm25"
        )
    }
    daily = list(
        selectors.aggregates_between(
            period=Aggregate.Period.DAY,
            since=now - timedelta(days=7),
            until=now,
            district=district,
            quantity="pm25",
        )
    )
    context = {
        "district": district,
        "scale": scale,
        "latest": indexes[-1] if indexes else None,
        "index_chart": bar_chart(
            [
                (date_format(localtime(i.hour), "H:i"), i.level, _level_colour(i.level))
                for i in indexes
            ],
            maximum=6,
        ),
        "hourly_chart": bar_chart(
            [
                (date_format(localtime(start), "H:i"), round(a.mean, 1), "")
                for start, a in sorted(hourly.items())
            ]
        ),
        "daily_chart": bar_chart(
            [(date_format(localtime(a.start), "D j"), round(a.mean, 1), "") for a in daily]
        ),
    }
    return render(request, "sensors/district_air.html", context)
