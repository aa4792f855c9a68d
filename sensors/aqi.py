"""The European Air Quality Index per district and hour, from the district hourly aggregates.

PM2.5 and PM10 count as 24-hour running means (hours h-23…h), NO2, O3 and SO2 as hourly means;
the index is the worst band among the pollutants measured. Bands and thresholds are data
(``AqiScale``), so a revision is a new row, not a release.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.utils import timezone

from sensors.models import Aggregate, AirQualityIndex, AqiScale

RUNNING_24H = {"pm25", "pm10"}
POLLUTANTS = ("pm25", "pm10", "no2", "o3", "so2")
WINDOW = timedelta(hours=24)

# The scales are data (``AqiScale``); migration 0003 installed these two, and
# ``scales_install()`` restores them (demo seed, tests that flush the database). A revision is a
# new scale made the default, never an edit of one whose figures were published.
BANDS = [
    {"level": 1, "label": "good", "colour": "#50f0e6"},
    {"level": 2, "label": "fair", "colour": "#50ccaa"},
    {"level": 3, "label": "moderate", "colour": "#f0e641"},
    {"level": 4, "label": "poor", "colour": "#ff5050"},
    {"level": 5, "label": "very_poor", "colour": "#960032"},
    {"level": 6, "label": "extremely_poor", "colour": "#7d2181"},
]
SCALES = [
    # The EEA's revised index (2024), aligned on the WHO 2021 air-quality guidelines.
    (
        "eaqi-2024",
        "European Air Quality Index (2024, WHO 2021)",
        "2024-01-01",
        True,
        {
            "pm25": [5, 15, 50, 90, 140, 800],
            "pm10": [15, 45, 120, 195, 270, 1200],
            "no2": [10, 25, 60, 100, 150, 1000],
            "o3": [60, 100, 120, 160, 180, 800],
            "so2": [20, 40, 125, 190, 275, 1250],
        },
    ),
    # The earlier six-band table (2017-2023), kept for history and comparison.
    (
        "eaqi-2017",
        "European Air Quality Index (2017)",
        "2017-11-01",
        False,
        {
            "pm25": [10, 20, 25, 50, 75, 800],
            "pm10": [20, 40, 50, 100, 150, 1200],
            "no2": [40, 90, 120, 230, 340, 1000],
            "o3": [50, 100, 130, 240, 380, 800],
            "so2": [100, 200, 350, 500, 750, 1250],
        },
    ),
]

# The bands' colours, from level 1 (good) to 6 (extremely poor), for charts.
LEVEL_COLOURS = [str(band["colour"]) for band in BANDS]


def scales_install() -> None:
    """Create the shipped scales that are missing (never overwrites an existing one)."""
    for code, title, valid_from, is_default, thresholds in SCALES:
        if AqiScale.objects.filter(code=code).exists():
            continue
        AqiScale.objects.create(
            code=code,
            title=title,
            valid_from=valid_from,
            is_default=is_default and not AqiScale.objects.filter(is_default=True).exists(),
            bands=BANDS,
            thresholds=thresholds,
        )


def air_quality_refresh(*, district_hours: Iterable[tuple[int, datetime]]) -> int:
    """Recompute the index of these district hours and of the 23 after each (their PM window)."""
    now = timezone.now()
    wanted: dict[int, set[datetime]] = defaultdict(set)
    for district_id, hour in district_hours:
        for offset in range(24):
            later = hour + timedelta(hours=offset)
            if later <= now:
                wanted[district_id].add(later)
    scales = list(AqiScale.objects.all())
    if not wanted or not scales:
        return 0
    written = 0
    for district_id, hours in wanted.items():
        low, high = min(hours) - WINDOW, max(hours)
        parts = Aggregate.objects.filter(
            period=Aggregate.Period.HOUR,
            sensor__isnull=True,
            district_id=district_id,
            quantity__in=POLLUTANTS,
            start__gt=low,
            start__lte=high,
        ).values_list("quantity", "start", "total", "count")
        series: dict[str, dict[datetime, tuple[float, int]]] = defaultdict(dict)
        for quantity, start, total, count in parts:
            series[quantity][start] = (total, count)
        rows = []
        for hour in sorted(hours):
            means = _means(series, hour)
            if not means:
                continue
            for scale in scales:
                levels = {q: scale.level(q, value) for q, value in means.items()}
                indexed = {q: level for q, level in levels.items() if level is not None}
                if not indexed:
                    continue
                worst = max(indexed, key=lambda q: (indexed[q], q))
                rows.append(
                    AirQualityIndex(
                        scale=scale,
                        district_id=district_id,
                        hour=hour,
                        level=indexed[worst],
                        pollutant=worst,
                        values={
                            q: {"value": round(means[q], 2), "level": level}
                            for q, level in indexed.items()
                        },
                    )
                )
        AirQualityIndex.objects.filter(district_id=district_id, hour__in=hours).delete()
        AirQualityIndex.objects.bulk_create(rows)
        written += len(rows)
    return written


def _means(
    series: dict[str, dict[datetime, tuple[float, int]]], hour: datetime
) -> dict[str, float]:
    means = {}
    for quantity, by_hour in series.items():
        if quantity in RUNNING_24H:
            window = [by_hour[start] for start in by_hour if hour - WINDOW < start <= hour]
            # As the EEA does: a running mean needs most of its window (18 of 24 hours).
            if len(window) < 18 or hour not in by_hour:
                continue
        else:
            window = [by_hour[hour]] if hour in by_hour else []
        count = sum(n for _total, n in window)
        if count:
            means[quantity] = sum(total for total, _n in window) / count
    return means
