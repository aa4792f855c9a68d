from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistConfig(AppConfig):
    name = "assist"
    verbose_name = _("Kiosks and mediators")

    def ready(self) -> None:
        from assist import scopes  # noqa: F401 - declares the mandate scopes assist serves
        from assist.personal_data import register_personal_data
        from assist.seed import seed_assist
        from civic.registry import SeedStep, register_seed_step

        register_personal_data()
        register_seed_step(SeedStep(name="assist", run=seed_assist, order=400))
