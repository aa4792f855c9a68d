"""Residents propose (title, description, place, district, cost, up to 3 photos), edit until
review, and support proposals (once each)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from budgets.models import Budget, Photo, Proposal, Support
from tests.budgets._cycle import budget_fixture, budgets_media_fixture, jpeg_with_gps, propose, web  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("budgets_media")]


def _form(**extra: Any) -> dict[str, Any]:
    data = {
        "title": "Un jardin partagé",
        "description": "Des bacs et un composteur.",
        "estimated_cost": "18000",
        "lat": "47.39",
        "lon": "0.689",
        "district": "",
    }
    data.update(extra)
    return data


def test_it_publishes_a_proposal_with_its_photo_blurred_and_stripped(
    client: Any, resident: Any, budget: Any, tasks: Any, run_on_commit: Any
) -> None:
    client.force_login(resident)
    photo = SimpleUploadedFile("p.jpg", jpeg_with_gps(), content_type="image/jpeg")
    with run_on_commit():
        response = client.post(
            reverse("budgets:propose", args=[budget.pk]), {**_form(), "photos": [photo]}
        )
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response["Location"] == proposal.get_absolute_url()
    assert proposal.proposer == resident and proposal.latitude == 47.39
    assert proposal.estimated_cost == Decimal("18000")
    assert "budgets.tasks.photo_anonymise_task" in tasks.names()
    tasks.run()
    stored = Photo.objects.get(proposal=proposal)
    assert stored.is_public
    with stored.image.open("rb") as handle:
        published = Image.open(handle)
        assert not published.getexif()  # no camera, no GPS
    page = client.get(proposal.get_absolute_url())
    assert "Un jardin partagé" in page.text and stored.image.url in page.text


def test_it_keeps_everything_entered_photos_included_when_the_form_is_refused(
    client: Any, resident: Any, budget: Any
) -> None:
    client.force_login(resident)
    photo = SimpleUploadedFile("p.jpg", jpeg_with_gps(), content_type="image/jpeg")
    url = reverse("budgets:propose", args=[budget.pk])
    response = client.post(url, {**_form(title=""), "photos": [photo]})
    assert response.status_code == 400
    assert "Donnez un titre à votre proposition." in response.text  # her language
    assert "Des bacs et un composteur." in response.text
    kept = Photo.objects.get()
    assert kept.draft and kept.proposal is None
    draft = response.context["form"]["draft"].value()
    response = client.post(url, {**_form(), "draft": draft})
    assert response.status_code == 302
    assert Photo.objects.get().proposal == Proposal.objects.get()


def test_it_refuses_a_fourth_photo(client: Any, resident: Any, budget: Any) -> None:
    client.force_login(resident)
    photos = [
        SimpleUploadedFile(f"{i}.jpg", jpeg_with_gps(), content_type="image/jpeg") for i in range(4)
    ]
    response = client.post(
        reverse("budgets:propose", args=[budget.pk]), {**_form(), "photos": photos}
    )
    assert response.status_code == 400
    assert "Envoyez 3 photos au plus." in response.text
    assert Photo.objects.count() == 3 and not Proposal.objects.exists()


def test_it_asks_to_sign_in_to_propose(client: Any, budget: Any) -> None:
    response = client.get(reverse("budgets:propose", args=[budget.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_takes_no_proposal_outside_the_proposals_phase(
    client: Any, resident: Any, budget: Any
) -> None:
    Budget.objects.filter(pk=budget.pk).update(phase=Budget.Phase.REVIEW)
    client.force_login(resident)
    response = client.post(reverse("budgets:propose", args=[budget.pk]), _form())
    assert response.status_code == 302 and not Proposal.objects.exists()


def test_it_lets_the_proposer_edit_until_review_and_nobody_else(
    client: Any, resident: Any, resident2: Any, budget: Any
) -> None:
    proposal = propose(budget, resident)
    url = reverse("budgets:proposal-edit", args=[proposal.pk])
    client.force_login(resident2)
    assert client.get(url).status_code == 403
    client.force_login(resident)
    assert client.get(url).status_code == 200
    response = client.post(url, _form(title="Des bancs et des arbres"))
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.title == "Des bancs et des arbres"
    Budget.objects.filter(pk=budget.pk).update(phase=Budget.Phase.REVIEW)
    assert client.get(url).status_code == 403
    assert "Change your proposal" not in client.get(proposal.get_absolute_url()).text


def test_it_counts_one_support_per_resident(
    client: Any, resident: Any, resident2: Any, budget: Any
) -> None:
    proposal = propose(budget, resident)
    client.force_login(resident2)
    url = reverse("budgets:support", args=[proposal.pk])
    client.post(url, {"support": "1"})
    client.post(url, {"support": "1"})
    assert Support.objects.filter(proposal=proposal).count() == 1
    page = client.get(proposal.get_absolute_url())
    assert "Withdraw my support" in page.text
    client.post(url, {"support": "0"})
    assert not Support.objects.exists()


def test_it_lists_the_proposals_on_the_budget_page_with_their_supports(
    client: Any, resident: Any, resident2: Any, budget: Any
) -> None:
    from budgets.services import support_add

    proposal = propose(budget, resident, title="Des fontaines")
    support_add(actor=web(resident2), proposal=proposal)
    page = client.get(budget.get_absolute_url())
    assert "Des fontaines" in page.text
    assert "1 support" in page.text or "1 soutien" in page.text
