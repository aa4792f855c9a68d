"""Raw readings by month: partitions exist ahead, a reading lands in its month, the default
partition catches the rest until its month is created, and retention drops whole months past
their time once rolled up, keeping the aggregates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from civic.celery import beat_schedule
from sensors.models import Aggregate, PendingRollup, Reading, ReadingPurge
from sensors.partitions import (
    DEFAULT,
    month_start,
    next_month,
    partition_create,
    partition_name,
    partitions,
    partitions_ensure,
    readings_retention,
)
from sensors.rollups import aggregates_refresh
from sensors.storage import readings_write
from tests.conftest import require_postgres
from tests.sensors.conftest import make_device
from tests.sensors.test_rollups import add

pytestmark = pytest.mark.django_db


@pytest.fixture
def sensor(districts: list[Any]) -> Any:
    return make_device("noise-7", "native", "noise").sensor


def months_after(start: datetime, count: int) -> datetime:
    for _ in range(count):
        start = next_month(start)
    return start


def where(sensor: Any, moment: datetime) -> str:
    """The partition holding the sensor's reading at ``moment``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM sensors_reading WHERE sensor_id = %s "
            "AND time = %s",
            [sensor.pk, moment],
        )
        return str(cursor.fetchone()[0])


def test_it_has_the_months_ahead_from_the_migration_and_keeps_them_coming() -> None:
    require_postgres()
    now = timezone.now()
    starts = [partition.start for partition in partitions()]
    for ahead in range(4):  # this month and the three next ones
        assert months_after(month_start(now), ahead) in starts

    later = months_after(month_start(now), 2)
    created = partitions_ensure(now=later, ahead=3)

    assert created == [partition_name(months_after(month_start(now), n)) for n in (4, 5)]
    assert partitions_ensure(now=later, ahead=3) == []  # idempotent


def test_it_stores_a_reading_in_its_month(sensor: Any) -> None:
    require_postgres()
    now = timezone.now().replace(microsecond=0)
    last_month = month_start(now) - timedelta(days=1)
    readings_write(
        [(sensor.pk, "noise_laeq", now, 55.0), (sensor.pk, "noise_laeq", last_month, 51)]
    )

    assert where(sensor, now) == partition_name(month_start(now))
    assert where(sensor, last_month) == partition_name(month_start(last_month))


def test_it_the_default_partition_keeps_rows_until_their_month_is_created(sensor: Any) -> None:
    require_postgres()
    far = months_after(month_start(timezone.now()), 8) + timedelta(days=3, hours=5)
    further = months_after(far, 1)
    readings_write([(sensor.pk, "noise_laeq", far, 60.0), (sensor.pk, "noise_laeq", further, 61)])
    assert where(sensor, far) == DEFAULT
    assert where(sensor, further) == DEFAULT

    # The month is created although the default holds rows of it: they move over.
    assert partition_create(far) == 1

    assert where(sensor, far) == partition_name(month_start(far))
    assert where(sensor, further) == DEFAULT  # another month's row stays
    assert Reading.objects.filter(sensor=sensor).count() == 2
    assert partition_create(far) == 0  # the month exists already
    # New rows of that month now go to it, and duplicates are still refused by the key.
    next_minute = far + timedelta(minutes=1)
    stored = readings_write(
        [(sensor.pk, "noise_laeq", far, 60.0), (sensor.pk, "noise_laeq", next_minute, 62)]
    )
    assert (len(stored.inserted), stored.duplicates) == (1, 1)
    assert where(sensor, far + timedelta(minutes=1)) == partition_name(month_start(far))


def _old_and_recent(sensor: Any, now: datetime) -> tuple[datetime, datetime]:
    old = month_start(now - timedelta(days=500)) + timedelta(days=10, hours=7)
    recent = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    if connection.vendor == "postgresql":
        partition_create(old)
    add(sensor, "noise_laeq", [(old, 50.0), (old + timedelta(minutes=10), 54.0)])
    add(sensor, "noise_laeq", [(recent, 40.0)])
    return old, recent


def test_it_retention_removes_old_readings_after_rolling_them_up_and_keeps_aggregates(
    sensor: Any,
) -> None:
    now = timezone.now()
    old, recent = _old_and_recent(sensor, now)
    assert PendingRollup.objects.filter(hour__lt=now - timedelta(days=400)).exists()

    removed = readings_retention(now=now)

    assert removed == 2
    assert list(Reading.objects.filter(sensor=sensor).values_list("time", flat=True)) == [recent]
    hourly = Aggregate.objects.get(sensor=sensor, period="hour", start=old.replace(minute=0))
    assert (hourly.count, hourly.mean) == (2, 52.0)  # rolled up first, and kept
    purge = ReadingPurge.objects.get()
    assert purge.count == 2
    assert "400 days" in purge.reason
    if connection.vendor == "postgresql":
        assert purge.partition == partition_name(month_start(old))
        assert partition_name(month_start(old)) not in {p.name for p in partitions()}
    # A second run finds nothing more and records nothing.
    assert readings_retention(now=now) == 0
    assert ReadingPurge.objects.count() == 1


def test_it_retention_keeps_a_month_that_is_not_wholly_past(sensor: Any, settings: Any) -> None:
    require_postgres()
    now = datetime(2026, 6, 15, 12, tzinfo=UTC)
    settings.CIVIC_SENSORS_RAW_RETENTION_DAYS = 30  # cut-off on 16 May: May stays whole
    for month in (datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC)):
        partition_create(month)
        readings_write([(sensor.pk, "noise_laeq", month + timedelta(days=20), 45.0)])
    aggregates_refresh()

    assert readings_retention(now=now) == 1

    names = {partition.name for partition in partitions()}
    assert partition_name(datetime(2026, 4, 1, tzinfo=UTC)) not in names
    assert partition_name(datetime(2026, 5, 1, tzinfo=UTC)) in names
    assert Reading.objects.filter(sensor=sensor).count() == 1


def test_it_retention_deletes_old_rows_of_the_default_partition(sensor: Any) -> None:
    require_postgres()
    now = timezone.now()
    ancient = now - timedelta(days=900)  # no partition for it: in the default
    readings_write([(sensor.pk, "noise_laeq", ancient, 45.0)])
    assert where(sensor, ancient) == DEFAULT

    assert readings_retention(now=now) == 1
    assert not Reading.objects.filter(sensor=sensor).exists()
    assert ReadingPurge.objects.get().partition == ""


def test_it_beat_keeps_months_ahead_and_consents_retention_job_runs_ours(
    sensor: Any, settings: Any
) -> None:
    from consent.services import retention_run
    from sensors.tasks import partitions_ensure_task

    entry = beat_schedule()["sensors-partitions"]
    assert entry["task"] == partitions_ensure_task.name
    assert partitions_ensure_task() == []  # the migration made this month and the next three
    old = timezone.now() - timedelta(days=900)
    readings_write([(sensor.pk, "noise_laeq", old, 45.0)])

    assert retention_run()["sensors"] == 1  # the project's one retention job
    assert not Reading.objects.filter(sensor=sensor).exists()
