from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civic.addresses import addresses_import, open_ban_file
from civic.errors import CivicError

SHOWN_SKIPPED = 50


class Command(BaseCommand):
    help = (
        "Load a Base Adresse Nationale CSV (adresses-<département>.csv, optionally gzipped) into "
        "the local gazetteer. Re-importing updates addresses in place (keyed by BAN id). "
        "Malformed rows are skipped and listed with their line numbers; the command then exits "
        "with status 1."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The BAN file (.csv or .csv.gz).")
        parser.add_argument(
            "--commune",
            action="append",
            dest="communes",
            default=[],
            metavar="CODE_INSEE",
            help="Import only this commune's addresses (repeatable), e.g. --commune 37261.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        started = time.monotonic()
        try:
            with open_ban_file(path) as lines:
                result = addresses_import(lines=lines, communes=options["communes"])
        except (CivicError, UnicodeDecodeError, OSError) as exc:
            raise CommandError(f"{path}: {getattr(exc, 'message', exc)}") from exc
        seconds = time.monotonic() - started
        self.stdout.write(
            f"{path}: {result.created + result.updated} addresses imported in {seconds:.1f} s "
            f"({result.created} new, {result.updated} updated)"
            + (
                f"; {result.other_communes} rows of other communes left aside"
                if options["communes"]
                else ""
            )
            + "."
        )
        for line, reason in result.skipped[:SHOWN_SKIPPED]:
            self.stderr.write(f"{path}:{line}: skipped: {reason}")
        if len(result.skipped) > SHOWN_SKIPPED:
            self.stderr.write(f"… and {len(result.skipped) - SHOWN_SKIPPED} more.")
        if result.skipped:
            raise CommandError(f"{len(result.skipped)} malformed rows skipped.")
