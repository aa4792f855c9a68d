"""What budgets brings to the rest of the site, declared through the core's registries."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from civic.registry import (
    HomeTile,
    PeriodicTask,
    SeedStep,
    register_home_tile,
    register_periodic_task,
    register_seed_step,
)
from civic.roles import CITY_MAP, register_role
from consent.models import LegalBasis
from consent.registry import PurposeSpec, register_purpose

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
