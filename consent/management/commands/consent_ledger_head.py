from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civic.errors import CivicError
from consent.services import ledger_head_record


class Command(BaseCommand):
    help = "Publish the consent ledger's head hash at the end of a day (default: yesterday)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", type=date.fromisoformat, help="YYYY-MM-DD, a day that ended")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            head = ledger_head_record(day=options["day"])
        except CivicError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(f"{head.day}: #{head.seq} {head.hash or '(empty ledger)'}")
