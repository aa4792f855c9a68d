from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SensorsConfig(AppConfig):
    name = "sensors"
    verbose_name = _("Sensors")

    def ready(self) -> None:
        from civic.registry import HomeTile, SeedStep, register_home_tile, register_seed_step
        from sensors.personal import register_personal_data
        from sensors.seed import seed_sensors

        register_personal_data()
        register_seed_step(SeedStep(name="sensors", run=seed_sensors, order=50))
        register_home_tile(
            HomeTile(
                key="sensors",
                title=_("Air and city sensors"),
                description=_(
                    "Air quality by district, noise, water levels: live and as open data."
                ),
                url_name="sensors:map",
                order=40,
            )
        )
