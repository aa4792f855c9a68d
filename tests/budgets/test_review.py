"""Budget officers review proposals in the admin: feasibility (a public explanation for "not
feasible", emailed to the proposer), final cost, duplicates merged with their supports, and
the review published as the heading's projects."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from budgets.models import Budget, Project, Support
from budgets.services import proposal_merge, proposal_review, review_publish, support_add
from civic.errors import InvalidInput, NotAllowed
from tests.budgets._cycle import budget_fixture, budgets_media_fixture, propose, staff, web  # noqa: F401

pytestmark = pytest.mark.django_db


def _in_review(budget: Any) -> None:
    Budget.objects.filter(pk=budget.pk).update(phase=Budget.Phase.REVIEW)


def test_it_explains_an_unfeasible_proposal_publicly_and_tells_the_proposer(
    client: Any, resident: Any, budget_officer: Any, budget: Any, tasks: Any, run_on_commit: Any
) -> None:
    proposal = propose(budget, resident)
    _in_review(budget)
    client.force_login(budget_officer)
    url = reverse("admin:budgets_proposal_change", args=[proposal.pk])
    form = {"feasibility": "unfeasible", "explanation": "", "final_cost": "", "merged_into": ""}
    response = client.post(url, form)
    assert response.status_code == 200  # refused: the explanation is missing
    proposal.refresh_from_db()
    assert proposal.feasibility == "pending"
    with run_on_commit():
        response = client.post(url, {**form, "explanation": "Le terrain est privé."})
    assert response.status_code == 302
    tasks.run()
    assert [m.to for m in mail.outbox] == [[resident.email]]
    assert "Le terrain est privé." in mail.outbox[0].body
    page = client.get(proposal.get_absolute_url())
    assert "Le terrain est privé." in page.text


def test_it_merges_a_duplicate_with_its_supports_carried_over(
    resident: Any, resident2: Any, budget_officer: Any, budget: Any
) -> None:
    kept = propose(budget, resident, title="Des bancs")
    duplicate = propose(budget, resident2, title="Encore des bancs")
    support_add(actor=web(resident), proposal=duplicate)
    support_add(actor=web(resident2), proposal=kept)
    support_add(actor=web(resident2), proposal=duplicate)
    proposal_merge(actor=staff(budget_officer), proposal=duplicate, into=kept)
    assert set(Support.objects.filter(proposal=kept).values_list("user", flat=True)) == {
        resident.pk,
        resident2.pk,
    }
    assert not Support.objects.filter(proposal=duplicate).exists()
    with pytest.raises(InvalidInput):
        proposal_merge(actor=staff(budget_officer), proposal=kept, into=kept)


def test_it_publishes_feasible_proposals_as_projects_of_their_heading(
    resident: Any, budget_officer: Any, budget: Any, districts: Any
) -> None:
    local = propose(budget, resident, title="Un jardin", district=districts[0])
    city_wide = propose(budget, resident, title="Des fontaines")
    refused = propose(budget, resident, title="Un château")
    _in_review(budget)
    officer = staff(budget_officer)
    proposal_review(actor=officer, proposal=local, feasibility="feasible", final_cost=Decimal(900))
    with pytest.raises(InvalidInput):  # one is still pending
        review_publish(actor=officer, budget=budget)
    proposal_review(actor=officer, proposal=city_wide, feasibility="feasible")
    proposal_review(actor=officer, proposal=refused, feasibility="unfeasible", explanation="Non.")
    review_publish(actor=officer, budget=budget)
    projects = {p.title: p for p in Project.objects.select_related("heading")}
    assert set(projects) == {"Un jardin", "Des fontaines"}
    assert projects["Un jardin"].heading.district == districts[0]
    assert projects["Un jardin"].cost == Decimal(900)
    assert projects["Des fontaines"].heading.district is None
    with pytest.raises(NotAllowed):
        proposal_review(actor=officer, proposal=refused, feasibility="feasible")


def test_it_lets_budget_officers_see_the_review_pages(
    client: Any, resident: Any, budget_officer: Any, budget: Any
) -> None:
    proposal = propose(budget, resident)
    client.force_login(budget_officer)
    assert client.get(reverse("admin:budgets_proposal_changelist")).status_code == 200
    assert (
        client.get(reverse("admin:budgets_proposal_change", args=[proposal.pk])).status_code == 200
    )
    assert client.get(reverse("admin:budgets_budget_change", args=[budget.pk])).status_code == 200


def test_it_refuses_to_change_the_voting_rule_in_the_admin_once_voting_opens(
    client: Any, budget_officer: Any, budget: Any
) -> None:
    Budget.objects.filter(pk=budget.pk).update(phase=Budget.Phase.VOTING)
    client.force_login(budget_officer)
    url = reverse("admin:budgets_budget_change", args=[budget.pk])
    form = client.get(url).context["adminform"].form
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    data.update(
        {"voting_rule": "approval", "headings-TOTAL_FORMS": "0", "headings-INITIAL_FORMS": "0"}
    )
    response = client.post(url, data)
    assert response.status_code == 200
    budget.refresh_from_db()
    assert budget.voting_rule == "knapsack"


def test_it_reviews_only_proposals_with_enough_supports_when_there_is_a_threshold(
    resident: Any, resident2: Any, budget_officer: Any, budget: Any
) -> None:
    Budget.objects.filter(pk=budget.pk).update(support_threshold=1)
    budget.refresh_from_db()
    backed = propose(budget, resident, title="Soutenue")
    propose(budget, resident, title="Sans soutien")
    support_add(actor=web(resident2), proposal=backed)
    _in_review(budget)
    proposal_review(actor=staff(budget_officer), proposal=backed, feasibility="feasible")
    review_publish(actor=staff(budget_officer), budget=budget)  # the other is not pending
    assert list(Project.objects.values_list("title", flat=True)) == ["Soutenue"]


def test_it_moves_a_budget_to_its_next_phase_from_the_admin(
    client: Any, budget_officer: Any, budget: Any
) -> None:
    client.force_login(budget_officer)
    response = client.post(
        reverse("admin:budgets_budget_changelist"),
        {"action": "move_to_next_phase", "_selected_action": [budget.pk]},
    )
    assert response.status_code == 302
    budget.refresh_from_db()
    assert budget.phase == Budget.Phase.REVIEW


@pytest.mark.usefixtures("budgets_media")
def test_it_shows_the_officer_a_proposal_s_photos_once_blurred(
    client: Any, resident: Any, budget_officer: Any, budget: Any, tasks: Any, run_on_commit: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from budgets.models import Photo
    from budgets.services.photos import photo_store_draft
    from civic.photos import photo_clean
    from tests.budgets._cycle import jpeg_with_gps

    upload = SimpleUploadedFile("p.jpg", jpeg_with_gps(), content_type="image/jpeg")
    clean = photo_clean(upload, name="p.jpg", size=upload.size)
    with run_on_commit():
        proposal = propose(
            budget, resident, photos=[photo_store_draft(clean=clean, draft="d" * 24)]
        )
    client.force_login(budget_officer)
    url = reverse("admin:budgets_proposal_change", args=[proposal.pk])
    assert client.get(url).status_code == 200 and not Photo.objects.get().is_public
    tasks.run()
    assert Photo.objects.get().thumbnail.url in client.get(url).text
