"""Writes of the sensors domain: registering devices, receiving, ingesting and replaying batches,
rolling readings up."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from civic.actors import Actor
from civic.errors import Conflict, InvalidInput
from civic.models import ApiClient, District, User
from sensors import formats
from sensors.formats import Candidate, Parsed, Reject
from sensors.models import (
    DeviceFormat,
    DeviceHealth,
    IngestBatch,
    PendingRollup,
    Quarantine,
    Sensor,
)
from sensors.quantities import KIND_QUANTITIES, QUANTITIES, Kind
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


def _enqueue(batch_id: int) -> None:
    from sensors.tasks import ingest_batch_task

    try:
        with ingest_batch_task.app.producer_or_acquire() as producer:
            # Fail fast: a device waits on this request, and the batch is safe in the database.
            producer.connection.ensure_connection(max_retries=1)
            ingest_batch_task.apply_async(args=(batch_id,), producer=producer, retry=False)
    except Exception:  # the broker is down: the batch is stored, the sweep will send it
        logger.exception("could not enqueue ingest batch %s; the sweep will retry", batch_id)


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
    for batch_id in batch_ids:
        _enqueue(batch_id)
    return len(batch_ids)


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
    oldest = now - timedelta(days=settings.CIVIC_SENSORS_MAX_AGE_DAYS)
    checked = _Checked(rows=[], sources=[], rejects=list(parsed.rejects), duplicates=0)
    seen: dict[tuple[int, str, datetime], float] = {}

    def reject(candidate: Candidate, reason: str, detail: str) -> None:
        payload = parsed.wrap([candidate.source])
        checked.rejects.append(Reject(reason, detail, payload, candidate.device_id))

    for candidate in parsed.candidates:
        sensor = sensors.get(candidate.device_id)
        quantity = QUANTITIES.get(candidate.quantity)
        if batch.sensor_id is not None and (sensor is None or sensor.pk != batch.sensor_id):
            reject(candidate, "wrong_sensor", f"{candidate.device_id} in a batch of another")
        elif sensor is None:
            reject(candidate, "unknown_sensor", candidate.device_id)
        elif not sensor.is_active:
            reject(candidate, "inactive_sensor", candidate.device_id)
        elif quantity is None:
            reject(candidate, "unknown_quantity", candidate.quantity)
        elif not sensor.accepts(candidate.quantity):
            reject(candidate, "undeclared_quantity", candidate.quantity)
        elif not quantity.plausible(candidate.value):
            detail = (
                f"{candidate.value} {quantity.unit} outside {quantity.minimum}…{quantity.maximum}"
            )
            reject(candidate, "out_of_range", detail)
        elif candidate.time > now + skew:
            reject(candidate, "clock_skew", f"{candidate.time.isoformat()} is in the future")
        elif candidate.time < oldest:
            reject(candidate, "too_old", candidate.time.isoformat())
        else:
            key = (sensor.pk, candidate.quantity, candidate.time)
            if key in seen:
                if seen[key] == candidate.value:
                    checked.duplicates += 1
                else:
                    reject(candidate, "conflict", f"{seen[key]} earlier in the same batch")
                continue
            seen[key] = candidate.value
            checked.rows.append((*key, candidate.value))
            checked.sources.append(candidate)
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
    keys = {(row[0], row[1], int(row[2].timestamp()) // 3600) for row in rows}
    return {(s, q, datetime.fromtimestamp(h * 3600, UTC)) for s, q, h in keys}


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
        by_key = {
            row[:3]: source for row, source in zip(checked.rows, checked.sources, strict=True)
        }
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
