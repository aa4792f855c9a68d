"""A real round trip through the Mosquitto on 127.0.0.1:1883 (`mosquitto -d -c
/etc/mosquitto/mosquitto.conf` starts it)."""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from django.utils import timezone

from sensors.models import IngestBatch, Reading
from sensors.mqtt import MqttIngest
from tests.conftest import REQUIRE_SERVICES

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

BROKER = "mqtt://127.0.0.1:1883"


def require_mqtt() -> None:
    try:
        socket.create_connection(("127.0.0.1", 1883), timeout=1).close()
    except OSError:
        if REQUIRE_SERVICES:
            pytest.fail(
                "an MQTT broker on 127.0.0.1:1883 is required when CIVIC_REQUIRE_SERVICES=1"
            )
        pytest.skip("needs Mosquitto on 127.0.0.1:1883")


def publish(topic: str, payload: str) -> None:
    client = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2)
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    client.publish(topic, payload, qos=1).wait_for_publish(timeout=5)
    client.disconnect()
    client.loop_stop()


def wait_until(check: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    pytest.fail("nothing arrived in time")


@pytest.fixture
def client_id() -> Iterator[str]:
    name = f"civic-test-{uuid.uuid4().hex[:12]}"
    yield name
    # Leave no persistent session behind on the shared broker.
    cleaner = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2, client_id=name, clean_session=True
    )
    try:
        cleaner.connect("127.0.0.1", 1883)
        cleaner.disconnect()
    except OSError:
        pass


def rows(count: int) -> str:
    start = timezone.now().replace(microsecond=0) - timedelta(minutes=30)
    return json.dumps(
        [
            {
                "time": (start + timedelta(minutes=i)).isoformat(),
                "quantity": "fill_level",
                "value": i,
            }
            for i in range(count)
        ]
    )


def start(client_id: str, topic: str) -> MqttIngest:
    ingest = MqttIngest(url=BROKER, client_id=client_id, topic=topic)
    ingest.start()
    assert ingest.subscribed.wait(5)
    return ingest


def test_it_ingests_readings_published_over_mqtt(
    native_device: Any, client_id: str, tasks: Any
) -> None:
    require_mqtt()
    topic = f"city/sensors/{native_device.device_id}/readings"
    ingest = start(client_id, topic)
    try:
        publish(topic, rows(3))
        wait_until(lambda: IngestBatch.objects.exists())
    finally:
        ingest.stop()

    tasks.run()
    batch = IngestBatch.objects.get()
    assert batch.sensor == native_device.sensor and batch.state == "done"
    assert Reading.objects.filter(sensor=native_device.sensor).count() == 3


def test_it_receives_what_was_published_while_it_was_away(
    native_device: Any, client_id: str, tasks: Any
) -> None:
    require_mqtt()
    topic = f"city/sensors/{native_device.device_id}/readings"
    start(client_id, topic).stop()  # the broker now holds a persistent session for us

    publish(topic, rows(2))
    ingest = start(client_id, topic)
    try:
        wait_until(lambda: IngestBatch.objects.exists())
    finally:
        ingest.stop()

    tasks.run()
    assert Reading.objects.count() == 2


def test_it_gets_a_message_again_when_storing_it_failed(
    native_device: Any, client_id: str, tasks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_mqtt()
    from sensors import mqtt as sensors_mqtt

    real_store = sensors_mqtt.message_store
    attempts: list[str] = []

    def flaky_store(**kwargs: Any) -> int:
        attempts.append(kwargs["topic"])
        if len(attempts) == 1:
            raise OSError("database gone for a moment")
        return real_store(**kwargs)

    monkeypatch.setattr(sensors_mqtt, "message_store", flaky_store)
    topic = f"city/sensors/{native_device.device_id}/readings"
    ingest = start(client_id, topic)
    try:
        publish(topic, rows(2))
        wait_until(lambda: IngestBatch.objects.exists(), seconds=15)
    finally:
        ingest.stop()

    assert len(attempts) == 2  # not acknowledged the first time, so the broker sent it again
    tasks.run()
    assert Reading.objects.count() == 2 and IngestBatch.objects.count() == 1
