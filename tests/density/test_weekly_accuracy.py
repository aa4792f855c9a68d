"""Each week, the forecast published on Monday is scored against that week's reports and
counter readings: per line and for every line, on the method page and for staff in the admin."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from io import StringIO

import pytest
from django.test import Client
from django.utils import timezone

from civic.registry import periodic_tasks
from density import services
from density.cells import cell_key, day_type_and_slot
from density.models import CounterLink, Forecast, PublishedForecast, Route, Stop, WeeklyAccuracy
from density.seed import seed_density
from density.services import forecast_accuracy_weekly, forecast_publish_week, week_of
from sensors.models import Sensor
from sensors.storage import readings_write
from tests.density.test_forecast_rebuild import add_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def tram() -> Route:
    seed_density(stdout=StringIO())
    return Route.objects.get(gtfs_id="T1")


def hdv() -> Stop:
    return Stop.objects.get(gtfs_id="HDV")


def publish(tram: Route, at: datetime, level: float) -> None:
    day, slot = day_type_and_slot(at)
    Forecast.objects.create(
        cell=cell_key(route_id=tram.pk, direction_id=0, stop_id=hdv().pk, day_type=day, slot=slot),
        route=tram,
        direction_id=0,
        stop=hdv(),
        day_type=day,
        slot=slot,
        level=level,
        confidence=0.8,
        samples=12,
    )


def a_week_ago_tuesday_at_eight() -> datetime:
    week = week_of(timezone.now()) - timedelta(days=7)
    return timezone.make_aware(datetime.combine(week + timedelta(days=1), time(8, 5)))


def test_it_scores_the_published_forecast_against_the_weeks_reports_and_counts(
    tram: Route,
) -> None:
    at = a_week_ago_tuesday_at_eight()
    publish(tram, at, 3.0)
    assert forecast_publish_week(week=week_of(at)) == 1
    Forecast.objects.update(level=5.0)  # later rebuilds do not change what was published
    for device, level in (("a", 4), ("b", 3)):
        add_report(route=tram.pk, direction=0, stop=hdv().pk, level=level, at=at, device=device)
    # A report where nothing was published is not scored.
    add_report(route=tram.pk, direction=1, stop=hdv().pk, level=5, at=at, device="c")
    sensor = Sensor.objects.create(
        device_id="apc-hdv",
        kind="passenger_counter",
        device_format="native",
        latitude=47.39,
        longitude=0.689,
    )
    CounterLink.objects.create(sensor=sensor, route=tram, direction_id=0, stop=hdv())
    # 100 passengers on a 200-place tram: level 3 until counters are calibrated.
    readings_write([(sensor.pk, "passengers", at + timedelta(minutes=2), 100.0)])

    scored = services.forecast_accuracy_score(week=week_of(at))

    figures = {
        (
            s.route_id,
            s.reports,
            s.counter_readings,
            round(s.mean_absolute_error or 0, 3),
            round(s.exact_share or 0, 3),
        )
        for s in scored
    }
    assert figures == {(tram.pk, 2, 1, 0.333, 0.667), (None, 2, 1, 0.333, 0.667)}


def test_it_scores_last_week_each_monday_and_keeps_this_weeks_forecast(tram: Route) -> None:
    at = a_week_ago_tuesday_at_eight()
    publish(tram, at, 2.0)
    forecast_publish_week(week=week_of(at))
    add_report(route=tram.pk, direction=0, stop=hdv().pk, level=2, at=at, device="a")
    monday = timezone.make_aware(datetime.combine(week_of(timezone.now()), time(4, 10)))

    forecast_accuracy_weekly(now=monday)

    assert set(PublishedForecast.objects.values_list("week", flat=True)) == {monday.date()}
    overall = WeeklyAccuracy.objects.get(route=None)
    assert (overall.week, overall.reports, overall.mean_absolute_error, overall.exact_share) == (
        week_of(at),
        1,
        0.0,
        1.0,
    )
    assert any(t.task == "density.tasks.forecast_accuracy_weekly_task" for t in periodic_tasks())


def test_it_shows_the_weeks_on_the_method_page_and_per_line_to_staff(
    tram: Route, client: Client, admin_client: Client
) -> None:
    week = week_of(timezone.now()) - timedelta(days=7)
    WeeklyAccuracy.objects.create(
        week=week,
        route=None,
        reports=40,
        counter_readings=8,
        mean_absolute_error=0.61,
        exact_share=0.55,
    )
    WeeklyAccuracy.objects.create(
        week=week,
        route=tram,
        reports=30,
        counter_readings=8,
        mean_absolute_error=0.42,
        exact_share=0.6,
    )

    public = client.get("/density/method/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    staff = admin_client.get("/admin/density/weeklyaccuracy/", {"route__id__exact": tram.pk})

    assert "Accuracy week by week" in public and "0.61" in public and "55 %" in public
    assert "0.42" not in public, "per line: staff only"
    assert staff.status_code == 200 and "0,42" in staff.content.decode()  # in French
