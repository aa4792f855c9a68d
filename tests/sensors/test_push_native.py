"""The native bulk endpoint: a sensor's secret for its own rows, a sensors key for any."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from sensors import tasks as sensor_tasks
from sensors.models import IngestBatch, Reading
from sensors.services import ingest_sweep

pytestmark = pytest.mark.django_db

URL = "/api/sensors/readings/"


def rows(device_id: str, count: int = 3, quantity: str = "fill_level") -> list[dict[str, Any]]:
    start = timezone.now().replace(microsecond=0) - timedelta(hours=1)
    return [
        {
            "sensor": device_id,
            "time": (start + timedelta(minutes=i)).isoformat(),
            "quantity": quantity,
            "value": 40 + i,
        }
        for i in range(count)
    ]


def test_it_stores_a_sensors_own_rows_sent_with_its_secret(native_device: Any, push: Any) -> None:
    response = push(
        URL,
        json.dumps(rows(native_device.device_id)),
        Authorization=f"Bearer {native_device.secret}",
    )

    assert response.status_code == 202
    assert response.json()["rows"] == 3
    assert sorted(Reading.objects.values_list("value", flat=True)) == [40, 41, 42]
    assert IngestBatch.objects.get().state == "done"


def test_it_accepts_ndjson(native_device: Any, push: Any) -> None:
    body = "\n".join(json.dumps(row) for row in rows(native_device.device_id, 4)) + "\n"

    response = push(
        URL,
        body,
        content_type="application/x-ndjson",
        Authorization=f"Bearer {native_device.secret}",
    )

    assert response.status_code == 202
    assert Reading.objects.count() == 4


def test_it_refuses_another_sensors_rows_with_a_sensor_secret(
    native_device: Any, airrohr_device: Any, push: Any
) -> None:
    body = rows(native_device.device_id) + rows(airrohr_device.device_id, 1, "pm25")

    response = push(URL, json.dumps(body), Authorization=f"Bearer {native_device.secret}")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not IngestBatch.objects.exists()


def test_it_lets_a_sensors_key_send_any_sensors_rows(
    native_device: Any, airrohr_device: Any, sensors_key: str, push: Any
) -> None:
    body = rows(native_device.device_id) + rows(airrohr_device.device_id, 2, "pm25")

    response = push(URL, json.dumps(body), Authorization=f"Api-Key {sensors_key}")

    assert response.status_code == 202
    assert Reading.objects.count() == 5
    assert IngestBatch.objects.get().api_client is not None


@pytest.mark.parametrize(
    ("authorization", "status", "code"),
    [
        (None, 401, "not_authenticated"),
        ("Bearer not-a-secret", 401, "authentication_failed"),
        ("Api-Key civic_unknown", 401, "authentication_failed"),
        ("reports", 403, "permission_denied"),
    ],
)
def test_it_refuses_without_the_right_credentials(
    native_device: Any,
    reports_key: str,
    push: Any,
    authorization: str | None,
    status: int,
    code: str,
) -> None:
    headers = {}
    if authorization == "reports":
        headers["Authorization"] = f"Api-Key {reports_key}"
    elif authorization:
        headers["Authorization"] = authorization

    response = push(URL, json.dumps(rows(native_device.device_id)), **headers)

    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert set(response.json()["error"]) == {"code", "message", "fields"}


@override_settings(CIVIC_SENSORS_MAX_ROWS=10_000)
def test_it_answers_413_beyond_ten_thousand_rows(native_device: Any, push: Any) -> None:
    body = rows(native_device.device_id, 1) * 10_001

    response = push(URL, json.dumps(body), Authorization=f"Bearer {native_device.secret}")

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert not IngestBatch.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        '[{"sensor": "bin-0042"}]',
        '[{"sensor": "bin-0042", '
        '"time": "2026-01-01T00:00:00Z", "quantity": "fill_level", "value": "12"}]',
    ],
)
def test_it_answers_400_to_bad_syntax_or_shape(native_device: Any, push: Any, body: str) -> None:
    response = push(URL, body, Authorization=f"Bearer {native_device.secret}")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_it_answers_202_when_the_broker_is_down_and_the_sweep_sends_it_later(
    native_device: Any, push: Any, monkeypatch: pytest.MonkeyPatch, tasks: Any
) -> None:
    def broker_down(*args: Any, **kwargs: Any) -> None:
        raise ConnectionRefusedError("redis is down")

    with monkeypatch.context() as patch:
        patch.setattr(sensor_tasks.ingest_batch_task, "apply_async", broker_down)
        response = push(
            URL,
            json.dumps(rows(native_device.device_id)),
            Authorization=f"Bearer {native_device.secret}",
        )

    assert response.status_code == 202
    assert not Reading.objects.exists()
    batch = IngestBatch.objects.get()
    assert ingest_sweep(now=batch.received_at) == 0  # too fresh: perhaps still in flight
    assert ingest_sweep(now=batch.received_at + timedelta(minutes=5)) == 1
    tasks.run()
    assert Reading.objects.count() == 3
    assert ingest_sweep(now=batch.received_at + timedelta(minutes=5)) == 0
