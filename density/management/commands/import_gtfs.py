from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    no_translations,
)

from civic.actors import Actor
from civic.errors import CivicError
from density import services


class Command(BaseCommand):
    help = (
        "Import a GTFS feed (a .zip or a folder). Importing the same feed again updates it in "
        "place; a faulty feed changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--feed", help="The feed's code, its identity across imports. Default: the file name."
        )

    # Command output is for whoever runs it on the server: in English, like the rest of it.
    @no_translations
    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        started = time.perf_counter()
        try:
            summary = services.gtfs_import(
                actor=Actor.system(), path=path, feed_code=options["feed"]
            )
        except CivicError as exc:
            raise CommandError(f"Nothing imported. {exc.message}") from exc
        for warning in summary.warnings:
            self.stderr.write(f"Warning: {warning}")
        self.stdout.write(
            f"Feed {summary.feed.code} imported from {path} "
            f"in {time.perf_counter() - started:.1f} s:"
        )
        for table, count in summary.counts.items():
            line = f"  {table:<16} {count.total:>8}"
            if count.created is not None:
                line += f"  ({count.created} new, {count.removed} removed)"
            self.stdout.write(line)
