"""MQTT ingestion: ``city/sensors/<device id>/readings`` carries native rows (the topic names the
sensor; a row may leave ``sensor`` out). QoS 1 on a persistent session, and a message is
acknowledged only once its batch is committed: a crash before that gets it redelivered.
Authentication is the broker's (one ACL per device); this side trusts the topic.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from django.db import close_old_connections, connections
from django.utils import timezone

from sensors import services
from sensors.models import DeviceFormat, Sensor

logger = logging.getLogger(__name__)

TOPIC = "city/sensors/+/readings"


def device_of(topic: str) -> str:
    parts = topic.split("/")
    return parts[2] if len(parts) == 4 else ""


def message_store(*, topic: str, payload: bytes) -> int:
    """Persist one message as a batch (whatever it holds: the worker quarantines the bad)."""
    sensor = Sensor.objects.filter(device_id=device_of(topic)).first()
    # Any bytes at all: PostgreSQL stores no NUL, so it becomes U+FFFD like undecodable bytes;
    # the worker then quarantines the message as bad syntax.
    body = payload.decode(errors="replace").replace("\x00", "\ufffd")
    batch = services.batch_receive(
        device_format=DeviceFormat.NATIVE,
        body=body,
        received_at=timezone.now(),
        sensor=sensor,
    )
    return batch.pk


class MqttIngest:
    def __init__(self, *, url: str, client_id: str, topic: str = TOPIC) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or (8883 if parts.scheme == "mqtts" else 1883)
        self.topic = topic
        self.stored = 0
        self.subscribed = threading.Event()
        self._stopping = threading.Event()
        self._connected_once = False
        self._thread: threading.Thread | None = None
        self.client = mqtt.Client(
            callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id,
            clean_session=False,  # the broker keeps our subscription and queues while we are away
            protocol=mqtt.MQTTv311,
            manual_ack=True,
        )
        if parts.username:
            self.client.username_pw_set(parts.username, parts.password)
        if parts.scheme == "mqtts":
            self.client.tls_set()
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *args: self.subscribed.set()

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        if reason.is_failure:
            logger.error("MQTT connection refused: %s", reason)
            return
        self.subscribed.clear()
        client.subscribe(self.topic, qos=1)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        close_old_connections()
        try:
            message_store(topic=message.topic, payload=bytes(message.payload))
        except Exception:
            # Not acknowledged: drop the connection so the broker redelivers on reconnect.
            logger.exception("could not store MQTT message on %s", message.topic)
            client.disconnect()
            return
        client.ack(message.mid, message.qos)
        self.stored += 1

    def connect(self) -> None:
        self.client.connect(self.host, self.port, keepalive=30)

    def run_forever(self) -> None:
        """Consume until ``stop()``; after a failed store, reconnect to get it redelivered."""
        try:
            self._consume()
        finally:
            connections.close_all()  # this thread's database connections

    def _consume(self) -> None:
        while not self._stopping.is_set():
            try:
                if self.client.is_connected() is False:
                    self.client.reconnect() if self._connected_once else self.connect()
                    self._connected_once = True
                self.client.loop_forever(retry_first_connection=True)
            except OSError:
                logger.warning("MQTT broker unreachable at %s:%s, retrying", self.host, self.port)
            if not self._stopping.is_set():
                time.sleep(1)

    def start(self) -> None:
        """Consume in a background thread (tests, embedding)."""
        self._thread = threading.Thread(target=self.run_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self.client.disconnect()
        if self._thread is not None:
            self._thread.join(timeout=10)
