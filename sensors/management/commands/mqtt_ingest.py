from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from sensors.mqtt import TOPIC, MqttIngest


class Command(BaseCommand):
    help = "Subscribe to sensor readings over MQTT (QoS 1, persistent session) and ingest them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default=settings.CIVIC_MQTT_URL)
        parser.add_argument("--client-id", default=f"civic-ingest-{settings.CHECKOUT_ID}")
        parser.add_argument("--topic", default=TOPIC)

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Subscribing to {options['topic']} on {options['url']}")
        MqttIngest(
            url=options["url"], client_id=options["client_id"], topic=options["topic"]
        ).run_forever()
