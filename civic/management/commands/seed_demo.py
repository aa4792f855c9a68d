from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from civic.registry import seed_steps


class Command(BaseCommand):
    help = (
        "Build the demo city (idempotent). "
        "Each app adds its own demo data through the seed registry."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("seed_demo is refused in production: it creates known accounts.")
        for step in seed_steps():
            self.stdout.write(f"seed: {step.name}")
            step.run(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("The demo city is ready."))
