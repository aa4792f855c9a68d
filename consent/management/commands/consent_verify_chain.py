from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from consent.selectors import consent_chain_verify, ledger_heads_verify


class Command(BaseCommand):
    help = "Recompute the consent ledger's hash chain; exit non-zero at the first bad entry."

    def handle(self, *args: Any, **options: Any) -> None:
        checked, problem = consent_chain_verify()
        if problem:
            raise CommandError(f"Consent ledger chain broken at {problem} ({checked} checked)")
        problem = ledger_heads_verify()
        if problem:
            raise CommandError(f"Consent ledger differs from its published heads: {problem}")
        self.stdout.write(f"Consent ledger chain intact: {checked} entries.")
