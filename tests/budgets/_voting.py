"""A budget open for voting, with a city-wide heading and a district's, for the voting tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from budgets.models import Budget, Heading, Project, Voter
from civic.models import District


@dataclass
class Open:
    budget: Budget
    city: Heading
    district: District
    local: Heading
    parc: Project
    rue: Project
    ecole: Project
    banc: Project


def open_budget(**budget_fields: Any) -> Open:
    budget = Budget.objects.create(
        title="Budget participatif 2026", phase=Budget.Phase.VOTING, **budget_fields
    )
    city = Heading.objects.create(budget=budget, name="Toute la ville", amount=100_000)
    from civic.seed import district_boundary

    district = District.objects.create(code="nord", name="Nord", boundary=district_boundary(0, 0))
    local = Heading.objects.create(budget=budget, name="Nord", district=district, amount=20_000)
    return Open(
        budget=budget,
        city=city,
        district=district,
        local=local,
        parc=Project.objects.create(heading=city, pabulib_id="1", title="Parc", cost=60_000),
        rue=Project.objects.create(heading=city, pabulib_id="2", title="Rue", cost=50_000),
        ecole=Project.objects.create(heading=city, pabulib_id="3", title="École", cost=30_000),
        banc=Project.objects.create(heading=local, pabulib_id="4", title="Bancs", cost=5_000),
    )


def verified(budget: Budget, user: Any, district: District | None = None) -> Voter:
    from django.utils import timezone

    return Voter.objects.create(
        budget=budget,
        user=user,
        district=district,
        birth_year=1990,
        verified_how=Voter.Verification.IN_PERSON,
        verified_at=timezone.now(),
    )
