"""A mediator in a real chromium: the workspace from the site's navigation, then a report filed
for a resident under their mandate. Checked with axe on each page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from reports.models import Category, Report
from tests.a11y import assert_accessible
from tests.assist.test_it_browser import _sign_in
from tests.reports.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "en-GB"}


def test_it_a_mediator_reaches_the_workspace_and_files_a_report_for_a_resident(
    page: Page,
    live_server: Any,
    mediator: Any,
    resident: Any,
    make_mandate: Any,
    districts: Any,
    department: Any,
) -> None:
    mediator.language = "en"
    mediator.save()
    Category.objects.create(
        service_code="eclairage", name="Lampadaire éteint", name_en="Street light out",
        group="Éclairage", department=department,
    )  # fmt: skip
    mandate = make_mandate(resident, scopes=("reports",))
    _sign_in(page, live_server.url, mediator.email, "/")

    page.get_by_role("navigation", name="Main menu").get_by_role(
        "link", name="Mediator workspace"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mediation")
    assert_accessible(page)
    page.get_by_role("link", name=resident.display_name).click()
    assert_accessible(page)
    page.get_by_role("link", name="Report a problem for them").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(resident.display_name)
    assert_accessible(page)
    page.get_by_role("button", name="File the report").click()  # empty: errors, 400
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("radio", name="Street light out").check()
    page.get_by_label("Describe it").fill("The light in front of number 3 is out.")
    page.get_by_label("Latitude").fill(str(INSIDE[0]))
    page.get_by_label("Longitude").fill(str(INSIDE[1]))
    page.get_by_role("button", name="File the report").click()

    report = Report.objects.get()
    expect(page.get_by_role("status")).to_contain_text(f"Report no. {report.pk} is filed")
    expect(page.locator("#reports")).to_contain_text("Street light out")
    assert_accessible(page)
    assert (report.reporter, report.channel) == (resident, "mediator")
    assert mandate.pk == int(page.url.split("/mandates/")[1].split("/")[0])
