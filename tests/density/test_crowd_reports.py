"""Crowd reports: what is refused, what replaces what, rate limits, and what is stored."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from io import StringIO

import pytest
from django.test import override_settings
from django.utils import timezone, translation

from civic.actors import Actor, Channel
from civic.errors import InvalidInput, NotAllowed
from density import services
from density.models import CrowdReport, Route, RouteStop, Stop
from density.seed import seed_density

pytestmark = pytest.mark.django_db

WEB = Actor(channel=Channel.WEB)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def tram() -> Route:
    seed_density(stdout=StringIO())
    return Route.objects.get(gtfs_id="T1")


def stop_of(route: Route, direction: int = 0, position: int = 1) -> Stop:
    return RouteStop.objects.get(
        pattern__route=route, pattern__direction_id=direction, position=position
    ).stop


def submit(route: Route, **overrides: object) -> CrowdReport:
    fields: dict[str, object] = {
        "actor": WEB,
        "route": route,
        "direction": 0,
        "stop": stop_of(route),
        "level": 3,
        "observed_at": timezone.now(),
        "device_token": "token-1",
    }
    fields.update(overrides)
    return services.crowd_report_submit(**fields)  # type: ignore[arg-type]


def test_it_stores_a_report_with_the_device_tokens_hash_only(tram: Route) -> None:
    report = submit(tram, level=4)

    stored = CrowdReport.objects.get()
    assert stored.level == 4 and stored.channel == "web"
    assert stored.device_hash == services.device_hash_of("token-1") != "token-1"
    assert not any(field.name == "user" for field in CrowdReport._meta.get_fields())
    assert report.pk == stored.pk


def test_it_refuses_a_stop_not_on_the_line(tram: Route) -> None:
    elsewhere = Stop.objects.get(gtfs_id="STMARTIN")  # bus 2 only

    with pytest.raises(InvalidInput, match="not on line T1") as refusal:
        submit(tram, stop=elsewhere)

    assert refusal.value.field == "stop"
    assert not CrowdReport.objects.exists()


@pytest.mark.parametrize(
    ("shift", "message"),
    [(timedelta(minutes=30), "in the future"), (timedelta(hours=-2, minutes=-5), "two hours")],
    ids=["future", "too-old"],
)
def test_it_refuses_a_time_in_the_future_or_too_long_ago(
    tram: Route, shift: timedelta, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        submit(tram, observed_at=timezone.now() + shift)

    assert not CrowdReport.objects.exists()


@pytest.mark.parametrize("level", [0, 6, -1])
def test_it_refuses_an_unknown_level(tram: Route, level: int) -> None:
    with pytest.raises(InvalidInput, match="five crowding levels"):
        submit(tram, level=level)


def test_it_replaces_a_repeat_of_the_same_trip_within_ten_minutes(tram: Route) -> None:
    now = timezone.now()
    submit(tram, level=2, observed_at=now - timedelta(minutes=8))
    submit(tram, level=5, observed_at=now, stop=stop_of(tram, position=2))
    submit(tram, level=1, observed_at=now, device_token="someone-else")

    assert sorted(CrowdReport.objects.values_list("level", flat=True)) == [1, 5]


def test_it_keeps_two_trips_more_than_ten_minutes_apart(tram: Route) -> None:
    now = timezone.now()
    submit(tram, level=2, observed_at=now - timedelta(minutes=11))
    submit(tram, level=5, observed_at=now)

    assert CrowdReport.objects.count() == 2


@override_settings(CIVIC_DENSITY_REPORTS_PER_HOUR=3)
def test_it_limits_reports_per_device_and_per_address(tram: Route) -> None:
    start = timezone.now() - timedelta(minutes=100)
    for i in range(3):
        submit(tram, observed_at=start + timedelta(minutes=11 * i))
    with pytest.raises(services.TooManyReports):
        submit(tram, observed_at=start + timedelta(minutes=50))

    for i in range(30):
        submit(tram, device_token=f"phone-{i}", ip="192.0.2.7")
    with pytest.raises(services.TooManyReports):
        submit(tram, device_token="phone-new", ip="192.0.2.7")
    submit(tram, device_token="phone-new", ip="192.0.2.8")


def test_it_refuses_and_forgets_an_excluded_device(tram: Route) -> None:
    submit(tram)
    submit(tram, device_token="honest")

    services.device_exclude(
        actor=Actor.system(), device_hash=services.device_hash_of("token-1"), reason="Pranks"
    )

    assert list(CrowdReport.objects.values_list("device_hash", flat=True)) == [
        services.device_hash_of("honest")
    ]
    with pytest.raises(NotAllowed):
        submit(tram)
