from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civic.actors import Actor
from civic.errors import CivicError
from civic.registry import api_scopes
from civic.services import api_client_create


class Command(BaseCommand):
    help = "Create an API client and print its key, alone on the last line, once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="Who the key is for, e.g. 'City back-office'.")
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            choices=[scope.code for scope in api_scopes()],
            help="What the key may do (repeatable). Default: reports.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            client, key = api_client_create(
                actor=Actor.system(), name=options["name"], scopes=options["scopes"] or ["reports"]
            )
        except CivicError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            f"API client {client.name!r} created with scopes {', '.join(client.scopes)}. "
            "Keep the key now: it is not stored and cannot be shown again."
        )
        self.stdout.write(key)
