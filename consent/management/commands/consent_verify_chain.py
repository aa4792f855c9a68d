from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from consent.selectors import access_chain_verify, consent_chain_verify, ledger_heads_verify


class Command(BaseCommand):
    help = (
        "Recompute the hash chains of the consent ledger and the access log, and compare them with"
        " the published daily heads; exit non-zero at the first bad entry."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        checked, problem = consent_chain_verify()
        if problem:
            raise CommandError(f"Consent ledger chain broken at {problem} ({checked} checked)")
        accesses, problem = access_chain_verify()
        if problem:
            raise CommandError(f"Access log chain broken at {problem} ({accesses} checked)")
        problem = ledger_heads_verify()
        if problem:
            raise CommandError(f"Journals differ from their published heads: {problem}")
        self.stdout.write(
            f"Consent ledger chain intact: {checked} entries. "
            f"Access log chain intact: {accesses} entries."
        )
