"""Run by tests/civic/test_plugin_app.py in a process where tests.plugin_app is installed."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from civic.actors import Actor
from civic.celery import beat_schedule
from civic.registry import kiosk_tiles, mandate_scope, seed_steps
from civic.services import api_client_create

pytestmark = pytest.mark.django_db


def test_it_the_role_exists_with_its_permissions_and_adds_to_another() -> None:
    officer = Group.objects.get(name="plugin_officer")
    assert set(officer.permissions.values_list("codename", flat=True)) == {"view_district"}
    assert Group.objects.get(name="triager").permissions.filter(codename="view_apiclient").exists()


def test_it_an_api_key_may_hold_the_scope() -> None:
    client, _key = api_client_create(actor=Actor.system(), name="Plugin partner", scopes=["plugin"])
    assert client.has_scope("plugin")


def test_it_a_mandate_may_grant_the_scope() -> None:
    found = mandate_scope("plugin")
    assert found is not None and str(found.label) == "Plugin favourites"


def test_it_home_menu_banner_and_context_appear_on_pages(client: Client) -> None:
    plain = client.get("/").content.decode()
    assert "Plugin tile" in plain
    assert "Plugin workspace" not in plain and "plugin-bar" not in plain

    page = client.get("/?plugin=1").content.decode()
    assert '<aside class="plugin-bar">Bonjour du greffon</aside>' in page
    assert '<meta name="plugin-head" content="on">' in page
    assert "plugin-on" in page
    assert ">Plugin workspace</a>" in page


def test_it_the_kiosk_home_lists_the_tile() -> None:
    assert "plugin" in {tile.key for tile in kiosk_tiles()}


def test_it_my_data_shows_the_link_and_the_data(client: Client, resident: Any) -> None:
    client.force_login(resident)
    page = client.get("/my-data/").content.decode()
    assert "My plugin favourites" in page or "Favoris" in page
    assert "ligne 7" in page


def test_it_privacy_pages_show_the_link_purpose_and_algorithm(client: Client) -> None:
    from consent.seed import seed_consent

    seed_consent(stdout=StringIO())
    assert "Plugin transparency" in client.get("/privacy/").content.decode()
    assert "Favoris du greffon" in client.get("/privacy/register/").content.decode()
    assert 'id="algorithm-plugin-ranking"' in client.get("/privacy/algorithms/").content.decode()


def test_it_beat_runs_the_periodic_task_and_the_seed_has_its_step() -> None:
    assert beat_schedule()["plugin-nightly"]["task"] == "plugin_app.tasks.nightly"
    assert "plugin" in {step.name for step in seed_steps()}
