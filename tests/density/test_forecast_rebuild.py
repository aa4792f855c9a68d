"""The stored forecast: incremental rebuilds through the database give exactly a full rebuild."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.utils import timezone

from density import services
from density.cells import cell_key, day_type_and_slot
from density.forecast import device_id
from density.models import (
    CellStatistic,
    CounterLink,
    CrowdReport,
    Forecast,
    RouteStop,
)
from density.seed import seed_density
from density.tasks import forecast_nightly_task, forecast_rebuild_task
from sensors.models import Sensor
from sensors.storage import readings_write

pytestmark = pytest.mark.django_db


@pytest.fixture
def network() -> list[tuple[int, int, list[int]]]:
    seed_density(stdout=StringIO())
    lines: dict[tuple[int, int], list[int]] = {}
    for route_id, direction, stop_id in RouteStop.objects.order_by(
        "pattern__route", "pattern__direction_id", "position"
    ).values_list("pattern__route_id", "pattern__direction_id", "stop_id"):
        lines.setdefault((route_id, direction), []).append(stop_id)
    return [(route, direction, stops) for (route, direction), stops in lines.items()]


def add_report(
    *, route: int, direction: int, stop: int, level: int, at: datetime, device: str
) -> CrowdReport:
    day, slot = day_type_and_slot(at)
    return CrowdReport.objects.create(
        route_id=route,
        direction_id=direction,
        stop_id=stop,
        level=level,
        observed_at=at,
        channel="web",
        device_hash=device,
        device=device_id(device),
        cell=cell_key(
            route_id=route, direction_id=direction, stop_id=stop, day_type=day, slot=slot
        ),
    )


def random_reports(rng: random.Random, network: Any, count: int, start: datetime) -> None:
    for _ in range(count):
        route, direction, stops = rng.choice(network)
        add_report(
            route=route,
            direction=direction,
            stop=rng.choice(stops[:3]),
            level=rng.randint(1, 5),
            at=start + timedelta(minutes=rng.randint(0, 6 * 24 * 60)) % timedelta(days=6),
            device=f"device-{rng.randint(1, 12)}",
        )


def stored() -> tuple[list[Any], list[Any]]:
    forecasts = list(
        Forecast.objects.order_by("cell").values_list("cell", "level", "confidence", "samples")
    )
    statistics = [
        (row[0], row[1], row[2], bytes(row[3]), bytes(row[4]), *row[5:])
        for row in CellStatistic.objects.order_by("archived", "cell").values_list(
            "cell",
            "archived",
            "top",
            "decayed",
            "counts",
            "devices",
            "counter_mean",
            "counter_strength",
            "counter_readings",
        )
    ]
    return forecasts, statistics


def test_it_gives_exactly_the_full_rebuild_after_incremental_ones(network: Any) -> None:
    rng = random.Random(13)
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(days=100)
    route, direction, stops = network[0]
    counter = Sensor.objects.create(
        device_id="apc-1",
        kind="passenger_counter",
        device_format="native",
        latitude=47.39,
        longitude=0.689,
    )
    CounterLink.objects.create(
        sensor=counter, route_id=route, direction_id=direction, stop_id=stops[1]
    )
    random_reports(rng, network, 400, start)
    forecast_rebuild_task()

    random_reports(rng, network, 200, start + timedelta(days=20))
    readings_write(
        [
            (counter.pk, "passengers", timezone.now() - timedelta(minutes=15 * i), 20.0 + i)
            for i in range(1, 12)
        ]
    )
    assert services.forecast_rebuild().run.full is False
    services.device_exclude(actor=None, device_hash="device-3", reason="Always says maximum")  # type: ignore[arg-type]
    services.crowd_reports_fold(before=start + timedelta(days=3))
    random_reports(rng, network, 150, start + timedelta(days=50))
    services.forecast_rebuild(recalibrate=True)
    incremental = stored()

    services.forecast_rebuild(full=True)

    assert incremental[0], "some forecasts are published"
    full = stored()
    assert len(full[0]) == len(incremental[0])
    assert full[1] == incremental[1]
    assert full[0] == incremental[0]


def test_it_folds_reports_past_retention_nightly_and_keeps_what_they_taught(network: Any) -> None:
    route, direction, stops = network[0]
    old = timezone.now() - timedelta(days=120)
    for device in range(6):
        add_report(
            route=route, direction=direction, stop=stops[1], level=4, at=old, device=f"d{device}"
        )
    forecast_rebuild_task()
    before = stored()[0]

    forecast_nightly_task()

    assert not CrowdReport.objects.exists()
    assert CellStatistic.objects.filter(archived=True).exists()
    assert [row[1] for row in stored()[0]] == [row[1] for row in before]


@pytest.mark.parametrize(("devices", "published"), [(2, False), (3, True)], ids=["k-1", "k"])
def test_it_publishes_a_cell_only_from_k_devices_as_the_setting_says(
    network: Any, settings: Any, devices: int, published: bool
) -> None:
    settings.CIVIC_DENSITY_K_ANONYMITY = 3
    route, direction, stops = network[0]
    at = timezone.now() - timedelta(days=2)
    for report in range(6):
        add_report(
            route=route,
            direction=direction,
            stop=stops[1],
            level=3,
            at=at,
            device=f"d{report % devices}",
        )

    services.forecast_rebuild()

    assert Forecast.objects.exists() is published
