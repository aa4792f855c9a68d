"""A test-only app that plugs into every registry of the core and of consent, and nothing else.

Installed only by ``tests/civic/test_plugin_app.py`` (``CIVIC_EXTRA_APPS``): it proves a new
domain is one folder plus its registrations, with no edit of the core.
"""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.http import HttpRequest


def _plugin_on(request: HttpRequest) -> bool:
    return "plugin" in request.GET


def _plugin_context(request: HttpRequest) -> dict[str, Any]:
    return {"plugin_greeting": "Bonjour du greffon"} if _plugin_on(request) else {}


def _export(user: Any) -> dict[str, Any]:
    return {"plugin_favourite": "ligne 7"}


def _erase(user: Any, *, actor: Any) -> dict[str, Any]:
    return {"deleted": ["plugin_favourite"], "kept": []}


def _seed(*, stdout: Any) -> None:
    stdout.write("Plugin: seeded\n")


class PluginAppConfig(AppConfig):
    name = "tests.plugin_app"
    label = "plugin_app"

    def ready(self) -> None:
        from celery.schedules import crontab

        from civic import registry
        from civic.roles import register_role
        from consent import registry as consent_registry

        register_role("plugin_officer", label="Plugin officer", permissions={"civic.view_district"})
        register_role("triager", permissions={"civic.view_apiclient"})  # adds to another app's
        registry.register_api_scope(registry.ApiScope("plugin", "Plugin API"))
        registry.register_mandate_scope(
            registry.MandateScope("plugin", "Plugin favourites", "manage my plugin favourites")
        )
        registry.register_home_tile(
            registry.HomeTile(
                key="plugin",
                title="Plugin tile",
                description="A tile from a plugged-in app",
                url_name="accessibility",
            )
        )
        registry.register_kiosk_tile(
            registry.KioskTile(key="plugin", title="Plugin kiosk tile", url_name="accessibility")
        )
        registry.register_nav_entry(
            registry.NavEntry(
                key="plugin-nav",
                title="Plugin workspace",
                url_name="legal_notice",
                visible=_plugin_on,
            )
        )
        registry.register_link(
            "my-data",
            registry.Link(key="plugin", title="My plugin favourites", url_name="legal_notice"),
        )
        registry.register_link(
            "privacy",
            registry.Link(key="plugin", title="Plugin transparency", url_name="legal_notice"),
        )
        registry.register_periodic_task(
            registry.PeriodicTask("plugin-nightly", "plugin_app.tasks.nightly", crontab(hour=1))
        )
        registry.register_page_banner(
            registry.PageBanner(
                key="plugin",
                template="plugin_app/_banner.html",
                order=5,
                head_template="plugin_app/_head.html",
                body_class="plugin-on",
                active=_plugin_on,
            )
        )
        registry.register_context(_plugin_context)
        registry.register_mfa_area(registry.MfaArea(prefix="/plugin/", role="plugin_officer"))
        registry.register_seed_step(registry.SeedStep(name="plugin", run=_seed, order=999))
        consent_registry.register(
            "plugin_app",
            summary="Plugin favourites",
            exporter=_export,
            eraser=_erase,
            labels={"plugin_favourite": "Favourite line"},
        )
        consent_registry.register_purpose(
            consent_registry.PurposeSpec(
                code="plugin-purpose",
                legal_basis="consent",
                title_fr="Favoris du greffon",
                title_en="Plugin favourites",
                description_fr="Garder vos lignes favorites.",
                description_en="Keep your favourite lines.",
                data_categories="Lignes favorites",
                retention="Un an",
                recipients="Service du greffon",
                notice_fr="Vos favoris restent un an.",
                notice_en="Your favourites stay a year.",
            )
        )
        consent_registry.register_algorithm(
            consent_registry.Algorithm(
                code="plugin-ranking",
                name="Plugin ranking",
                what_it_does="Ranks favourites.",
                data_used="Your favourites.",
                human_check="None needed.",
            )
        )
