"""The sensor pages in a real chromium: accessible at phone and desktop sizes."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from sensors.rollups import aggregates_refresh
from tests.a11y import assert_accessible
from tests.conftest import DESKTOP, PHONE
from tests.sensors.test_rollups import add

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])


@pytest.fixture
def measured(airrohr_device: Any) -> Any:
    from django.utils import timezone

    hour = timezone.now().astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    add(airrohr_device.sensor, "pm25", [(hour - timedelta(hours=h), 8.0) for h in range(24)])
    aggregates_refresh()
    return airrohr_device


@SIZES
def test_it_shows_the_sensor_map_accessibly(
    page: Page, live_server: Any, viewport: ViewportSize, measured: Any
) -> None:
    page.set_viewport_size(viewport)
    page.goto(live_server.url + "/sensors/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator(".leaflet-interactive")).to_have_count(1)
    assert_accessible(page)


@SIZES
def test_it_shows_a_district_page_accessibly(
    page: Page, live_server: Any, viewport: ViewportSize, measured: Any
) -> None:
    page.set_viewport_size(viewport)
    page.goto(live_server.url + "/sensors/districts/vieux-port/")
    expect(page.locator("figure svg")).to_have_count(3)
    assert_accessible(page)
