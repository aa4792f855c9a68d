"""Writes of the sensors domain: registering devices, receiving, ingesting and replaying batches,
rolling readings up."""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from civic.actors import Actor
from civic.errors import Conflict, InvalidInput, NotAllowed
from civic.models import ApiClient, District, User
from civic.outbox import task_send
from sensors import formats
from sensors.formats import Candidate, Parsed, Reject
from sensors.models import (
    AlertSubscription,
    DeviceFormat,
    DeviceHealth,
    IngestBatch,
    PendingRollup,
    Quarantine,
    Sensor,
)
from sensors.quantities import KIND_QUANTITIES, QUANTITIES, Kind, Quantity
from sensors.storage import Row, readings_write

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


# --- Registry ---------------------------------------------------------------------------------


def normalise_device_id(device_id: str, device_format: str) -> str:
    device_id = device_id.strip()
    # TTN sends the DevEUI in upper-case hex; accept it typed either way.
    return device_id.upper() if device_format == DeviceFormat.TTN else device_id


@transaction.atomic
def sensor_register(
    *,
    actor: Actor,
    device_id: str,
    device_format: str,
    kind: str,
    latitude: float,
    longitude: float,
    quantities: list[str] | None = None,
    owner: User | None = None,
    name: str = "",
) -> tuple[Sensor, str]:
    """A new sensor and its secret (shown once)."""
    if device_format not in DeviceFormat.values:
        raise InvalidInput(f"Unknown device format {device_format!r}.", field="device_format")
    if kind not in Kind.values:
        raise InvalidInput(f"Unknown kind {kind!r}.", field="kind")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise InvalidInput("The position is not a WGS84 latitude/longitude.", field="latitude")
    quantities = list(quantities or KIND_QUANTITIES[kind])
    unknown = [code for code in quantities if code not in QUANTITIES]
    if unknown:
        raise InvalidInput(f"Unknown quantities: {', '.join(unknown)}.", field="quantities")
    device_id = normalise_device_id(device_id, device_format)
    if not device_id:
        raise InvalidInput("A device id is required.", field="device_id")
    if Sensor.objects.filter(device_id=device_id).exists():
        raise Conflict(f"Sensor {device_id} exists already (rotate its secret instead).")
    sensor = Sensor(
        device_id=device_id,
        device_format=device_format,
        kind=kind,
        quantities=quantities,
        latitude=latitude,
        longitude=longitude,
        district=District.containing(latitude, longitude),
        owner=owner,
        name=name,
    )
    secret = sensor.set_new_secret()
    sensor.save()
    return sensor, secret


@transaction.atomic
def sensor_secret_rotate(*, actor: Actor, sensor: Sensor) -> str:
    """A new secret; the old one stops working at once."""
    secret = sensor.set_new_secret()
    Sensor.objects.filter(pk=sensor.pk).update(secret_hash=sensor.secret_hash)
    return secret


# --- Receiving --------------------------------------------------------------------------------


def _enqueue(batch_id: int) -> bool:
    from sensors.tasks import ingest_batch_task

    return task_send(ingest_batch_task, batch_id)


def batch_receive(
    *,
    device_format: str,
    body: str,
    received_at: datetime,
    sensor: Sensor | None = None,
    api_client: ApiClient | None = None,
    reading_time: datetime | None = None,
) -> IngestBatch:
    """Persist the raw input first; the worker parses and stores it after the commit."""
    with transaction.atomic():
        batch = IngestBatch.objects.create(
            device_format=device_format,
            body=body,
            received_at=received_at,
            reading_time=reading_time,
            sensor=sensor,
            api_client=api_client,
        )
        transaction.on_commit(partial(_enqueue, batch.pk))
    return batch


def ingest_sweep(*, now: datetime, older_than: timedelta = timedelta(minutes=2)) -> int:
    """Re-enqueue batches left behind (broker down, worker lost). Returns how many."""
    batch_ids = list(
        IngestBatch.objects.filter(
            state=IngestBatch.State.RECEIVED, received_at__lt=now - older_than
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:1000]
    )
    return sum(_enqueue(batch_id) for batch_id in batch_ids)


# --- Ingesting --------------------------------------------------------------------------------


@dataclass
class _Checked:
    rows: list[Row]
    sources: list[Candidate]
    rejects: list[Reject]
    duplicates: int


def _validate(batch: IngestBatch, parsed: Parsed, *, now: datetime) -> _Checked:
    device_ids = {candidate.device_id for candidate in parsed.candidates}
    sensors = {
        sensor.device_id: sensor for sensor in Sensor.objects.filter(device_id__in=device_ids)
    }
    skew = timedelta(seconds=settings.CIVIC_SENSORS_CLOCK_SKEW_SECONDS)
    latest = now + skew
    oldest = now - timedelta(days=settings.CIVIC_SENSORS_MAX_AGE_DAYS)
    checked = _Checked(rows=[], sources=[], rejects=list(parsed.rejects), duplicates=0)
    seen: dict[tuple[int, str, datetime], float] = {}
    rows, sources = checked.rows, checked.sources

    def reject(candidate: Candidate, reason: str, detail: str) -> None:
        payload = parsed.wrap([candidate.source])
        checked.rejects.append(Reject(reason, detail, payload, candidate.device_id))

    def verdict(device_id: str, code: str) -> tuple[int, Quantity] | tuple[str, str]:
        """What depends on the sensor and quantity only: (sensor id, quantity) to go on, or
        (reason, detail) to reject. Worked out once per pair, not once per row."""
        sensor = sensors.get(device_id)
        quantity = QUANTITIES.get(code)
        if batch.sensor_id is not None and (sensor is None or sensor.pk != batch.sensor_id):
            return "wrong_sensor", f"{device_id} in a batch of another"
        if sensor is None:
            return "unknown_sensor", device_id
        if not sensor.is_active:
            return "inactive_sensor", device_id
        if quantity is None:
            return "unknown_quantity", code
        if not sensor.accepts(code):
            return "undeclared_quantity", code
        return sensor.pk, quantity

    verdicts: dict[tuple[str, str], tuple[int, Quantity] | tuple[str, str]] = {}
    for candidate in parsed.candidates:
        pair = (candidate.device_id, candidate.quantity)
        found = verdicts.get(pair)
        if found is None:
            found = verdicts[pair] = verdict(*pair)
        sensor_id, quantity = found
        if isinstance(sensor_id, str):
            reject(candidate, sensor_id, quantity)  # type: ignore[arg-type]
            continue
        assert isinstance(quantity, Quantity)
        value, moment = candidate.value, candidate.time
        if not quantity.plausible(value):
            detail = f"{value} {quantity.unit} outside {quantity.minimum}…{quantity.maximum}"
            reject(candidate, "out_of_range", detail)
        elif moment > latest:
            reject(candidate, "clock_skew", f"{moment.isoformat()} is in the future")
        elif moment < oldest:
            reject(candidate, "too_old", moment.isoformat())
        else:
            key = (sensor_id, candidate.quantity, moment)
            previous = seen.get(key)
            if previous is not None:
                if previous == value:
                    checked.duplicates += 1
                else:
                    reject(candidate, "conflict", f"{previous} earlier in the same batch")
                continue
            seen[key] = value
            rows.append((sensor_id, candidate.quantity, moment, value))
            sources.append(candidate)
    return checked


def _quarantine(batch: IngestBatch, rejects: list[Reject]) -> int:
    if not rejects:
        return 0
    device_ids = {reject.device_id for reject in rejects if reject.device_id}
    sensors = dict(Sensor.objects.filter(device_id__in=device_ids).values_list("device_id", "pk"))
    Quarantine.objects.bulk_create(
        [
            Quarantine(
                batch=batch,
                sensor_id=sensors.get(reject.device_id or "", batch.sensor_id),
                device_format=batch.device_format,
                reason=reject.reason,
                detail=reject.detail[:2000],
                payload=reject.payload,
                reading_time=batch.reading_time or batch.received_at,
            )
            for reject in rejects
        ],
        batch_size=1000,
    )
    return len(rejects)


def _touched_hours(rows: list[Row]) -> set[tuple[int, str, datetime]]:
    hours: dict[datetime, int] = {}  # many rows share an instant: each is converted once
    keys = set()
    for sensor_id, quantity, moment, _value in rows:
        hour = hours.get(moment)
        if hour is None:
            hour = hours[moment] = int(moment.timestamp()) // 3600
        keys.add((sensor_id, quantity, hour))
    return {(s, q, datetime.fromtimestamp(h * 3600, UTC)) for s, q, h in keys}


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one batch.

    Parsing 10,000 readings allocates some 50,000 short-lived containers (rows, candidates,
    keys) that reference counting frees by itself; meanwhile the collector would walk the
    whole heap of the Django process again and again, a third of a batch's time. The pause is
    bounded by the batch size; the collector runs as usual afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def batch_ingest(*, batch_id: int, now: datetime | None = None) -> IngestBatch | None:
    """Parse, validate and store one batch, and mark it done, in one transaction.

    Idempotent: a batch already done (or being done by another worker) is left alone.
    """
    now = now or timezone.now()
    claimed = IngestBatch.objects.filter(pk=batch_id, state=IngestBatch.State.RECEIVED).update(
        attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    try:
        with gc_paused():
            return _batch_ingest(batch_id=batch_id, now=now)
    except Exception as exc:
        _batch_failed(batch_id=batch_id, error=exc)
        raise


def _batch_ingest(*, batch_id: int, now: datetime) -> IngestBatch | None:
    with transaction.atomic():
        batch = (
            IngestBatch.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("sensor")
            .filter(pk=batch_id, state=IngestBatch.State.RECEIVED)
            .first()
        )
        if batch is None:
            return None
        parsed = formats.get(batch.device_format).parse(batch)
        checked = _validate(batch, parsed, now=now)
        stored = readings_write(checked.rows)
        by_key = (
            {row[:3]: source for row, source in zip(checked.rows, checked.sources, strict=True)}
            if stored.conflicts
            else {}
        )
        for row, existing in stored.conflicts:
            source = by_key[row[:3]]
            checked.rejects.append(
                Reject(
                    "conflict",
                    f"{existing} stored, {row[3]} sent",
                    parsed.wrap([source.source]),
                    source.device_id,
                )
            )
        if batch.sensor_id is not None:
            DeviceHealth.objects.bulk_create(
                [DeviceHealth(sensor_id=batch.sensor_id, **health) for health in parsed.health]
            )
        PendingRollup.objects.bulk_create(
            [
                PendingRollup(sensor_id=sensor_id, quantity=quantity, hour=hour)
                for sensor_id, quantity, hour in _touched_hours(stored.inserted)
            ],
            ignore_conflicts=True,
            batch_size=2000,
        )
        batch.stored = len(stored.inserted)
        batch.duplicates = checked.duplicates + stored.duplicates
        batch.quarantined = _quarantine(batch, checked.rejects)
        batch.state = IngestBatch.State.DONE
        batch.processed_at = timezone.now()
        batch.last_error = ""
        batch.save(
            update_fields=[
                "stored",
                "duplicates",
                "quarantined",
                "state",
                "processed_at",
                "last_error",
            ]
        )
        return batch


def _batch_failed(*, batch_id: int, error: Exception) -> None:
    """Record the error; after MAX_ATTEMPTS the whole body goes to quarantine."""
    with transaction.atomic():
        batch = IngestBatch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None or batch.state != IngestBatch.State.RECEIVED:
            return
        batch.last_error = f"{type(error).__name__}: {error}"[:2000]
        if batch.attempts >= MAX_ATTEMPTS:
            batch.quarantined = _quarantine(batch, [Reject("failed", batch.last_error, batch.body)])
            batch.state = IngestBatch.State.FAILED
            batch.processed_at = timezone.now()
        batch.save()


# --- Quarantine -------------------------------------------------------------------------------


def quarantine_replay(*, actor: Actor, quarantine: Quarantine) -> IngestBatch:
    """Send a quarantined part through the pipeline again, as a new batch."""
    with transaction.atomic():
        locked = Quarantine.objects.select_for_update().get(pk=quarantine.pk)
        if locked.replayed_at is not None:
            raise Conflict("This input was replayed already.")
        original = locked.batch
        batch = batch_receive(
            device_format=locked.device_format,
            body=locked.payload,
            received_at=timezone.now(),
            reading_time=locked.reading_time,
            sensor=original.sensor if original is not None else locked.sensor,
            api_client=original.api_client if original is not None else None,
        )
        locked.replayed_at = timezone.now()
        locked.replay_batch = batch
        locked.save(update_fields=["replayed_at", "replay_batch"])
    quarantine.replayed_at, quarantine.replay_batch = locked.replayed_at, batch
    return batch


# --- Alert subscriptions ----------------------------------------------------------------------


def _subscriber(actor: Actor) -> User:
    person = actor.subject_user
    if person is None:
        raise NotAllowed(_("Sign in to subscribe to sensor alerts."))
    return person


@transaction.atomic
def alert_subscribe(
    *, actor: Actor, district: District | None = None, kind: str = ""
) -> AlertSubscription:
    """Subscribe the acting resident to the alerts of a district, of a kind of sensor, or of a
    kind in a district. Subscribing twice to the same returns the existing subscription."""
    person = _subscriber(actor)
    if district is None and not kind:
        raise InvalidInput(_("Choose a district, a kind of sensor, or both."), field="district")
    if kind and kind not in Kind.values:
        raise InvalidInput(_("Unknown kind of sensor."), field="kind")
    # Locked, so two submissions of the same form make one subscription.
    User.objects.select_for_update().filter(pk=person.pk).first()
    existing = AlertSubscription.objects.filter(
        user=person, rule__isnull=True, district=district, kind=kind
    ).first()
    if existing is not None:
        return existing
    return AlertSubscription.objects.create(user=person, district=district, kind=kind)


@transaction.atomic
def alert_unsubscribe(*, actor: Actor, subscription_ids: list[int]) -> int:
    """Remove some of the acting resident's subscriptions; returns how many went."""
    person = _subscriber(actor)
    deleted, _by_model = AlertSubscription.objects.filter(
        user=person, pk__in=subscription_ids
    ).delete()
    return deleted


@transaction.atomic
def alert_unsubscribe_by_token(*, token: str) -> int:
    """The one-click link of an alert email: no sign-in, the signed token names the person and
    the subscriptions. Returns how many were removed (0 when already gone)."""
    from sensors.alerts import unsubscribe_token_read

    user_id, subscription_ids = unsubscribe_token_read(token)
    deleted, _by_model = AlertSubscription.objects.filter(
        user_id=user_id, pk__in=subscription_ids
    ).delete()
    return deleted
