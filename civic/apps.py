from typing import Any

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CivicConfig(AppConfig):
    name = "civic"
    verbose_name = _("City")

    def ready(self) -> None:
        from civic import api, checks  # noqa: F401 - registers the OpenAPI scheme and checks
        from civic.demo_geography import seed_addresses
        from civic.registry import (
            HomeTile,
            PeriodicTask,
            SeedStep,
            register_home_tile,
            register_periodic_task,
            register_seed_step,
        )
        from civic.roles import roles_sync
        from civic.seed import seed_city

        post_migrate.connect(roles_sync, sender=self, dispatch_uid="civic.roles_sync")
        user_logged_in.connect(_language_at_sign_in, dispatch_uid="civic.language_at_sign_in")
        register_seed_step(SeedStep(name="city", run=seed_city, order=0))
        # The worker's heartbeat, which /healthz reports.
        register_periodic_task(PeriodicTask("heartbeat", "civic.tasks.heartbeat_task", 60.0))
        register_periodic_task(PeriodicTask("outbox-sweep", "civic.tasks.outbox_sweep_task", 60.0))
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


def _language_at_sign_in(sender: Any, request: Any, user: Any, **_: Any) -> None:
    """A language picked before signing in stays, and becomes the account's (not at a kiosk)."""
    from civic.middleware import account_language_follows_pick

    if request is not None:
        account_language_follows_pick(request, user)
