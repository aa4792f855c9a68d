"""The worker: validation, dedup, quarantine and replay, COPY on PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civic.actors import Actor
from sensors.models import IngestBatch, PendingRollup, Quarantine, Reading
from sensors.services import batch_ingest, batch_receive, quarantine_replay
from tests.conftest import require_postgres

pytestmark = pytest.mark.django_db


def receive(device: Any, rows: list[dict[str, Any]], run_on_commit: Any) -> IngestBatch:
    with run_on_commit():
        return batch_receive(
            device_format="native",
            body=json.dumps(rows),
            received_at=timezone.now(),
            sensor=device.sensor,
        )


def row(
    device: Any, minutes_ago: int, value: float, quantity: str = "fill_level"
) -> dict[str, Any]:
    moment = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=minutes_ago)
    return {
        "sensor": device.device_id,
        "time": moment.isoformat(),
        "quantity": quantity,
        "value": value,
    }


def test_it_stores_a_resent_batch_once_without_quarantine(
    native_device: Any, run_on_commit: Any, tasks: Any
) -> None:
    rows = [row(native_device, 10, 50.0), row(native_device, 5, 55.0)]
    receive(native_device, rows, run_on_commit)
    second = receive(native_device, [*rows, row(native_device, 1, 60.0)], run_on_commit)

    tasks.run()

    assert Reading.objects.count() == 3
    second.refresh_from_db()
    assert (second.stored, second.duplicates, second.quarantined) == (1, 2, 0)
    assert not Quarantine.objects.exists()


def test_it_quarantines_another_value_for_a_stored_key(
    native_device: Any, run_on_commit: Any, tasks: Any
) -> None:
    receive(native_device, [row(native_device, 10, 50.0)], run_on_commit)
    receive(
        native_device, [row(native_device, 10, 51.0), row(native_device, 3, 52.0)], run_on_commit
    )

    tasks.run()

    assert sorted(Reading.objects.values_list("value", flat=True)) == [50.0, 52.0]
    quarantined = Quarantine.objects.get()
    assert quarantined.reason == "conflict" and "50.0 stored" in quarantined.detail
    assert json.loads(quarantined.payload)[0]["value"] == 51.0


def test_it_quarantines_each_implausible_row_with_its_reason(
    native_device: Any, run_on_commit: Any, tasks: Any
) -> None:
    future = row(native_device, -60, 10.0)
    rows = [
        row(native_device, 9, 150.0),  # a bin filled to 150 %
        future,
        row(native_device, 60 * 24 * 90, 10.0),
        row(native_device, 8, 10.0, "pm25"),  # a bin has no dust sensor
        row(native_device, 7, 10.0, "co2"),
        {**row(native_device, 6, 10.0), "time": "2026-01-01T10:00:00"},  # no time zone
        {**row(native_device, 5, 10.0), "sensor": "bin-9999"},
        row(native_device, 4, 33.0),
    ]
    batch = receive(native_device, rows, run_on_commit)

    tasks.run()

    assert list(Reading.objects.values_list("value", flat=True)) == [33.0]
    reasons = sorted(Quarantine.objects.filter(batch=batch).values_list("reason", flat=True))
    assert reasons == sorted(
        [
            "out_of_range",
            "clock_skew",
            "too_old",
            "undeclared_quantity",
            "unknown_quantity",
            "bad_time",
            "wrong_sensor",
        ]
    )
    batch.refresh_from_db()
    assert (batch.state, batch.stored, batch.quarantined) == ("done", 1, 7)


def test_it_replays_a_quarantined_row_once_its_cause_is_fixed(
    native_device: Any, run_on_commit: Any, tasks: Any
) -> None:
    receive(
        native_device,
        [row(native_device, 8, 21.5, "temperature"), row(native_device, 7, 3.0, "water_level")],
        run_on_commit,
    )
    tasks.run()
    quarantined = Quarantine.objects.get(reason="undeclared_quantity")
    native_device.sensor.quantities = [*native_device.sensor.quantities, "water_level"]
    native_device.sensor.save()

    with run_on_commit():
        replay = quarantine_replay(actor=Actor.system(), quarantine=quarantined)
    tasks.run()

    assert Reading.objects.filter(quantity="water_level").count() == 1
    quarantined.refresh_from_db()
    assert quarantined.replayed_at is not None and quarantined.replay_batch == replay
    assert Quarantine.objects.count() == 1


def test_it_processes_a_batch_once_however_often_it_is_enqueued(
    native_device: Any, run_on_commit: Any, tasks: Any
) -> None:
    batch = receive(native_device, [row(native_device, 2, 12.0)], run_on_commit)
    tasks.run()

    assert batch_ingest(batch_id=batch.pk) is None

    batch.refresh_from_db()
    assert (batch.attempts, batch.stored, Reading.objects.count()) == (1, 1, 1)
    assert PendingRollup.objects.count() == 1


def test_it_copies_readings_into_postgresql(
    native_device: Any, run_on_commit: Any, tasks: Any
) -> None:
    require_postgres()
    rows = [row(native_device, minutes, float(minutes % 100)) for minutes in range(1, 500)]
    batch = receive(native_device, rows, run_on_commit)

    with CaptureQueriesContext(connection) as queries:
        tasks.run()

    assert Reading.objects.count() == 499
    batch.refresh_from_db()
    assert batch.stored == 499
    assert not any("staging" in query["sql"] for query in queries.captured_queries)


def test_it_falls_back_to_a_staging_table_on_postgresql_when_keys_exist(
    native_device: Any, run_on_commit: Any, tasks: Any
) -> None:
    require_postgres()
    first = [row(native_device, minutes, 10.0) for minutes in range(1, 50)]
    receive(native_device, first, run_on_commit)
    tasks.run()
    changed = {**first[0], "value": 99.0}
    batch = receive(
        native_device, [changed, *first[1:], row(native_device, 55, 11.0)], run_on_commit
    )

    tasks.run()

    batch.refresh_from_db()
    assert (batch.stored, batch.duplicates, batch.quarantined) == (1, 48, 1)
    assert Reading.objects.count() == 50
    assert Quarantine.objects.get().reason == "conflict"
