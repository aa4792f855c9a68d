"""The demo city has a budget taking proposals, with a few proposals and supports."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest

from budgets.models import Budget, Proposal
from budgets.seed import seed_budgets

pytestmark = pytest.mark.django_db


def test_it_seeds_a_budget_taking_proposals_once(
    client: Any, districts: Any, resident: Any, resident2: Any
) -> None:
    seed_budgets(stdout=StringIO())
    seed_budgets(stdout=StringIO())
    budget = Budget.objects.get()
    assert budget.phase == Budget.Phase.PROPOSALS
    assert Proposal.objects.filter(budget=budget).count() == 3
    assert budget.headings.count() == len(districts) + 1
    page = client.get(budget.get_absolute_url())
    assert "Des fontaines à eau dans les parcs" in page.text
