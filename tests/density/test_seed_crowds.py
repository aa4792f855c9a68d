"""The demo city's simulated month of crowd reports and counts: forecasts from the first run."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from io import StringIO

import pytest
from django.utils import timezone

from density.daytypes import DayType, day_type
from density.forecast import rounded_level
from density.gtfs_rt import occupancy_feed
from density.models import CounterLink, CrowdReport, Feed, Forecast, RouteCalibration
from density.seed import seed_density, seed_density_crowds
from density.selectors import forecast_for

pytestmark = pytest.mark.django_db


def test_it_fills_the_demo_city_with_a_month_of_reports_and_counts_once() -> None:
    seed_density(stdout=StringIO())
    out = StringIO()
    seed_density_crowds(stdout=out)
    reports = CrowdReport.objects.count()

    seed_density_crowds(stdout=StringIO())

    assert reports > 1000 and CrowdReport.objects.count() == reports
    assert CounterLink.objects.count() == 2
    assert Forecast.objects.filter(route__gtfs_id="T1").exists()
    assert "simulated crowd reports" in out.getvalue()

    day = timezone.localdate() + timedelta(days=1)
    while day_type(day) != DayType.WEEKDAY:
        day += timedelta(days=1)
    hdv = {"route_id": CounterLink.objects.get(stop__gtfs_id="HDV").route_id, "direction_id": 0}
    stop_id = CounterLink.objects.get(stop__gtfs_id="HDV").stop_id
    rush = forecast_for(
        **hdv, stop_id=stop_id, at=timezone.make_aware(datetime.combine(day, time(8, 5)))
    )
    evening = forecast_for(
        **hdv, stop_id=stop_id, at=timezone.make_aware(datetime.combine(day, time(21, 5)))
    )
    assert rush is not None and evening is not None
    assert rounded_level(rush.level) > rounded_level(evening.level)
    morning = timezone.make_aware(datetime.combine(day, time(8, 0)))
    assert occupancy_feed(now=morning, feeds=list(Feed.objects.all())).entity
    assert RouteCalibration.objects.exists()
