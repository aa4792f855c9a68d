"""Alert rules at work: open and close ``Alert``s from the readings, flag silent sensors, and
act on an opening (email subscribed residents, open a staff report through the reports app)."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from civic.actors import Actor
from civic.city import absolute_url
from civic.errors import CivicError, NotFound
from civic.mail import email_send_templated
from civic.models import User
from sensors.models import Alert, AlertRule, AlertSubscription, Reading, Sensor, quantity_label

logger = logging.getLogger(__name__)

# The gate point (consent.registry.PurposeSpec.gates), declared in sensors/registrations.py.
ALERT_EMAIL = "sensors.alert-email"


def rule_sensors(rule: AlertRule) -> QuerySet[Sensor]:
    """The active sensors a rule watches."""
    sensors = Sensor.objects.filter(is_active=True)
    if rule.scope == AlertRule.Scope.SENSOR:
        return sensors.filter(alert_rules=rule)
    if rule.scope == AlertRule.Scope.DISTRICT:
        return sensors.filter(district__sensor_alert_rules=rule)
    return sensors.filter(kind=rule.kind)


def _held(rule: AlertRule, sensor: Sensor, *, now: datetime) -> float | None:
    """The peak value if the condition held over the whole duration up to ``now``, else None.

    It held when the last reading at or before the window's start breaches, and so does every
    reading after it: a brief spike inside the window is not enough."""
    readings = Reading.objects.filter(sensor=sensor, quantity=rule.quantity, time__lte=now)
    start = now - timedelta(minutes=rule.duration_minutes)
    before = readings.filter(time__lte=start).order_by("-time").values_list("value", flat=True)
    first = before.first()
    if first is None or not rule.breached(first):
        return None
    values = [first, *readings.filter(time__gt=start).values_list("value", flat=True)]
    if not all(rule.breached(value) for value in values):
        return None
    return _worst(rule, values)


def _worst(rule: AlertRule, values: list[float]) -> float:
    return max(values) if rule.comparison == AlertRule.Comparison.ABOVE else min(values)


def _open(
    rule: AlertRule, sensor: Sensor, *, kind: str, now: datetime, value: float | None
) -> Alert | None:
    """A new open alert, or None when one is open already (a concurrent run, say)."""
    try:
        with transaction.atomic():
            return Alert.objects.create(
                rule=rule, sensor=sensor, kind=kind, opened_at=now, peak_value=value,
                last_value=value,
            )  # fmt: skip
    except IntegrityError:  # sensors_alert_one_open: never two open alerts for a rule and sensor
        return None


def _evaluate_threshold(rule: AlertRule, *, now: datetime) -> tuple[int, int]:
    opened = closed = 0
    open_alerts = {
        alert.sensor_id: alert
        for alert in rule.alerts.filter(kind=Alert.Kind.THRESHOLD, closed_at__isnull=True)
    }
    for sensor in rule_sensors(rule).select_related("district"):
        if not sensor.accepts(rule.quantity):
            continue
        alert = open_alerts.get(sensor.pk)
        if alert is None:
            peak = _held(rule, sensor, now=now)
            if peak is None:
                continue
            alert = _open(rule, sensor, kind=Alert.Kind.THRESHOLD, now=now, value=peak)
            if alert is not None:
                opened += 1
                alert_actions_run(alert)
            continue
        latest = (
            Reading.objects.filter(sensor=sensor, quantity=rule.quantity, time__lte=now)
            .order_by("-time")
            .values_list("value", flat=True)
            .first()
        )
        if latest is None:
            continue
        alert.last_value = latest
        previous = [] if alert.peak_value is None else [alert.peak_value]
        alert.peak_value = _worst(rule, [latest, *previous])
        if rule.cleared(latest):
            alert.closed_at = now
            closed += 1
        alert.save(update_fields=["last_value", "peak_value", "closed_at"])
    return opened, closed


def _evaluate_stale(rule: AlertRule, *, now: datetime) -> tuple[int, int]:
    assert rule.stale_after_minutes is not None
    since = now - timedelta(minutes=rule.stale_after_minutes)
    readings = Q(readings__time__lte=now)
    if rule.quantity:
        readings &= Q(readings__quantity=rule.quantity)
    sensors = rule_sensors(rule).annotate(last_reading=Max("readings__time", filter=readings))
    open_alerts = {
        alert.sensor_id: alert
        for alert in rule.alerts.filter(kind=Alert.Kind.STALE, closed_at__isnull=True)
    }
    opened = closed = 0
    for sensor in sensors:
        # A sensor that never sent anything counts from its registration.
        last = sensor.last_reading or sensor.created_at
        alert = open_alerts.get(sensor.pk)
        if last < since and alert is None:
            if _open(rule, sensor, kind=Alert.Kind.STALE, now=now, value=None) is not None:
                opened += 1
        elif last >= since and alert is not None:
            alert.closed_at = now
            alert.save(update_fields=["closed_at"])
            closed += 1
    return opened, closed


def alerts_evaluate(*, now: datetime) -> dict[str, int]:
    """Run every active rule once. Idempotent: running it twice at the same ``now`` changes
    nothing more."""
    counts = {"opened": 0, "closed": 0}
    for rule in AlertRule.objects.filter(is_active=True).select_related("sensor", "district"):
        with transaction.atomic():
            if rule.quantity and rule.threshold is not None:
                opened, closed = _evaluate_threshold(rule, now=now)
                counts["opened"] += opened
                counts["closed"] += closed
            if rule.stale_after_minutes is not None:
                opened, closed = _evaluate_stale(rule, now=now)
                counts["opened"] += opened
                counts["closed"] += closed
    return counts


# --- Actions ----------------------------------------------------------------------------------


def alert_subscribers(alert: Alert) -> QuerySet[AlertSubscription]:
    """The subscriptions an alert's opening concerns: its rule's, and those of its sensor's
    district and kind (either one left open matches any)."""
    sensor = alert.sensor
    district = Q(district__isnull=True) | Q(district=sensor.district_id)
    kind = Q(kind="") | Q(kind=sensor.kind)
    target = Q(rule=alert.rule_id) | (Q(rule__isnull=True) & district & kind)
    return (
        AlertSubscription.objects.filter(target, user__is_active=True)
        .select_related("user")
        .order_by("user_id", "pk")
    )


def alert_notify(alert: Alert) -> int:
    """Email each subscribed resident once, in their language, with a one-click unsubscribe
    link for the subscriptions that brought it. Residents in private mode are skipped: it
    pauses their area alerts."""
    from consent.selectors import private_mode_is_on, processing_allowed

    by_user: dict[int, list[AlertSubscription]] = defaultdict(list)
    for subscription in alert_subscribers(alert):
        by_user[subscription.user_id].append(subscription)
    sent = 0
    for subscriptions in by_user.values():
        user = subscriptions[0].user
        if not user.email or private_mode_is_on(user) or not processing_allowed(user, ALERT_EMAIL):
            continue
        unsubscribe = absolute_url(
            reverse(
                "sensors:alert_unsubscribe",
                args=[unsubscribe_token(user=user, subscriptions=subscriptions)],
            )
        )
        email_send_templated(
            to=user.email,
            template_prefix="sensors/email/alert_opened",
            context={
                "alert": alert,
                "rule": alert.rule,
                "sensor": alert.sensor,
                "quantity": quantity_label(alert.rule.quantity),
                "unsubscribe_url": unsubscribe,
                "manage_url": absolute_url(reverse("sensors:alert_subscriptions")),
            },
            language=user.language,
            headers={
                # RFC 2369 and 8058: mail clients offer a one-click unsubscribe button.
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        sent += 1
    return sent


# --- Unsubscribe links ------------------------------------------------------------------------

_UNSUBSCRIBE_SALT = "sensors.alert-unsubscribe"


def unsubscribe_token(*, user: User, subscriptions: list[AlertSubscription]) -> str:
    """A signed token naming the person and the subscriptions one email was sent for. It does
    not expire: a link in an old email must still stop the alerts."""
    return signing.dumps(
        {"u": user.pk, "s": [subscription.pk for subscription in subscriptions]},
        salt=_UNSUBSCRIBE_SALT,
        compress=True,
    )


def unsubscribe_token_read(token: str) -> tuple[int, list[int]]:
    """The person and subscription ids of a token; NotFound if it was not signed by us."""
    try:
        data = signing.loads(token, salt=_UNSUBSCRIBE_SALT)
        return int(data["u"]), [int(pk) for pk in data["s"]]
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise NotFound(_("This unsubscribe link is not valid.")) from exc


def alert_report_open(alert: Alert) -> int | None:
    """Open a staff report in the rule's category; returns its id, or None if refused."""
    # Imported here: sensors depend on the reports app only through this one service.
    from reports.services import report_open_for_staff

    rule, sensor = alert.rule, alert.sensor
    description = (
        f"{rule.name}: {quantity_label(rule.quantity)} {alert.peak_value:g} "
        f"({rule.get_comparison_display().lower()} {rule.threshold:g}) — {sensor}"
    )
    # The report is public (its page, Open311, the map): never a resident host's exact home.
    latitude, longitude = sensor.public_position
    try:
        report = report_open_for_staff(
            actor=Actor.system(),
            service_code=rule.report_service_code,
            lat=latitude,
            lon=longitude,
            description=description,
        )
    except CivicError as exc:
        logger.warning("alert %s: no report opened: %s", alert.pk, exc.message)
        return None
    return int(report.pk)


def alert_actions_run(alert: Alert) -> None:
    rule = alert.rule
    if rule.notify_subscribers:
        alert_notify(alert)
    if rule.report_service_code:
        alert.report_id = alert_report_open(alert)
        alert.save(update_fields=["report_id"])
