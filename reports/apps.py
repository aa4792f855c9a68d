from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Anomaly reports")

    def ready(self) -> None:
        from civic.registry import HomeTile, SeedStep, register_home_tile, register_seed_step
        from reports.personal_data import register_personal_data
        from reports.seed import seed_reports

        register_personal_data()
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
        register_seed_step(SeedStep(name="reports", run=seed_reports, order=200))
