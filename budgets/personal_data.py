"""What budgets holds on a person, for consent's registry: where they may vote and whether they
have, their proposals, supports and the budgets they follow. Never their choices: a ballot's
link to its voter is gone once voting closes, and erasure removes it before then (the ballot
stays, anonymous)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consent.registry import register

if TYPE_CHECKING:
    from civic.actors import Actor
    from civic.models import User

LABELS = {
    "budgets": _("Participatory budgets you may vote in"),
    "budget": _("Budget"),
    "has_voted": _("Voted"),
    "birth_year": _("Year of birth"),
    "district": _("District"),
    "verified": _("Right to vote checked"),
    "verified_at": _("Checked on"),
    "proposals": _("Your proposals"),
    "title": _("Title"),
    "description": _("Description"),
    "estimated_cost": _("Estimated cost"),
    "proposed_on": _("Proposed on"),
    "supports": _("Proposals you support"),
    "proposal": _("Proposal"),
    "following": _("Budgets you follow"),
}


def export_budgets(user: User) -> dict[str, Any]:
    from budgets.models import Proposal, Subscription, Support, Voter

    return {
        "budgets": [
            {
                "budget": voter.budget.title,
                "birth_year": voter.birth_year,
                "district": voter.district.name if voter.district else None,
                "verified": voter.get_verified_how_display(),
                "verified_at": voter.verified_at.isoformat() if voter.verified_at else None,
                "has_voted": voter.has_voted,
            }
            for voter in Voter.objects.filter(user=user).select_related("budget", "district")
        ],
        "proposals": [
            {
                "budget": proposal.budget.title,
                "title": proposal.title,
                "description": proposal.description,
                "estimated_cost": str(proposal.estimated_cost),
                "proposed_on": proposal.created_at.isoformat(),
            }
            for proposal in Proposal.objects.filter(proposer=user).select_related("budget")
        ],
        "supports": [
            {"budget": support.proposal.budget.title, "proposal": support.proposal.title}
            for support in Support.objects.filter(user=user).select_related("proposal__budget")
        ],
        "following": [
            subscription.budget.title
            for subscription in Subscription.objects.filter(user=user).select_related("budget")
        ],
    }


def erase_budgets(user: User, *, actor: Actor) -> dict[str, Any]:
    from budgets.models import Proposal, Subscription, Support, Voter
    from budgets.services.photos import photo_discard
    from budgets.services.proposals import EDITABLE_PHASES

    Voter.objects.filter(user=user).delete()  # and, with them, any link to a ballot
    Support.objects.filter(user=user).delete()
    Subscription.objects.filter(user=user).delete()
    # Proposals still open to changes go with their photos; reviewed ones stay, anonymous.
    open_proposals = Proposal.objects.filter(
        proposer=user, budget__phase__in=EDITABLE_PHASES, project=None
    )
    for proposal in open_proposals:
        for photo in proposal.photos.all():
            photo_discard(photo)
        proposal.delete()
    Proposal.objects.filter(proposer=user).update(proposer=None)
    return {
        "deleted": [
            gettext("your eligibility and “has voted” marks in participatory budgets"),
            gettext("your supports and the budgets you follow"),
            gettext("your proposals still open to changes, with their photos"),
        ],
        "kept": [
            {
                "what": gettext("proposals already under review or on the ballot"),
                "why": gettext("residents supported and voted on them; your name is removed"),
                "until": gettext("as long as the budget's results are published"),
            },
            {
                "what": gettext("ballots already cast"),
                "why": gettext("they are counted, and nothing links them to you any more"),
                "until": gettext("as long as the budget's results are published"),
            },
        ],
    }


def purge_budgets(*, now: datetime) -> int:
    """Retention: photos of a proposal form never sent go after a day."""
    from budgets.services.photos import draft_photos_purge

    return draft_photos_purge(now=now)


def register_personal_data() -> None:
    register(
        "budgets",
        summary=_("Participatory budgets"),
        exporter=export_budgets,
        eraser=erase_budgets,
        retention=purge_budgets,
        purposes=("budget-news",),
        labels=LABELS,
    )
