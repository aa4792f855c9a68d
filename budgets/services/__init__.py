"""Writes on budgets, by concern. Each service takes a keyword-only ``actor`` and owns its
invariants; callers import them from here (``from budgets import services``)."""

from __future__ import annotations

from budgets.services.counting import (  # noqa: F401
    heading_outcome,
    pabulib_import,
    voting_close,
)
