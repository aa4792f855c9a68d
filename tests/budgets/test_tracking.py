"""What became of the projects: selected projects with their milestones (status, progress,
photos) as a list and a map that works without JavaScript; followers who voted or supported
are told when the works move on."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from budgets.models import Budget, Heading, Outcome, Project, Proposal, Subscription, Voter
from budgets.services import milestone_add
from tests.budgets._cycle import budgets_media_fixture, staff  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def selected(resident: Any) -> Project:
    budget = Budget.objects.create(title="Budget 2026", phase=Budget.Phase.IMPLEMENTATION)
    heading = Heading.objects.create(budget=budget, name="Ville", amount=Decimal(1000))
    project = Project.objects.create(heading=heading, pabulib_id="p1", title="Fontaines", cost=500)
    Project.objects.create(heading=heading, pabulib_id="p2", title="Château", cost=900)
    Proposal.objects.create(
        budget=budget, proposer=resident, title="Fontaines", description="Trois fontaines",
        estimated_cost=500, latitude=47.39, longitude=0.69, project=project,
    )  # fmt: skip
    Outcome.objects.create(heading=heading, rule="mes", fingerprint="x", selected=["p1"])
    return project


def test_it_lists_selected_projects_with_where_their_works_stand(
    client: Any, budget_officer: Any, selected: Any
) -> None:
    page = client.get(reverse("budgets:tracking"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Fontaines" in page.text and "Château" not in page.text
    assert "Works not started yet." in page.text
    assert '"lat": 47.39' in page.text  # the map's pins, beside the list
    milestone_add(
        actor=staff(budget_officer), project=selected, date=date(2027, 3, 1),
        title="Chantier ouvert", status="in_progress", progress=40,
    )  # fmt: skip
    page = client.get(reverse("budgets:tracking"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Works in progress" in page.text and "40 % done" in page.text
    detail = client.get(reverse("budgets:project", args=[selected.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "Chantier ouvert" in detail.text


def test_it_tells_followers_who_voted_or_supported_and_nobody_else(
    resident: Any,
    resident2: Any,
    budget_officer: Any,
    selected: Any,
    tasks: Any,
    run_on_commit: Any,
) -> None:
    from tests.conftest import make_person

    budget = selected.heading.budget
    bystander = make_person("carol@example.org")
    for person in (resident, resident2, bystander):
        Subscription.objects.create(budget=budget, user=person)
    Voter.objects.create(budget=budget, user=resident2, has_voted=True)
    with run_on_commit():
        milestone_add(
            actor=staff(budget_officer), project=selected, date=date(2027, 3, 1),
            title="Chantier ouvert", status="in_progress", progress=40,
        )  # fmt: skip
    tasks.run()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([resident.email, resident2.email])


def test_it_hides_a_project_that_was_not_selected(client: Any, selected: Any) -> None:
    other = Project.objects.get(pabulib_id="p2")
    assert client.get(reverse("budgets:project", args=[other.pk])).status_code == 404


@pytest.mark.usefixtures("budgets_media")
def test_it_lets_a_budget_officer_post_a_milestone_with_a_photo_in_the_admin(
    client: Any, budget_officer: Any, selected: Any, tasks: Any, run_on_commit: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from budgets.models import Milestone, Photo
    from tests.budgets._cycle import jpeg_with_gps

    client.force_login(budget_officer)
    photo = SimpleUploadedFile("chantier.jpg", jpeg_with_gps(), content_type="image/jpeg")
    with run_on_commit():
        response = client.post(
            reverse("admin:budgets_milestone_add"),
            {
                "project": selected.pk, "date": "2027-03-01", "title": "Chantier ouvert",
                "description": "", "status": "in_progress", "progress": "40", "photos": [photo],
            },
        )  # fmt: skip
    assert response.status_code == 302
    milestone = Milestone.objects.get()
    tasks.run()
    assert Photo.objects.get().milestone == milestone and Photo.objects.get().is_public
    detail = client.get(reverse("budgets:project", args=[selected.pk]))
    assert Photo.objects.get().image.url in detail.text
