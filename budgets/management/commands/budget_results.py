from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from budgets.models import Budget, Outcome
from budgets.services import heading_outcome


class Command(BaseCommand):
    help = (
        "Count a budget's headings with a rule; with --json, the last line is a JSON list of "
        "the selected projects' pabulib ids, sorted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("budget_id", type=int)
        parser.add_argument("--rule", choices=Outcome.Rule.values, required=True)
        parser.add_argument("--json", action="store_true", help="End with the ids as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            budget = Budget.objects.get(pk=options["budget_id"])
        except Budget.DoesNotExist:
            raise CommandError(f"No budget {options['budget_id']}.") from None
        selected: list[str] = []
        for heading in budget.headings.all():
            outcome = heading_outcome(heading=heading, rule=options["rule"])
            titles = dict(heading.projects.values_list("pabulib_id", "title"))
            self.stdout.write(f"{heading.name}: {len(outcome.selected)} projects selected")
            for pabulib_id in outcome.selected:
                self.stdout.write(f"  {pabulib_id}  {titles[pabulib_id]}")
            selected.extend(outcome.selected)
        if options["json"]:
            self.stdout.write(json.dumps(sorted(selected), ensure_ascii=False))
