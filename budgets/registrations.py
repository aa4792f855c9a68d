"""What budgets brings to the rest of the site, declared through the core's registries."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from civic.registry import (
    HomeTile,
    KioskTile,
    MandateScope,
    NavEntry,
    PeriodicTask,
    SeedStep,
    register_home_tile,
    register_kiosk_tile,
    register_mandate_scope,
    register_nav_entry,
    register_periodic_task,
    register_seed_step,
)
from civic.roles import CITY_MAP, register_role
from consent.models import LegalBasis
from consent.registry import Algorithm, PurposeSpec, register_algorithm, register_purpose

# What budget officers do in the admin: the cycle's dates, the review, the works' milestones.
REVIEW_PERMISSIONS = {
    "budgets.view_budget",
    "budgets.change_budget",
    "budgets.view_heading",
    "budgets.view_proposal",
    "budgets.change_proposal",
    "budgets.view_project",
    "budgets.view_milestone",
    "budgets.add_milestone",
}

VOTE_SCOPE = "budget-vote"


def register() -> None:
    from budgets.personal_data import register_personal_data
    from budgets.seed import seed_budgets
    from budgets.services.cycle import PHASE_EMAIL
    from budgets.services.tracking import TRACKING_EMAIL

    register_personal_data()
    register_role("budget_officer", label=_("Budget officer"), permissions=CITY_MAP)
    register_role("budget_officer", permissions=REVIEW_PERMISSIONS)
    # The cycle, proposals and tracking (budgets-propose): the home tile and menu entry.
    register_home_tile(
        HomeTile(
            key="budgets",
            title=_("Participatory budgets"),
            description=_("Propose projects for the city, vote, and follow the works."),
            url_name="budgets:index",
            order=50,
        )
    )
    register_periodic_task(
        PeriodicTask("budgets-phases", "budgets.tasks.phases_advance_task", 300.0)
    )
    register_periodic_task(
        PeriodicTask("budgets-photos-sweep", "budgets.tasks.photos_sweep_task", 300.0)
    )
    register_purpose(
        PurposeSpec(
            code="budget-news",
            legal_basis=LegalBasis.PUBLIC_TASK,
            title_fr="Nouvelles des budgets participatifs",
            title_en="Participatory budget news",
            description_fr=(
                "Vous écrire quand un budget que vous suivez change d'étape, et quand les "
                "travaux d'un projet que vous avez soutenu ou voté avancent."
            ),
            description_en=(
                "Write to you when a budget you follow moves to its next step, and when the "
                "works of a project you supported or voted for move on."
            ),
            data_categories="Adresse électronique\nBudgets suivis\nSoutiens et participation",
            retention="Jusqu'à ce que vous cessiez de suivre le budget",
            recipients="Services de la ville",
            notice_fr="Un courriel à chaque étape du budget, et des nouvelles des travaux.",
            notice_en="An email at each step of the budget, and news of the works.",
            gates=(PHASE_EMAIL, TRACKING_EMAIL),
        )
    )
    register_seed_step(SeedStep(name="budgets", run=seed_budgets, order=250))
    register_voting()


def _voting_staff(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.has_perm("budgets.add_ballot"))


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
    register_nav_entry(
        NavEntry(
            key="budgets-voting-desk",
            title=_("Voting desk"),
            url_name="budgets:staff_voting",
            order=910,
            visible=_voting_staff,
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
