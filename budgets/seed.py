"""The demo city's participatory budget (``manage.py seed_demo``): one cycle taking proposals,
with a city-wide heading and one per district, and a few residents' proposals and supports."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import IO

from django.utils import timezone

from budgets.models import Budget, Heading, Proposal, Support
from civic.city import city
from civic.models import District, User

TITLE = "Budget participatif 2027"

PROPOSALS = [
    # title, description, cost, district index (None: the whole city), (north, east) offset
    (
        "Des fontaines à eau dans les parcs",
        "Trois fontaines d'eau potable pour l'été, près des aires de jeux.",
        "45000",
        None,
        (0.002, -0.004),
    ),
    (
        "Un jardin partagé au Vieux-Port",
        "Des bacs de culture et un composteur ouverts aux habitants du quartier.",
        "18000",
        0,
        (-0.005, -0.026),
    ),
    (
        "Une piste cyclable le long du quai",
        "Une piste séparée des voitures entre le pont et la gare.",
        "120000",
        None,
        (-0.004, -0.015),
    ),
]


def seed_budgets(*, stdout: IO[str]) -> None:
    """Idempotent: a second run leaves the budget and its proposals as they are."""
    now = timezone.now()
    budget, created = Budget.objects.get_or_create(
        title=TITLE,
        defaults={
            "phase": Budget.Phase.PROPOSALS,
            "information_starts": now - timedelta(days=20),
            "proposals_starts": now - timedelta(days=10),
            "review_starts": now + timedelta(days=30),
            "voting_starts": now + timedelta(days=60),
            "results_starts": now + timedelta(days=75),
            "implementation_starts": now + timedelta(days=90),
        },
    )
    if not created:
        stdout.write("Budgets: demo budget already there\n")
        return
    Heading.objects.create(budget=budget, name="Toute la ville", amount=Decimal("300000"))
    districts = list(District.objects.order_by("name"))
    for district in districts:
        Heading.objects.create(
            budget=budget, name=district.name, district=district, amount=Decimal("60000")
        )
    people = list(User.objects.filter(is_staff=False, is_active=True).order_by("pk")[:2])
    lat0, lon0 = city().map_center
    for index, (title, text, cost, district_index, (north, east)) in enumerate(PROPOSALS):
        place = districts[district_index] if district_index is not None and districts else None
        proposal = Proposal.objects.create(
            budget=budget,
            proposer=people[index % len(people)] if people else None,
            title=title,
            description=text,
            estimated_cost=Decimal(cost),
            district=place,
            latitude=round(lat0 + north, 6),
            longitude=round(lon0 + east, 6),
        )
        for person in people[: index + 1]:
            Support.objects.get_or_create(proposal=proposal, user=person)
    stdout.write(f"Budgets: demo budget with {len(PROPOSALS)} proposals\n")
