"""Alert rules: a condition held over a duration opens one alert, hysteresis closes it, silent
sensors are flagged, subscribers are emailed in their language, a bin-full rule opens a staff
report through the reports service."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from civic.celery import beat_schedule
from sensors.alerts import alerts_evaluate
from sensors.models import Alert, AlertRule, AlertSubscription, Sensor
from sensors.storage import readings_write
from tests.sensors.conftest import make_device

pytestmark = pytest.mark.django_db


@pytest.fixture
def now() -> datetime:
    return timezone.now().replace(second=0, microsecond=0)


@pytest.fixture
def river(districts: list[Any]) -> Sensor:
    return make_device("river-1", "native", "water_level").sensor


@pytest.fixture
def high_water(river: Sensor) -> AlertRule:
    return AlertRule.objects.create(
        name="Crue",
        quantity="water_level",
        threshold=300,
        duration_minutes=15,
        hysteresis=20,
        scope=AlertRule.Scope.KIND,
        kind="water_level",
    )


def levels(sensor: Sensor, now: datetime, values: dict[int, float]) -> None:
    """Water levels at ``now`` minus so many minutes."""
    readings_write(
        [
            (sensor.pk, "water_level", now - timedelta(minutes=ago), value)
            for ago, value in values.items()
        ]
    )


def test_it_opens_one_alert_when_the_threshold_held_over_the_duration(
    river: Sensor, high_water: AlertRule, now: datetime
) -> None:
    levels(river, now, {30: 250, 20: 310, 10: 330, 0: 320})

    assert alerts_evaluate(now=now) == {"opened": 1, "closed": 0}

    alert = Alert.objects.get()
    assert (alert.rule, alert.sensor, alert.kind) == (high_water, river, Alert.Kind.THRESHOLD)
    assert alert.opened_at == now and alert.closed_at is None
    assert alert.peak_value == 330


def test_it_does_not_open_on_a_brief_spike(
    river: Sensor, high_water: AlertRule, now: datetime
) -> None:
    levels(river, now, {30: 250, 10: 400, 0: 390})  # above for 10 minutes of the 15

    assert alerts_evaluate(now=now) == {"opened": 0, "closed": 0}
    assert not Alert.objects.exists()


def test_it_closes_only_once_the_value_is_back_past_the_hysteresis(
    river: Sensor, high_water: AlertRule, now: datetime
) -> None:
    levels(river, now, {20: 310, 0: 320})
    alerts_evaluate(now=now)

    levels(river, now, {-1: 290})  # under the threshold, not under threshold - hysteresis
    assert alerts_evaluate(now=now + timedelta(minutes=1)) == {"opened": 0, "closed": 0}
    levels(river, now, {-2: 279})
    assert alerts_evaluate(now=now + timedelta(minutes=2)) == {"opened": 0, "closed": 1}

    alert = Alert.objects.get()
    assert alert.closed_at == now + timedelta(minutes=2)
    assert (alert.peak_value, alert.last_value) == (320, 279)


def test_it_never_keeps_two_open_alerts_for_one_rule_and_sensor(
    river: Sensor, high_water: AlertRule, now: datetime
) -> None:
    levels(river, now, {20: 310, 0: 320})

    alerts_evaluate(now=now)
    levels(river, now, {-1: 350})
    alerts_evaluate(now=now + timedelta(minutes=1))
    alerts_evaluate(now=now + timedelta(minutes=1))

    alert = Alert.objects.get()
    assert alert.is_open and alert.peak_value == 350


def test_it_watches_only_the_sensors_of_its_district(
    river: Sensor, districts: list[Any], now: datetime
) -> None:
    elsewhere = make_device("river-2", "native", "water_level", latitude=47.3, longitude=0.5)
    AlertRule.objects.create(
        name="Étiage",
        quantity="water_level",
        comparison=AlertRule.Comparison.BELOW,
        threshold=50,
        scope=AlertRule.Scope.DISTRICT,
        district=river.district,
    )
    levels(river, now, {0: 40})
    levels(elsewhere.sensor, now, {0: 30})

    alerts_evaluate(now=now)

    assert river.district is not None and elsewhere.sensor.district != river.district
    assert [(alert.sensor, alert.peak_value) for alert in Alert.objects.all()] == [(river, 40)]


def test_it_flags_a_silent_sensor_to_operators_and_clears_it_when_it_sends(
    river: Sensor, now: datetime, admin_client: Any
) -> None:
    rule = AlertRule.objects.create(
        name="Capteur muet",
        scope=AlertRule.Scope.SENSOR,
        sensor=river,
        stale_after_minutes=60,
    )
    levels(river, now, {90: 120})

    assert alerts_evaluate(now=now) == {"opened": 1, "closed": 0}
    alert = Alert.objects.get()
    assert (alert.rule, alert.kind, alert.is_open) == (rule, Alert.Kind.STALE, True)
    page = admin_client.get("/admin/sensors/alert/?state=open")
    assert page.status_code == 200 and "river-1" in page.content.decode()
    assert alerts_evaluate(now=now) == {"opened": 0, "closed": 0}

    levels(river, now, {-5: 121})
    assert alerts_evaluate(now=now + timedelta(minutes=5)) == {"opened": 0, "closed": 1}


def test_it_emails_subscribers_in_their_language(
    river: Sensor,
    high_water: AlertRule,
    now: datetime,
    resident: Any,
    resident2: Any,
    districts: list[Any],
    tasks: Any,
    mailoutbox: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    AlertSubscription.objects.create(user=resident, rule=high_water)
    AlertSubscription.objects.create(user=resident, district=river.district)  # once, not twice
    AlertSubscription.objects.create(user=resident2, district=river.district)
    levels(river, now, {20: 310, 0: 320})

    with django_capture_on_commit_callbacks(execute=True):
        alerts_evaluate(now=now)
    tasks.run()

    subjects = {message.to[0]: message.subject for message in mailoutbox}
    assert subjects == {
        "alice@example.org": "Alerte capteur : Crue",
        "bob@example.org": "Sensor alert: Crue",
    }
    body = next(m.body for m in mailoutbox if m.to == ["alice@example.org"])
    assert "river-1" in body and "320" in body


def test_it_opens_a_staff_report_in_the_waste_category_when_a_bin_is_full(
    districts: list[Any], department: Any, now: datetime
) -> None:
    from reports.models import Category, Report, Status

    waste = Category.objects.create(
        service_code="collecte-dechets", name="Collecte des déchets", department=department
    )
    assert not waste.anonymous_allowed  # report_submit would refuse the system here
    bin_sensor = make_device("bin-0042", "native", "bin").sensor
    AlertRule.objects.create(
        name="Bac plein",
        quantity="fill_level",
        threshold=90,
        duration_minutes=0,
        scope=AlertRule.Scope.KIND,
        kind="bin",
        notify_subscribers=False,
        report_service_code="collecte-dechets",
    )
    readings_write([(bin_sensor.pk, "fill_level", now, 95.0)])

    alerts_evaluate(now=now)
    alerts_evaluate(now=now)  # the alert is open: no second report

    report = Report.objects.get()
    assert Alert.objects.get().report_id == report.pk
    assert (report.category, report.status, report.channel) == (waste, Status.OPEN, "system")
    assert report.department == department and report.district == districts[0]
    assert report.reporter is None and "Bac plein" in report.description
    assert report.language == settings.LANGUAGE_CODE


def test_it_keeps_the_alert_when_the_category_does_not_exist(
    districts: list[Any], now: datetime
) -> None:
    bin_sensor = make_device("bin-0042", "native", "bin").sensor
    AlertRule.objects.create(
        name="Bac plein",
        quantity="fill_level",
        threshold=90,
        scope=AlertRule.Scope.SENSOR,
        sensor=bin_sensor,
        report_service_code="no-such-category",
    )
    readings_write([(bin_sensor.pk, "fill_level", now, 95.0)])

    alerts_evaluate(now=now)

    assert Alert.objects.get().report_id is None


def test_it_exports_and_erases_alert_subscriptions(resident: Any, high_water: AlertRule) -> None:
    from civic.actors import Actor, Channel
    from consent import registry

    AlertSubscription.objects.create(user=resident, rule=high_water)

    export = registry.export_for(resident)["sensors"]
    assert export["alert_subscriptions"][0]["rule"] == "Crue"
    registry.erase_for(resident, actor=Actor(channel=Channel.WEB, user=resident))
    assert not AlertSubscription.objects.exists()


def test_it_runs_every_minute_from_the_beat_schedule(now: datetime) -> None:
    from sensors.tasks import alerts_evaluate_task

    entry = beat_schedule()["sensors-alerts"]
    assert entry == {"task": alerts_evaluate_task.name, "schedule": 60.0}
    assert alerts_evaluate_task.apply().get() == {"opened": 0, "closed": 0}


def test_it_lists_rules_and_subscriptions_to_operators(
    admin_client: Any, high_water: AlertRule, resident: Any
) -> None:
    AlertSubscription.objects.create(user=resident, rule=high_water)

    rules = admin_client.get("/admin/sensors/alertrule/")
    subscriptions = admin_client.get("/admin/sensors/alertsubscription/")

    assert rules.status_code == 200 and "Crue" in rules.content.decode()
    assert subscriptions.status_code == 200
    assert "alice@example.org" not in subscriptions.content.decode()  # personal: not listed
