from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DensityConfig(AppConfig):
    name = "density"
    verbose_name = _("Passenger density")

    def ready(self) -> None:
        from density.registrations import register

        register()
