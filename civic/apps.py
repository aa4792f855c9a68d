from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CivicConfig(AppConfig):
    name = "civic"
    verbose_name = _("City")

    def ready(self) -> None:
        from civic import api, checks  # noqa: F401 - registers the OpenAPI scheme and checks
        from civic.demo_geography import seed_addresses
        from civic.registry import HomeTile, SeedStep, register_home_tile, register_seed_step
        from civic.roles import roles_sync
        from civic.seed import seed_city

        post_migrate.connect(roles_sync, sender=self, dispatch_uid="civic.roles_sync")
        register_seed_step(SeedStep(name="city", run=seed_city, order=0))
        register_seed_step(SeedStep(name="addresses", run=seed_addresses, order=10))
        register_home_tile(
            HomeTile(
                key="districts",
                title=_("The city's districts"),
                description=_("The districts on a map, with their population."),
                url_name="district_list",
                order=900,
                in_menu=False,
            )
        )
