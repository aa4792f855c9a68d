"""Sensors, the batches they push, their readings, what was rejected, and the roll-ups."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sensors.quantities import QUANTITY_CHOICES, Kind


class DeviceFormat(models.TextChoices):
    AIRROHR = "airrohr", _("sensor.community (airrohr)")
    TTN = "ttn", _("The Things Network v3")
    NATIVE = "native", _("Native JSON (HTTP or MQTT)")


class Sensor(models.Model):
    """A device in the field. Only the SHA-256 of its secret is kept."""

    device_id = models.CharField(
        _("device id"),
        max_length=64,
        unique=True,
        help_text=_("esp8266-<chip id> for airrohr, the DevEUI for TTN, any code otherwise."),
    )
    name = models.CharField(_("name"), max_length=150, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    quantities = models.JSONField(
        _("quantities"), default=list, blank=True, help_text=_("Empty: any quantity.")
    )
    device_format = models.CharField(
        _("device format"), max_length=16, choices=DeviceFormat.choices
    )
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    district = models.ForeignKey(
        "civic.District",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sensors",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("hosted by (resident)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hosted_sensors",
        help_text=_("Set for a sensor hosted by a resident: its public position is coarsened."),
    )
    # Once hosted by a resident, always coarsened: the host leaving (or being erased) must not
    # publish their home's exact position. Set by ``save`` whenever ``owner`` is.
    home_hosted = models.BooleanField(
        _("hosted at a resident's home (public position coarsened for good)"),
        default=False,
        editable=False,
    )
    # TTN: field of decoded_payload -> quantity code, for fields not already named by their code.
    payload_map = models.JSONField(_("payload fields"), default=dict, blank=True)
    secret_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["device_id"]
        verbose_name = _("sensor")
        verbose_name_plural = _("sensors")
        indexes = [models.Index(fields=["latitude", "longitude"])]

    def __str__(self) -> str:
        return self.name or self.device_id

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.owner_id is not None and not self.home_hosted:
            self.home_hosted = True
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "home_hosted"}
        super().save(*args, **kwargs)

    @staticmethod
    def hash_secret(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    def set_new_secret(self) -> str:
        """A fresh secret (32 random bytes): returned once, only its hash is stored."""
        secret = secrets.token_urlsafe(32)
        self.secret_hash = self.hash_secret(secret)
        return secret

    def check_secret(self, secret: str) -> bool:
        # A fast hash is enough for 256 random bits; the comparison is constant-time.
        return bool(self.secret_hash) and hmac.compare_digest(
            self.secret_hash, self.hash_secret(secret)
        )

    def accepts(self, quantity: str) -> bool:
        return not self.quantities or quantity in self.quantities

    @property
    def public_position(self) -> tuple[float, float]:
        """Where the public may see it (maps, open data, the reports its alerts open): about
        100 m off for a sensor that is or was at a resident's home."""
        if self.owner_id is not None or self.home_hosted:
            return round(self.latitude, 3), round(self.longitude, 3)
        return self.latitude, self.longitude


class IngestBatch(models.Model):
    """A request or message as it arrived, kept before anything is parsed beyond its shape."""

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    device_format = models.CharField(_("format"), max_length=16, choices=DeviceFormat.choices)
    body = models.TextField(_("raw body"))
    received_at = models.DateTimeField(_("arrived"))
    # The time of readings that carry none (airrohr); a replay keeps the original arrival time.
    reading_time = models.DateTimeField(_("time of untimed readings"), null=True, blank=True)
    sensor = models.ForeignKey(
        Sensor, verbose_name=_("sensor"), null=True, blank=True, on_delete=models.SET_NULL
    )
    api_client = models.ForeignKey(
        "civic.ApiClient",
        verbose_name=_("API client"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.RECEIVED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    stored = models.PositiveIntegerField(_("readings stored"), default=0)
    duplicates = models.PositiveIntegerField(_("identical duplicates"), default=0)
    quarantined = models.PositiveIntegerField(_("quarantined"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("ingest batch")
        verbose_name_plural = _("ingest batches")
        indexes = [
            models.Index(
                fields=["received_at"],
                condition=models.Q(state="received"),
                name="sensors_batch_pending",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.device_format} {self.received_at:%Y-%m-%d %H:%M:%S}"


class Reading(models.Model):
    """One value of one quantity at one time: the narrow table everything else is built on."""

    pk = models.CompositePrimaryKey("sensor", "quantity", "time")
    # No index of its own: the primary key starts with the sensor and serves its lookups, and a
    # second index would cost every ingested row another B-tree insert.
    sensor = models.ForeignKey(
        Sensor, on_delete=models.CASCADE, related_name="readings", db_index=False
    )
    quantity = models.CharField(max_length=16, choices=QUANTITY_CHOICES)
    time = models.DateTimeField()
    value = models.FloatField()

    class Meta:
        verbose_name = _("reading")
        verbose_name_plural = _("readings")

    def __str__(self) -> str:
        return f"{self.sensor_id} {self.quantity} {self.time:%Y-%m-%d %H:%M:%S} {self.value}"


class ReadingPurge(models.Model):
    """What the retention job removed from the raw readings: a dropped monthly partition on
    PostgreSQL, or a time range deleted. The hourly and daily aggregates are kept."""

    at = models.DateTimeField(_("when"), auto_now_add=True)
    before = models.DateTimeField(_("readings before"))
    partition = models.CharField(_("partition dropped"), max_length=63, blank=True)
    count = models.BigIntegerField(_("readings removed"))
    reason = models.TextField(_("reason"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("readings purge")
        verbose_name_plural = _("readings purges")

    def __str__(self) -> str:
        return f"< {self.before:%Y-%m-%d}: {self.count}"


class Quarantine(models.Model):
    """Input that was not stored, with the reason; an operator may replay it."""

    class Reason(models.TextChoices):
        SYNTAX = "syntax", _("Unreadable")
        UNKNOWN_SENSOR = "unknown_sensor", _("Unknown sensor")
        WRONG_SENSOR = "wrong_sensor", _("Row of another sensor")
        INACTIVE_SENSOR = "inactive_sensor", _("Sensor deactivated")
        UNKNOWN_TYPE = "unknown_type", _("Unknown value type")
        UNKNOWN_QUANTITY = "unknown_quantity", _("Unknown quantity")
        UNDECLARED_QUANTITY = "undeclared_quantity", _("Quantity not declared for the sensor")
        BAD_VALUE = "bad_value", _("Not a number")
        BAD_TIME = "bad_time", _("Time missing, unreadable or without a time zone")
        OUT_OF_RANGE = "out_of_range", _("Implausible value")
        CLOCK_SKEW = "clock_skew", _("Time in the future")
        TOO_OLD = "too_old", _("Time too far in the past")
        UNDECODED = "undecoded", _("Payload not decoded")
        CONFLICT = "conflict", _("Another value for the same sensor, quantity and time")
        FAILED = "failed", _("Processing failed repeatedly")

    batch = models.ForeignKey(
        IngestBatch,
        verbose_name=_("batch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quarantined_rows",
    )
    sensor = models.ForeignKey(
        Sensor, verbose_name=_("sensor"), null=True, blank=True, on_delete=models.SET_NULL
    )
    device_format = models.CharField(_("format"), max_length=16, choices=DeviceFormat.choices)
    reason = models.CharField(_("reason"), max_length=32, choices=Reason.choices)
    detail = models.TextField(_("detail"), blank=True)
    # A body in ``device_format`` holding just the rejected part, so a replay is a new batch.
    payload = models.TextField(_("payload"))
    reading_time = models.DateTimeField(_("time of untimed readings"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    replayed_at = models.DateTimeField(_("replayed"), null=True, blank=True)
    replay_batch = models.ForeignKey(
        IngestBatch,
        verbose_name=_("replayed as"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("quarantined input")
        verbose_name_plural = _("quarantine")

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_reason_display()}"


class DeviceHealth(models.Model):
    """The airrohr firmware's diagnostics, one row per push."""

    sensor = models.ForeignKey(Sensor, on_delete=models.CASCADE, related_name="health")
    received_at = models.DateTimeField(_("received"))
    software_version = models.CharField(_("firmware"), max_length=64, blank=True)
    samples = models.BigIntegerField(_("loop samples"), null=True, blank=True)
    min_micro = models.BigIntegerField(_("shortest loop (µs)"), null=True, blank=True)
    max_micro = models.BigIntegerField(_("longest loop (µs)"), null=True, blank=True)
    interval_ms = models.BigIntegerField(_("send interval (ms)"), null=True, blank=True)
    signal_dbm = models.IntegerField(_("Wi-Fi signal (dBm)"), null=True, blank=True)
    # Known value types we keep without a quantity of their own (SPS30 counts, PM4…).
    extra = models.JSONField(_("other values"), default=dict, blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("device health")
        verbose_name_plural = _("device health")
        indexes = [models.Index(fields=["sensor", "-received_at"])]

    def __str__(self) -> str:
        return f"{self.sensor_id} {self.received_at:%Y-%m-%d %H:%M:%S}"


class Aggregate(models.Model):
    """Mean, min, max, sum and count of one quantity over an hour or a day, for one sensor or
    one district (then over every reading of its sensors)."""

    class Period(models.TextChoices):
        HOUR = "hour", _("Hour")
        DAY = "day", _("Day")

    period = models.CharField(_("period"), max_length=8, choices=Period.choices)
    start = models.DateTimeField(_("start"))
    quantity = models.CharField(_("quantity"), max_length=16, choices=QUANTITY_CHOICES)
    # No index of its own: sensors_aggregate_sensor_unique starts with the sensor and serves
    # its lookups; a second index would slow every roll-up's writes.
    sensor = models.ForeignKey(
        Sensor,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="aggregates",
        db_index=False,
    )
    district = models.ForeignKey(
        "civic.District",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sensor_aggregates",
    )
    mean = models.FloatField()
    minimum = models.FloatField()
    maximum = models.FloatField()
    total = models.FloatField()
    count = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("aggregate")
        verbose_name_plural = _("aggregates")
        constraints = [
            models.UniqueConstraint(
                fields=["sensor", "quantity", "period", "start"],
                condition=models.Q(sensor__isnull=False),
                name="sensors_aggregate_sensor_unique",
            ),
            models.UniqueConstraint(
                fields=["district", "quantity", "period", "start"],
                condition=models.Q(sensor__isnull=True),
                name="sensors_aggregate_district_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(sensor__isnull=False) | models.Q(district__isnull=False),
                name="sensors_aggregate_has_scope",
            ),
        ]

    def __str__(self) -> str:
        scope = f"sensor {self.sensor_id}" if self.sensor_id else f"district {self.district_id}"
        return f"{scope} {self.quantity} {self.period} {self.start:%Y-%m-%d %H:%M}"


class PendingRollup(models.Model):
    """An hour of one sensor's quantity that received readings since its roll-up."""

    sensor = models.ForeignKey(Sensor, on_delete=models.CASCADE, related_name="+")
    quantity = models.CharField(max_length=16)
    hour = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["sensor", "quantity", "hour"], name="sensors_pending_rollup_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sensor_id} {self.quantity} {self.hour:%Y-%m-%d %H:%M}"


def quantity_label(code: str) -> Any:
    from sensors.quantities import QUANTITIES

    quantity = QUANTITIES.get(code)
    return quantity.label if quantity else code


class AqiScale(models.Model):
    """A version of the European Air Quality Index: its bands and thresholds, as data.

    ``thresholds`` maps a quantity to the upper bounds (µg/m³) of bands 1…n; ``bands`` lists
    each band's label and colour. PM values are 24-hour running means, the others hourly means.
    """

    code = models.SlugField(_("code"), max_length=50, unique=True)
    title = models.CharField(_("title"), max_length=150)
    valid_from = models.DateField(_("valid from"))
    is_default = models.BooleanField(_("default"), default=False)
    bands = models.JSONField(_("bands"))
    thresholds = models.JSONField(_("thresholds"))

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("air-quality index scale")
        verbose_name_plural = _("air-quality index scales")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="sensors_aqiscale_one_default",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def level(self, quantity: str, value: float) -> int | None:
        """The band (1 = best) of one pollutant's value, or None for a quantity not indexed."""
        bounds = self.thresholds.get(quantity)
        if not bounds:
            return None
        for level, upper in enumerate(bounds, start=1):
            if value <= upper:
                return level
        return len(bounds)


class AirQualityIndex(models.Model):
    """The index of one district for one hour, on one scale: the worst pollutant's band."""

    scale = models.ForeignKey(AqiScale, on_delete=models.CASCADE, related_name="indexes")
    district = models.ForeignKey(
        "civic.District", on_delete=models.CASCADE, related_name="air_quality"
    )
    hour = models.DateTimeField(_("hour"))
    level = models.PositiveSmallIntegerField(_("level"))
    pollutant = models.CharField(_("worst pollutant"), max_length=16)
    # quantity -> {"value": µg/m³ (24 h mean for PM), "level": band}
    values = models.JSONField(_("values"))

    class Meta:
        ordering = ["-hour"]
        verbose_name = _("air-quality index")
        verbose_name_plural = _("air-quality indexes")
        constraints = [
            models.UniqueConstraint(fields=["scale", "district", "hour"], name="sensors_aqi_unique")
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.hour:%Y-%m-%d %H:%M} {self.level}"


class AlertRule(models.Model):
    """When a quantity stays above (or below) a threshold long enough, an ``Alert`` opens; it
    closes once the value is back past the threshold by the hysteresis. A rule may also flag the
    sensors of its scope that have stopped sending."""

    class Comparison(models.TextChoices):
        ABOVE = "above", _("Above")
        BELOW = "below", _("Below")

    class Scope(models.TextChoices):
        SENSOR = "sensor", _("One sensor")
        DISTRICT = "district", _("Sensors of a district")
        KIND = "kind", _("All sensors of a kind")

    name = models.CharField(_("name"), max_length=150)
    quantity = models.CharField(
        _("quantity"),
        max_length=16,
        choices=QUANTITY_CHOICES,
        blank=True,
        help_text=_("Empty: the rule only flags stale sensors (any quantity counts)."),
    )
    comparison = models.CharField(
        _("comparison"), max_length=8, choices=Comparison.choices, default=Comparison.ABOVE
    )
    threshold = models.FloatField(_("threshold"), null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"),
        default=0,
        help_text=_("How long the condition must hold before the alert opens."),
    )
    hysteresis = models.FloatField(
        _("hysteresis"),
        default=0,
        help_text=_("The alert closes once the value is back past the threshold by this much."),
    )
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices)
    sensor = models.ForeignKey(
        Sensor,
        verbose_name=_("sensor"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alert_rules",
    )
    district = models.ForeignKey(
        "civic.District",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sensor_alert_rules",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, blank=True)
    notify_subscribers = models.BooleanField(_("notify subscribed residents"), default=True)
    # The reports Category's Open311 service code: sensors never import reports' models.
    report_service_code = models.SlugField(
        _("open a staff report in category (service code)"), max_length=50, blank=True
    )
    stale_after_minutes = models.PositiveIntegerField(
        _("flag as stale after (minutes)"),
        null=True,
        blank=True,
        help_text=_("Flag sensors of the scope with no reading for this long. Empty: never."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(scope="sensor", sensor__isnull=False)
                    | models.Q(scope="district", district__isnull=False)
                    | (models.Q(scope="kind") & ~models.Q(kind=""))
                ),
                name="sensors_alertrule_scope_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def breached(self, value: float) -> bool:
        assert self.threshold is not None
        if self.comparison == self.Comparison.ABOVE:
            return value > self.threshold
        return value < self.threshold

    def cleared(self, value: float) -> bool:
        assert self.threshold is not None
        if self.comparison == self.Comparison.ABOVE:
            return value < self.threshold - self.hysteresis
        return value > self.threshold + self.hysteresis


class Alert(models.Model):
    """A rule's condition holding for one sensor, from its opening to its closing."""

    class Kind(models.TextChoices):
        THRESHOLD = "threshold", _("Threshold")
        STALE = "stale", _("Stale sensor")

    rule = models.ForeignKey(
        AlertRule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="alerts"
    )
    sensor = models.ForeignKey(
        Sensor, verbose_name=_("sensor"), on_delete=models.CASCADE, related_name="alerts"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.THRESHOLD)
    opened_at = models.DateTimeField(_("opened"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    peak_value = models.FloatField(_("peak value"), null=True, blank=True)
    last_value = models.FloatField(_("last value"), null=True, blank=True)
    # The id of the staff report opened (a plain id: sensors do not depend on reports' models).
    report_id = models.PositiveIntegerField(_("report opened"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "sensor", "kind"],
                condition=models.Q(closed_at__isnull=True),
                name="sensors_alert_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule} · {self.sensor_id} · {self.opened_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class AlertSubscription(models.Model):
    """A resident who wants an email when an alert opens: a rule's (set by staff), or any alert
    of a district, of a kind of sensor, or of a kind of sensor in a district (chosen by the
    resident on the alerts page)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
        on_delete=models.CASCADE,
        related_name="sensor_alert_subscriptions",
    )
    rule = models.ForeignKey(
        AlertRule,
        verbose_name=_("rule"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="subscriptions",
    )
    district = models.ForeignKey(
        "civic.District",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sensor_alert_subscriptions",
    )
    kind = models.CharField(_("kind of sensor"), max_length=32, choices=Kind.choices, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("alert subscription")
        verbose_name_plural = _("alert subscriptions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rule__isnull=False)
                | models.Q(district__isnull=False)
                | ~models.Q(kind=""),
                name="sensors_alertsubscription_has_target",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"
