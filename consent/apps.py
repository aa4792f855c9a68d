from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = _("Consent and personal data")

    def ready(self) -> None:
        from civic.registry import HomeTile, SeedStep, register_home_tile, register_seed_step
        from consent import checks  # noqa: F401 - registers the personal-data checks
        from consent.foundation import register_foundation
        from consent.seed import seed_consent
        from consent.triggers import journal_triggers_ensure

        register_foundation()
        post_migrate.connect(
            journal_triggers_ensure, sender=self, dispatch_uid="consent.journal_triggers"
        )
        register_home_tile(
            HomeTile(
                key="my-data",
                title=_("My data"),
                description=_(
                    "What the city holds on you, who looked at it; download it, or leave."
                ),
                url_name="consent:my_data",
                icon="🔒",
                order=800,
            )
        )
        register_seed_step(SeedStep(name="consent", run=seed_consent, order=300))
