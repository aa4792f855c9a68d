"""What budgets holds on a person, for consent's registry: where they may vote and whether they
have. Never their choices: a ballot's link to its voter is gone once voting closes, and erasure
removes it before then (the ballot stays, anonymous)."""

from __future__ import annotations

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
}


def export_budgets(user: User) -> dict[str, Any]:
    from budgets.models import Voter

    return {
        "budgets": [
            {"budget": voter.budget.title, "has_voted": voter.has_voted}
            for voter in Voter.objects.filter(user=user).select_related("budget")
        ]
    }


def erase_budgets(user: User, *, actor: Actor) -> dict[str, Any]:
    from budgets.models import Voter

    Voter.objects.filter(user=user).delete()  # and, with them, any link to a ballot
    return {
        "deleted": [gettext("your eligibility and “has voted” marks in participatory budgets")],
        "kept": [
            {
                "what": gettext("ballots already cast"),
                "why": gettext("they are counted, and nothing links them to you any more"),
                "until": gettext("as long as the budget's results are published"),
            }
        ],
    }


def register_personal_data() -> None:
    register(
        "budgets",
        summary=_("Participatory budgets"),
        exporter=export_budgets,
        eraser=erase_budgets,
        labels=LABELS,
    )
