"""Writes on budgets, by concern. Each service takes a keyword-only ``actor`` and owns its
invariants; callers import them from here (``from budgets import services``)."""

from __future__ import annotations

from budgets.services.counting import (  # noqa: F401
    heading_outcome,
    pabulib_import,
    voting_close,
)
from budgets.services.cycle import (  # noqa: F401
    budget_follow,
    phase_set,
    phases_advance,
    rule_lock_check,
)
from budgets.services.proposals import (  # noqa: F401
    proposal_edit,
    proposal_submit,
    support_add,
    support_remove,
)
from budgets.services.review import (  # noqa: F401
    proposal_merge,
    proposal_review,
    review_publish,
)
from budgets.services.tracking import milestone_add  # noqa: F401
