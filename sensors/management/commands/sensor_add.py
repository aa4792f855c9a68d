from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civic.actors import Actor
from civic.errors import CivicError
from sensors import services
from sensors.models import DeviceFormat, Sensor
from sensors.quantities import QUANTITIES, Kind


class Command(BaseCommand):
    help = "Register a sensor (or rotate its secret) and print the secret alone on the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--device-id", required=True, help="esp8266-<chipid>, a DevEUI…")
        parser.add_argument("--format", required=True, choices=DeviceFormat.values)
        parser.add_argument("--kind", choices=Kind.values)
        parser.add_argument("--lat", type=float)
        parser.add_argument("--lon", type=float)
        parser.add_argument("--name", default="")
        parser.add_argument(
            "--quantity",
            action="append",
            dest="quantities",
            choices=sorted(QUANTITIES),
            help="Repeatable. Default: the kind's usual quantities.",
        )
        parser.add_argument(
            "--rotate", action="store_true", help="The sensor exists: give it a new secret."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        device_id = services.normalise_device_id(options["device_id"], options["format"])
        existing = Sensor.objects.filter(device_id=device_id).first()
        if existing is not None:
            if not options["rotate"]:
                raise CommandError(
                    f"Sensor {device_id} exists already; pass --rotate for a new secret."
                )
            secret = services.sensor_secret_rotate(actor=Actor.system(), sensor=existing)
            self.stdout.write(f"New secret for sensor {device_id}; the old one no longer works.")
            self.stdout.write(secret)
            return
        if options["kind"] is None or options["lat"] is None or options["lon"] is None:
            raise CommandError("A new sensor needs --kind, --lat and --lon.")
        try:
            sensor, secret = services.sensor_register(
                actor=Actor.system(),
                device_id=device_id,
                device_format=options["format"],
                kind=options["kind"],
                latitude=options["lat"],
                longitude=options["lon"],
                quantities=options["quantities"],
                name=options["name"],
            )
        except CivicError as exc:
            raise CommandError(str(exc.message)) from exc
        district = sensor.district.name if sensor.district else "outside every district"
        self.stdout.write(
            f"Sensor {sensor.device_id} registered ({sensor.kind}, {district}). "
            "Keep the secret now: it is not stored and cannot be shown again."
        )
        self.stdout.write(secret)
