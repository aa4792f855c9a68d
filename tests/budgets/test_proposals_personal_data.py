"""What budgets holds on a person, in their export and their erasure: proposals, supports and
followed budgets; proposals still open are erased with their photos, reviewed ones stay
without a name; draft photos of a form never sent go after a day."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from budgets.models import Budget, Photo, Proposal, Subscription, Support
from budgets.services import budget_follow, support_add
from civic.photos import photo_clean
from consent import registry
from tests.budgets._cycle import budget_fixture, budgets_media_fixture, jpeg_with_gps, propose, web  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("budgets_media")]


def test_it_exports_proposals_supports_and_followed_budgets(
    resident: Any, resident2: Any, budget: Any
) -> None:
    mine = propose(budget, resident, title="Des bancs")
    theirs = propose(budget, resident2, title="Des arbres")
    support_add(actor=web(resident), proposal=theirs)
    budget_follow(actor=web(resident), budget=budget, follow=True)
    export = registry.export_for(resident)["budgets"]
    assert [p["title"] for p in export["proposals"]] == [mine.title]
    assert export["supports"] == [{"budget": "Budget 2027", "proposal": "Des arbres"}]
    assert export["following"] == ["Budget 2027"]


def test_it_erases_open_proposals_and_keeps_reviewed_ones_without_a_name(
    resident: Any, resident2: Any, budget: Any
) -> None:
    from budgets.services.photos import photo_store_draft

    upload = SimpleUploadedFile("p.jpg", jpeg_with_gps(), content_type="image/jpeg")
    photo = photo_store_draft(
        clean=photo_clean(upload, name="p.jpg", size=upload.size), draft="d" * 24
    )
    open_one = propose(budget, resident, title="Encore ouverte", photos=[photo])
    other = Budget.objects.create(title="Budget 2026", phase=Budget.Phase.REVIEW)
    reviewed = Proposal.objects.create(
        budget=other, proposer=resident, title="En instruction", description="…", estimated_cost=1
    )
    support_add(actor=web(resident), proposal=propose(budget, resident2))
    budget_follow(actor=web(resident), budget=budget, follow=True)

    person = resident.pk
    receipt = registry.erase_for(resident, actor=web(resident))

    assert not Proposal.objects.filter(pk=open_one.pk).exists() and not Photo.objects.exists()
    reviewed.refresh_from_db()
    assert reviewed.proposer is None and reviewed.title == "En instruction"
    assert not Support.objects.filter(user_id=person).exists()
    assert not Subscription.objects.filter(user_id=person).exists()
    assert receipt["budgets"]["kept"]


def test_it_purges_photos_of_a_form_never_sent(budget: Any) -> None:
    from budgets.services.photos import photo_store_draft

    upload = SimpleUploadedFile("p.jpg", jpeg_with_gps(), content_type="image/jpeg")
    photo_store_draft(clean=photo_clean(upload, name="p.jpg", size=upload.size), draft="d" * 24)
    assert registry.run_retention(now=timezone.now())["budgets"] == 0
    assert registry.run_retention(now=timezone.now() + timedelta(days=2))["budgets"] == 1
    assert not Photo.objects.exists()
