"""Operators see sensors, batches and the quarantine in the staff site, and replay from it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from sensors.models import IngestBatch, Quarantine
from tests.conftest import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(db: None) -> Any:
    return make_person(
        "capteurs@example.org", name="Sam Capteurs", staff=True, group="sensor_operator"
    )


def test_it_lists_sensors_batches_and_quarantine_to_an_operator(
    client: Any, operator: Any, native_device: Any
) -> None:
    client.force_login(operator)
    for name in ("sensor", "ingestbatch", "quarantine", "devicehealth", "aggregate"):
        response = client.get(reverse(f"admin:sensors_{name}_changelist"))
        assert response.status_code == 200, name
    page = client.get(reverse("admin:sensors_sensor_changelist")).content.decode()
    assert "bin-0042" in page
    assert str(native_device.sensor.latitude) not in page  # a host's position stays off lists


def test_it_replays_quarantined_input_from_the_admin(
    client: Any, operator: Any, native_device: Any, run_on_commit: Any, tasks: Any
) -> None:
    batch = IngestBatch.objects.create(
        device_format="native", body="[]", received_at="2026-01-01T00:00:00Z", state="done"
    )
    quarantined = Quarantine.objects.create(
        batch=batch,
        device_format="native",
        reason="unknown_sensor",
        payload=json.dumps(
            [
                {
                    "sensor": "bin-0042",
                    "time": "2026-01-01T00:00:00Z",
                    "quantity": "fill_level",
                    "value": 10,
                }
            ]
        ),
    )
    client.force_login(operator)

    with run_on_commit():
        response = client.post(
            reverse("admin:sensors_quarantine_changelist"),
            {"action": "replay", "_selected_action": [quarantined.pk]},
        )

    assert response.status_code == 302
    quarantined.refresh_from_db()
    assert quarantined.replayed_at is not None
    assert tasks.names() == ["sensors.tasks.ingest_batch_task"]
