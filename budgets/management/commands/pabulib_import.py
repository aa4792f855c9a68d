from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from budgets.services import pabulib_import
from civic.actors import Actor
from civic.errors import CivicError


class Command(BaseCommand):
    help = (
        "Create a closed budget from a pabulib file (projects and anonymous ballots) and print "
        "its id alone on the last line. A malformed file is refused with its line number."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="A .pb file.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            text = options["path"].read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{options['path']}: {exc}") from exc
        try:
            budget = pabulib_import(actor=Actor.system(), text=text)
        except CivicError as exc:
            raise CommandError(f"{options['path']}: {exc.message}") from exc
        heading = budget.headings.get()
        self.stdout.write(
            f"Imported {budget.title!r}: {heading.projects.count()} projects, "
            f"{heading.ballots.count()} ballots."
        )
        self.stdout.write(str(budget.pk))
