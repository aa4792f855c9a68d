"""What budgets brings to the rest of the site, declared through the core's registries."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from civic.registry import KioskTile, MandateScope, register_kiosk_tile, register_mandate_scope
from civic.roles import CITY_MAP, register_role
from consent.registry import Algorithm, register_algorithm

VOTE_SCOPE = "budget-vote"


def register() -> None:
    from budgets.personal_data import register_personal_data

    register_personal_data()
    register_role("budget_officer", label=_("Budget officer"), permissions=CITY_MAP)
    register_voting()


def register_voting() -> None:
    """Voting and results: eligibility and paper ballots for staff, the mediator's scope, the
    kiosk's button, and the counting rules explained."""
    register_role(
        "budget_officer",
        permissions={
            "budgets.view_voter",
            "budgets.add_voter",  # voting-code letters
            "budgets.change_voter",  # verify eligibility in person
            "budgets.add_ballot",  # type in paper ballots (they are anonymous)
            "budgets.view_resultoverride",
            "budgets.add_resultoverride",
        },
    )
    register_mandate_scope(
        MandateScope(
            code=VOTE_SCOPE,
            label=_("Vote for me"),
            description=_(
                "check that I may vote in the city's participatory budget and cast or change my "
                "ballot as I tell them, until voting closes"
            ),
            order=40,
        )
    )
    register_kiosk_tile(
        KioskTile(
            key="budgets-vote", title=_("Projects and vote"), url_name="budgets:code", order=30
        )
    )
    register_algorithm(
        Algorithm(
            code="budget-greedy",
            name=_("Participatory budget count: greedy by votes"),
            what_it_does=_(
                "Funds the projects with the most votes first, one after another, skipping any "
                "that no longer fits in what is left of the budget."
            ),
            data_used=_("The anonymous ballots and the projects' costs. Never who voted."),
            human_check=_(
                "Anyone can download the anonymous ballots and count again; staff may change a "
                "result only with a reason published on the results page."
            ),
        )
    )
    register_algorithm(
        Algorithm(
            code="budget-equal-shares",
            name=_("Participatory budget count: Method of Equal Shares"),
            what_it_does=_(
                "Gives every voter an equal share of the budget. A project is funded when the "
                "voters who chose it can pay its cost from their shares, the one costing each of "
                "them least first; what is left then goes to the most voted projects that fit. "
                "So every group of voters gets projects in proportion to its size."
            ),
            data_used=_("The anonymous ballots and the projects' costs. Never who voted."),
            human_check=_(
                "The results page shows how the shares paid for each project, anyone can download "
                "the anonymous ballots and count again, and staff may change a result only with a "
                "reason published on the results page."
            ),
        )
    )
