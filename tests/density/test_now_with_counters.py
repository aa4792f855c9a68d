"""'Now' on a line counts the stop counters' last readings, and each counter weighs as much as
its calibrated levels agree with what passengers report at the same stop and time."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.test import Client
from django.utils import timezone

from density import forecast, forecast_db
from density.models import CounterLink, Route, Stop
from density.seed import seed_density
from density.selectors import level_now
from density.services import counter_reliability_update
from density.tasks import forecast_nightly_task
from sensors.models import Sensor
from sensors.storage import readings_write
from tests.density.test_forecast_rebuild import add_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def tram() -> Route:
    seed_density(stdout=StringIO())
    return Route.objects.get(gtfs_id="T1")


def stop(gtfs_id: str) -> Stop:
    return Stop.objects.get(gtfs_id=gtfs_id)


def counter_at(tram: Route, gtfs_id: str, direction: int = 0) -> CounterLink:
    sensor = Sensor.objects.create(
        device_id=f"apc-{gtfs_id}",
        kind="passenger_counter",
        device_format="native",
        latitude=47.39,
        longitude=0.689,
    )
    return CounterLink.objects.create(
        sensor=sensor, route=tram, direction_id=direction, stop=stop(gtfs_id)
    )


def test_it_says_now_from_a_stop_counters_last_reading(tram: Route, client: Client) -> None:
    link = counter_at(tram, "HDV")
    now = timezone.now()
    # A full tram (200 passengers is a tram's capacity until counters are calibrated).
    readings_write([(link.sensor_id, "passengers", now - timedelta(minutes=5), 200.0)])

    here = level_now(route_id=tram.pk, direction_id=0, stop_id=stop("HDV").pk, at=now)
    elsewhere = level_now(route_id=tram.pk, direction_id=0, stop_id=stop("GARE").pk, at=now)
    page = client.get(
        f"/density/lines/{tram.pk}/",
        {"direction": 0, "stop": stop("HDV").pk},
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()

    assert here is not None and (here.source, here.counter_readings, here.rounded) == (
        "recent",
        1,
        5,
    )
    assert elsewhere is None, "no forecast and nothing seen at that stop"
    assert "Now:" in page and "maximum" in page


def test_it_forgets_a_counters_reading_after_20_minutes(tram: Route) -> None:
    link = counter_at(tram, "HDV")
    now = timezone.now()
    readings_write([(link.sensor_id, "passengers", now - timedelta(minutes=25), 200.0)])

    assert level_now(route_id=tram.pk, direction_id=0, stop_id=stop("HDV").pk, at=now) is None


def test_it_trusts_a_counter_as_far_as_it_agrees_with_passengers(tram: Route) -> None:
    agrees, disagrees, unproven = (
        counter_at(tram, "HDV"),
        counter_at(tram, "GARE", direction=1),
        counter_at(tram, "MARCHE"),
    )
    start = timezone.now() - timedelta(days=3)
    for i in range(12):
        at = start + timedelta(minutes=15 * i)
        readings_write(
            [
                (agrees.sensor_id, "passengers", at, 0.0),  # empty: "low"
                (disagrees.sensor_id, "passengers", at, 200.0),  # full: "maximum"
            ]
        )
        for gtfs_id, direction in (("HDV", 0), ("GARE", 1)):
            add_report(
                route=tram.pk,
                direction=direction,
                stop=stop(gtfs_id).pk,
                level=1,
                at=at + timedelta(minutes=3),
                device=f"phone-{i}",
            )
    readings_write([(unproven.sensor_id, "passengers", start, 200.0)])

    learned = counter_reliability_update()

    assert learned == {agrees.pk: 1.0, disagrees.pk: 0.1, unproven.pk: 1.0}
    disagrees.refresh_from_db()
    assert disagrees.reliability_pairs == 12
    # The engine weighs each reading by its counter's reliability.
    rows = forecast_db.all_counter_rows(timezone.now())
    assert {row[3] for row in rows} == {1.0, 0.1}
    assert forecast_nightly_task() > 0


def test_it_scores_reliability_from_the_gap_in_levels() -> None:
    assert forecast.counter_reliability([(3.0, 3.0)] * 9) == 1.0, "too few to judge"
    assert forecast.counter_reliability([(3.4, 3.0)] * 10) == 1.0
    assert forecast.counter_reliability([(4.0, 3.0)] * 10) == 0.5
    assert forecast.counter_reliability([(5.0, 1.0)] * 10) == 0.1


def test_it_shows_staff_each_counters_learned_reliability(
    tram: Route, admin_client: Client
) -> None:
    link = counter_at(tram, "HDV")
    CounterLink.objects.filter(pk=link.pk).update(reliability=0.35, reliability_pairs=40)

    listing = admin_client.get("/admin/density/counterlink/").content.decode()
    change = admin_client.get(f"/admin/density/counterlink/{link.pk}/change/").content.decode()

    assert "apc-HDV" in listing and "0,35" in listing  # the admin speaks French
    assert "0,35" in change and 'name="reliability"' not in change, "learned, not typed"
