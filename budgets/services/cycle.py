"""Writes on a budget's cycle: phases move forward by their dates (beat) or by staff; residents
who follow the budget are told; the voting rule is locked once voting opens."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from budgets.models import PHASE_ORDER, PHASE_STARTS, Budget, Subscription
from civic.actors import Actor
from civic.city import absolute_url
from civic.errors import CivicError, InvalidInput, NotAllowed
from civic.mail import email_send_templated
from consent.selectors import processing_allowed

logger = logging.getLogger(__name__)

# Gate point (consent.registry.PurposeSpec.gates), declared in budgets/registrations.py.
PHASE_EMAIL = "budgets.phase-email"

# What may not change once voting has opened: ballots are cast under these rules.
LOCKED_FIELDS = ("voting_rule", "min_projects", "max_projects")


def phase_index(phase: str) -> int:
    return PHASE_ORDER.index(phase)


def phase_due(budget: Budget, *, now: datetime) -> str | None:
    """The phase the dates say the budget is in (the latest whose start has passed)."""
    due = None
    for phase in PHASE_ORDER:
        starts = getattr(budget, PHASE_STARTS[phase])
        if starts is not None and starts <= now:
            due = phase
    return due


def phase_next(budget: Budget) -> str | None:
    """The phase after the current one; the optional supports phase only when it has a date."""
    for phase in PHASE_ORDER[phase_index(budget.phase) + 1 :]:
        if phase == Budget.Phase.SUPPORTS and budget.supports_starts is None:
            continue
        return phase
    return None


def rule_lock_check(budget: Budget, changes: dict[str, Any]) -> None:
    """Refuse a change of the voting rule or its limits once voting has opened."""
    if phase_index(budget.phase) < phase_index(Budget.Phase.VOTING):
        return
    for name in LOCKED_FIELDS:
        if name in changes and changes[name] != getattr(budget, name):
            raise InvalidInput(
                _("The voting rule cannot change once voting has opened."), field=name
            )


@transaction.atomic
def phase_set(*, actor: Actor, budget: Budget, phase: str) -> Budget:
    """Move the budget to a later phase, with what each opening brings: the review's projects
    go on the ballot when voting opens, ballots are unlinked from voters when it closes.
    Followers are told once this commits."""
    from budgets.services.counting import voting_close
    from budgets.services.review import review_publish

    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    if phase not in PHASE_ORDER:
        raise InvalidInput(_("Unknown phase."), field="phase")
    if phase_index(phase) <= phase_index(budget.phase):
        raise NotAllowed(_("A budget's phases only move forward."), field="phase")
    voting = phase_index(Budget.Phase.VOTING)
    if phase_index(phase) >= voting and budget.review_published_at is None:
        review_publish(actor=actor, budget=budget)
        budget.refresh_from_db()
    if phase_index(phase) > voting and not budget.voting_closed:
        voting_close(actor=actor, budget=budget)
        budget.refresh_from_db()
    budget.phase = phase
    budget.save(update_fields=["phase"])
    _notify_followers(budget)
    return budget


def phases_advance(*, now: datetime) -> int:
    """Scheduled by beat: move every budget whose next phase's date has passed. Idempotent."""
    moved = 0
    for budget in Budget.objects.exclude(phase=Budget.Phase.IMPLEMENTATION):
        due = phase_due(budget, now=now)
        if due is not None and phase_index(due) > phase_index(budget.phase):
            try:
                phase_set(actor=Actor.system(), budget=budget, phase=due)
            except CivicError:  # a review left pending: staff see it, the others still move
                logger.exception("budget %s could not move to %s", budget.pk, due)
                continue
            moved += 1
    return moved


def _notify_followers(budget: Budget) -> None:
    url = absolute_url(budget.get_absolute_url())
    followers = Subscription.objects.filter(budget=budget, user__is_active=True).select_related(
        "user"
    )
    for subscription in followers:
        user = subscription.user
        if user.email and processing_allowed(user, PHASE_EMAIL):
            email_send_templated(
                to=user.email,
                template_prefix="budgets/email/phase",
                context={"budget": budget, "url": url, "ends": budget.phase_ends},
                language=user.language,
            )


def budget_follow(*, actor: Actor, budget: Budget, follow: bool) -> bool:
    """Follow (or stop following) a budget's news by email. Returns whether one follows it."""
    user = actor.subject_user
    if user is None:
        raise NotAllowed(_("Sign in to follow a budget."))
    if follow:
        Subscription.objects.get_or_create(budget=budget, user=user)
    else:
        Subscription.objects.filter(budget=budget, user=user).delete()
    return follow
