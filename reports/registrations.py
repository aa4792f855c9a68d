"""What reports brings to the rest of the site, declared through the core's registries."""

from __future__ import annotations

from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from civic.registry import (
    ApiScope,
    HomeTile,
    KioskTile,
    Link,
    MandateScope,
    PeriodicTask,
    SeedStep,
    register_api_scope,
    register_home_tile,
    register_kiosk_tile,
    register_link,
    register_mandate_scope,
    register_periodic_task,
    register_seed_step,
)
from civic.roles import CITY_MAP, register_role
from consent.models import LegalBasis
from consent.registry import Algorithm, PurposeSpec, register_algorithm, register_purpose
from reports.services.residents import AREA_DIGEST_EMAIL, FIXED_QUESTION_EMAIL
from reports.services.triage import STATUS_EMAIL

API_SCOPE = "reports"
# What a mediator's mandate may allow here: filing and following reports in the resident's name.
MANDATE_SCOPE = "reports"

STAFF_PERMISSIONS = CITY_MAP | {
    "reports.view_report",
    "reports.change_report",
    "reports.view_category",
    "reports.view_responsetemplate",
    "reports.view_photo",
    "reports.view_unblurred_photo",
}


def register() -> None:
    from reports.personal_data import register_personal_data
    from reports.seed import seed_reports

    register_personal_data()
    register_role(
        "triager",
        label=_("Triager"),
        permissions=STAFF_PERMISSIONS
        | {
            "reports.triage_all",
            "reports.add_responsetemplate",
            "reports.change_responsetemplate",
        },
    )
    register_role("department_agent", label=_("Department agent"), permissions=STAFF_PERMISSIONS)
    # The categories residents choose from and where each one goes, district by district.
    register_role(
        "service_manager",
        label=_("Service manager"),
        permissions=CITY_MAP
        | {
            "reports.view_category",
            "reports.add_category",
            "reports.change_category",
            "reports.view_routingrule",
            "reports.add_routingrule",
            "reports.change_routingrule",
            "reports.delete_routingrule",
        },
    )
    # The abuse list: senders whose reports are held back for review.
    register_role(
        "moderator",
        label=_("Moderator"),
        permissions={
            "reports.view_abuser",
            "reports.add_abuser",
            "reports.change_abuser",
            "reports.delete_abuser",
        },
    )
    for order, (key, title, url_name) in enumerate(
        (
            ("reports-queue", _("Reports to triage"), "admin:reports_report_changelist"),
            ("reports-map", _("Map of the queue"), "admin:reports_report_map"),
            ("reports-dashboard", _("Reports dashboard"), "reports:dashboard"),
        ),
        start=10,
    ):
        register_link(
            "staff",
            Link(key, title, url_name, order=order, permission="reports.view_report"),
        )
    register_api_scope(ApiScope(API_SCOPE, _("Reports (Open311 and the reports API)")))
    register_home_tile(
        HomeTile(
            key="reports",
            title=_("Report a problem"),
            description=_("A pothole, a broken street light, litter: tell the city."),
            url_name="reports:create",
            icon="📍",
            order=10,
        )
    )
    register_home_tile(
        HomeTile(
            key="reports-map",
            title=_("Problems reported"),
            description=_("The map and list of reported problems, and what became of them."),
            url_name="reports:list",
            icon="🗺️",
            order=12,
        )
    )
    register_kiosk_tile(
        KioskTile(
            key="reports",
            title=_("Report a problem in the street"),
            url_name="reports:create",
            icon="reports/icons/report.svg",
            order=10,
        )
    )
    register_mandate_scope(
        MandateScope(
            code=MANDATE_SCOPE,
            label=_("Reports"),
            description=_(
                "report problems in public space in my name, and follow what becomes of them"
            ),
            order=30,
        )
    )
    register_seed_step(SeedStep(name="reports", run=seed_reports, order=200))
    register_periodic_task(
        PeriodicTask("reports-fixed-question", "reports.tasks.fixed_question_sweep_task", 3600.0)
    )
    register_periodic_task(
        PeriodicTask("reports-photos-sweep", "reports.tasks.photos_sweep_task", 300.0)
    )
    # Each area alert is sent at most once a day (last_sent_at); the hourly run finds those due.
    register_periodic_task(
        PeriodicTask("reports-area-digests", "reports.tasks.area_alerts_digest_task", 3600.0)
    )
    register_purpose(
        PurposeSpec(
            code="report-follow-up",
            legal_basis=LegalBasis.PUBLIC_TASK,
            title_fr="Courriels de suivi des signalements",
            title_en="Follow-up emails for reports",
            description_fr="Vous tenir informé de l'avancement des signalements que vous suivez.",
            description_en="Keep you informed of the progress of the reports you follow.",
            data_categories="Adresse électronique\nSignalements suivis",
            retention="Un an après la clôture du signalement",
            recipients="Services de la ville",
            notice_fr="Nous vous écrivons quand un signalement que vous suivez change d'état.",
            notice_en="We write to you when a report you follow changes state.",
            gates=(STATUS_EMAIL, FIXED_QUESTION_EMAIL),
        )
    )
    register_purpose(
        PurposeSpec(
            code="report-area-alerts",
            legal_basis=LegalBasis.PUBLIC_TASK,
            title_fr="Alertes de quartier",
            title_en="Area alerts",
            description_fr=(
                "Vous écrire une fois par jour les nouveaux signalements d'un quartier ou "
                "autour d'un lieu que vous suivez."
            ),
            description_en=(
                "Write to you once a day with the new reports in a district or around a place "
                "you follow."
            ),
            data_categories="Adresse électronique\nQuartier ou lieu suivi",
            retention="Jusqu'à la suppression de l'alerte",
            recipients="Services de la ville",
            notice_fr="Un courriel par jour au plus, seulement s'il y a du nouveau.",
            notice_en="One email a day at most, only when there is something new.",
            gates=(AREA_DIGEST_EMAIL,),
        )
    )
    register_algorithm(
        Algorithm(
            code="photo-blurring",
            name=_("Photo blurring"),
            what_it_does=_(
                "Finds faces and number plates on the photos sent with reports and blurs them; it "
                "also removes the location and camera details hidden in the file. Only the blurred "
                "copy is ever shown in public."
            ),
            data_used=_("The photo you send. Nothing is kept by the detector after it has run."),
            # No promise of a tool that does not exist (blurring more by hand): only what runs.
            human_check=format_lazy(
                _(
                    "Staff see the blurred copy first; the unblurred copy is opened only with a "
                    "stated reason, recorded in your data access history, and deleted {days} "
                    "days after the report is closed."
                ),
                days=settings.CIVIC_REPORTS_UNBLURRED_KEPT_DAYS,
            ),
        )
    )
    register_algorithm(
        Algorithm(
            code="report-routing",
            name=_("Report routing"),
            what_it_does=_(
                "Sends each report to the department in charge, from its category and the district "
                "where it was made, following rules the city publishes and maintains."
            ),
            data_used=_("The report's category and location. Never who sent it."),
            human_check=_(
                "A triager reviews every new report and can send it to another department; the "
                "change is written in the report's history."
            ),
        )
    )
