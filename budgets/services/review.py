"""The budget officers' review, each step one call in one transaction: feasibility and final
cost, duplicates merged (their supports carried over), and the review published (feasible
proposals become the projects of their heading, for voting)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from budgets.models import Budget, Heading, Project, Proposal, Support
from civic.actors import Actor
from civic.city import absolute_url
from civic.errors import InvalidInput, NotAllowed
from civic.mail import email_send_templated


def _not_published(budget: Budget) -> None:
    if budget.review_published_at is not None:
        raise NotAllowed(_("The review of this budget is already published."))


@transaction.atomic
def proposal_review(
    *,
    actor: Actor,
    proposal: Proposal,
    feasibility: str,
    explanation: str = "",
    final_cost: Decimal | None = None,
) -> Proposal:
    """Record feasibility and final cost. "Not feasible" needs a public explanation, and the
    proposer is told why (once it commits)."""
    del actor  # the admin's own log records who changed what
    proposal = Proposal.objects.select_for_update().select_related("budget").get(pk=proposal.pk)
    _not_published(proposal.budget)
    if feasibility not in Proposal.Feasibility.values:
        raise InvalidInput(_("Unknown feasibility."), field="feasibility")
    explanation = explanation.strip()
    if feasibility == Proposal.Feasibility.UNFEASIBLE and not explanation:
        raise InvalidInput(
            _("Explain publicly why the proposal is not feasible."), field="explanation"
        )
    if final_cost is not None and final_cost < 0:
        raise InvalidInput(_("The cost cannot be negative."), field="final_cost")
    newly_unfeasible = (
        feasibility == Proposal.Feasibility.UNFEASIBLE
        and proposal.feasibility != Proposal.Feasibility.UNFEASIBLE
    )
    proposal.feasibility, proposal.explanation, proposal.final_cost = (
        feasibility,
        explanation,
        final_cost,
    )
    proposal.save(update_fields=["feasibility", "explanation", "final_cost", "updated_at"])
    proposer = proposal.proposer
    if newly_unfeasible and proposer is not None and proposer.email and proposer.is_active:
        email_send_templated(
            to=proposer.email,
            template_prefix="budgets/email/unfeasible",
            context={"proposal": proposal, "url": absolute_url(proposal.get_absolute_url())},
            language=proposer.language,
        )
    return proposal


@transaction.atomic
def proposal_merge(*, actor: Actor, proposal: Proposal, into: Proposal) -> Proposal:
    """Merge a duplicate into another proposal of the same budget: its supporters now support
    the other one (each once)."""
    del actor
    locked = Proposal.objects.select_for_update().filter(pk__in=[proposal.pk, into.pk])
    by_pk = {p.pk: p for p in locked.select_related("budget")}
    proposal, into = by_pk[proposal.pk], by_pk[into.pk]
    _not_published(proposal.budget)
    if proposal.pk == into.pk or proposal.budget_id != into.budget_id:
        raise InvalidInput(_("Merge into another proposal of the same budget."), field="into")
    if into.merged_into_id is not None:
        raise InvalidInput(_("That proposal was itself merged: choose the one it went into."))
    already = Support.objects.filter(proposal=into).values_list("user_id", flat=True)
    Support.objects.filter(proposal=proposal).exclude(user_id__in=already).update(proposal=into)
    Support.objects.filter(proposal=proposal).delete()
    # Anything already merged into the duplicate now points to the kept proposal.
    Proposal.objects.filter(merged_into=proposal).update(merged_into=into)
    proposal.merged_into = into
    proposal.save(update_fields=["merged_into", "updated_at"])
    return proposal


def preselected(budget: Budget) -> list[Proposal]:
    """Proposals that go to review: not merged, with enough supports when there is a threshold."""
    proposals = (
        Proposal.objects.filter(budget=budget, merged_into=None)
        .annotate(support_count=Count("supports"))
        .select_related("district")
        .order_by("pk")
    )
    return [p for p in proposals if p.support_count >= budget.support_threshold]


def _heading_for(budget: Budget, proposal: Proposal) -> Heading:
    headings = list(budget.headings.filter(Q(district=proposal.district) | Q(district=None)))
    own = [h for h in headings if h.district_id is not None]
    if own:
        return own[0]
    if headings:
        return headings[0]
    raise InvalidInput(
        _("The budget has no heading for “%(title)s”: add a city-wide heading.")
        % {"title": proposal.title}
    )


@transaction.atomic
def review_publish(*, actor: Actor, budget: Budget) -> list[Project]:
    """Publish the review: every pre-selected feasible proposal becomes a project of its
    district's heading (or the city-wide one), at its final cost. Nothing may be left pending."""
    del actor
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    _not_published(budget)
    chosen = preselected(budget)
    pending = [p for p in chosen if p.feasibility == Proposal.Feasibility.PENDING]
    if pending:
        raise InvalidInput(
            _("%(n)s proposal(s) are not reviewed yet.") % {"n": len(pending)}, code="pending"
        )
    projects = []
    for proposal in chosen:
        if proposal.feasibility != Proposal.Feasibility.FEASIBLE:
            continue
        project = Project.objects.create(
            heading=_heading_for(budget, proposal),
            pabulib_id=f"p{proposal.pk}",
            title=proposal.title,
            description=proposal.description,
            cost=proposal.cost,
        )
        proposal.project = project
        proposal.save(update_fields=["project"])
        projects.append(project)
    budget.review_published_at = timezone.now()
    budget.save(update_fields=["review_published_at"])
    return projects
