"""Writes on implementation tracking: a milestone records where a selected project stands
(status, progress, photos); voters and supporters who follow the budget are told."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from budgets.models import Milestone, Photo, Project, Subscription
from budgets.services.photos import MAX_PHOTOS, photos_attach
from civic.actors import Actor
from civic.city import absolute_url
from civic.errors import InvalidInput
from civic.mail import email_send_templated
from consent.selectors import processing_allowed

# Gate point (consent.registry.PurposeSpec.gates), declared in budgets/registrations.py.
TRACKING_EMAIL = "budgets.tracking-email"


@transaction.atomic
def milestone_add(
    *,
    actor: Actor,
    project: Project,
    date: date,
    title: str,
    status: str,
    progress: int,
    description: str = "",
    photos: Sequence[Photo] = (),
) -> Milestone:
    """Record a step of the works; followers who voted in the budget or supported the project
    get an email once it commits."""
    del actor  # the admin's log records who
    if not title.strip():
        raise InvalidInput(_("Give the milestone a title."), field="title")
    if status not in Milestone.Status.values:
        raise InvalidInput(_("Unknown status."), field="status")
    if not 0 <= progress <= 100:
        raise InvalidInput(_("Progress is between 0 and 100 %."), field="progress")
    if len(photos) > MAX_PHOTOS:
        raise InvalidInput(_("Send at most 3 photos."), field="photos")
    milestone = Milestone.objects.create(
        project=project,
        date=date,
        title=title.strip(),
        description=description.strip(),
        status=status,
        progress=progress,
    )
    photos_attach(photos, milestone=milestone)
    milestone_notify(milestone)
    return milestone


def milestone_notify(milestone: Milestone) -> int:
    """Email the budget's followers who voted in it or supported (or proposed) the project."""
    project = milestone.project
    budget = project.heading.budget
    involved = Q(user__voter__budget=budget, user__voter__has_voted=True)
    proposal = getattr(project, "proposal", None)
    if proposal is not None:
        involved |= Q(user__budget_supports__proposal=proposal) | Q(user=proposal.proposer_id)
    followers = (
        Subscription.objects.filter(involved, budget=budget, user__is_active=True)
        .select_related("user")
        .distinct()
    )
    url = absolute_url(project_tracking_url(project))
    sent = 0
    for subscription in followers:
        user = subscription.user
        if user.email and processing_allowed(user, TRACKING_EMAIL):
            email_send_templated(
                to=user.email,
                template_prefix="budgets/email/milestone",
                context={"milestone": milestone, "project": project, "url": url},
                language=user.language,
            )
            sent += 1
    return sent


def project_tracking_url(project: Project) -> str:
    from django.urls import reverse

    return reverse("budgets:project", args=[project.pk])
