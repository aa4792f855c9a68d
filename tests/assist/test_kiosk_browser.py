"""A kiosk terminal in a real chromium, portrait (1080 by 1920) and landscape (1920 by 1080), with a
camera (Chromium's fake one): its own layout, the tiles, filing a report without email and with a
photo, the receipt (its QR code decodes to the report's public address, its print layout fits an
80 mm roll), every target large enough, and the idle wipe. Checked with axe on each page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import cv2
import numpy as np
import pytest
from django.test import Client
from playwright.sync_api import Browser, BrowserType, Page, expect

from assist.kiosk import COOKIE_NAME
from assist.models import KioskTerminal
from reports.models import Category, Report
from tests.a11y import assert_accessible
from tests.conftest import make_person
from tests.reports.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1920, "height": 1080}
MM = 96 / 25.4  # CSS pixels in a millimetre

# Every visible target smaller than ``minimum`` CSS pixels, but links inside a sentence (WCAG
# 2.5.8's inline exception) and the skip link (shown on focus only).
SMALL_TARGETS = """minimum => {
  const out = [];
  const targets = "a[href], button, input:not([type=hidden]), select, textarea, summary";
  for (const el of document.querySelectorAll(targets)) {
    if (!el.checkVisibility() || el.classList.contains("govuk-skip-link")) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const holder = el.closest("p, dd, td");
    const inline = holder && holder.textContent.trim() !== el.textContent.trim();
    if (el.tagName === "A" && inline) continue;
    if (box.height < minimum || box.width < minimum) {
      out.push(`${el.outerHTML.slice(0, 100)} ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return out;
}"""


@pytest.fixture(scope="module")
def camera_browser(
    browser_type: BrowserType, browser_type_launch_args: dict[str, Any]
) -> Iterator[Browser]:
    """A chromium with a (fake) camera that needs no permission prompt."""
    args = [
        *browser_type_launch_args.get("args", []),
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
    ]
    browser = browser_type.launch(**{**browser_type_launch_args, "args": args})
    yield browser
    browser.close()


@pytest.fixture
def kiosk_page(
    camera_browser: Browser, live_server: Any, settings: Any, request: pytest.FixtureRequest
) -> Iterator[Page]:
    settings.CIVIC_SITE_URL = live_server.url
    terminal = KioskTerminal.objects.create(name="Town hall kiosk", location="Hall")
    staff = make_person("sup@example.org", staff=True, group="mediator_supervisor")
    activation = Client()
    activation.force_login(staff)
    activation.post(f"/kiosk/activate/{terminal.pk}/")
    context = camera_browser.new_context(
        locale="en-GB", viewport=request.param, permissions=["camera"]
    )
    context.add_cookies(
        [
            {
                "name": COOKIE_NAME,
                "value": activation.cookies[COOKIE_NAME].value,
                "url": live_server.url,
                "httpOnly": True,
            }
        ]
    )
    page = context.new_page()
    yield page
    context.close()


def assert_targets(page: Page, minimum: int = 44) -> None:
    small = page.evaluate(SMALL_TARGETS, minimum)
    assert small == [], "\n".join(small)


def qr_text(page: Page, selector: str) -> str:
    image = cv2.imdecode(
        np.frombuffer(page.locator(selector).screenshot(), dtype=np.uint8), cv2.IMREAD_COLOR
    )
    image = cv2.copyMakeBorder(image, 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=(255, 255, 255))
    text, _points, _raw = cv2.QRCodeDetector().detectAndDecode(image)
    return text


@pytest.mark.parametrize(
    "kiosk_page", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"], indirect=True
)
def test_it_files_a_report_at_a_kiosk_with_the_camera_and_takes_the_receipt(
    kiosk_page: Page, live_server: Any, districts: Any, department: Any, settings: Any
) -> None:
    settings.CIVIC_KIOSK_IDLE_SECONDS = 40  # the page warns after 10 s without input, clears at 20
    page = kiosk_page
    base = live_server.url
    Category.objects.create(
        service_code="eclairage", name="Lampadaire éteint", name_en="Street light out",
        group="Éclairage", department=department,
    )  # fmt: skip

    # The terminal's home: its own layout, pictogram tiles, nothing that leaves the kiosk.
    page.goto(base + "/")
    expect(page).to_have_url(base + "/kiosk/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome")
    expect(page.get_by_role("navigation", name="Main menu")).to_be_hidden()
    expect(page.get_by_role("link", name="Create an account")).to_be_hidden()
    assert page.locator('a[href^="mailto:"]:visible, a[href^="http"]:visible').count() == 0
    finish = page.locator("#kiosk-bar").get_by_role("button", name="Finish and clear")
    expect(finish).to_be_visible()
    expect(page.get_by_role("button", name="Français")).to_be_visible()
    tiles = page.locator(".kiosk-tiles a")
    assert tiles.count() >= 4
    for tile in tiles.all():
        assert tile.bounding_box()["height"] >= 64  # type: ignore[index]
        assert tile.locator("img").get_attribute("src").endswith(".svg")  # type: ignore[union-attr]
    assert_targets(page)
    assert_accessible(page)

    # The report form: no email, the camera instead of a file chooser.
    page.get_by_role("link", name="Report a problem in the street").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report a problem")
    expect(page.get_by_label("Your email")).to_have_count(0)
    expect(page.locator("input[type=file]")).to_be_hidden()
    page.get_by_role("radio", name="Street light out").check()
    page.locator(".report-form__coords-details summary").click()  # "Or give the coordinates"
    page.get_by_label("Latitude").fill(str(INSIDE[0]))
    page.get_by_label("Longitude").fill(str(INSIDE[1]))
    page.get_by_label("Describe it").fill("The street light at the corner is out.")
    page.get_by_role("button", name="Turn on the camera").click()
    page.get_by_role("button", name="Take the photo").click()
    expect(page.locator(".kiosk-camera [role=status]")).to_have_text(
        "The photo is added to your report."
    )
    expect(page.get_by_role("img", name="The photo taken")).to_be_visible()
    assert page.locator("input[type=file]").evaluate("input => input.files.length") == 1
    assert_targets(page)
    assert_accessible(page)
    page.get_by_role("button", name="Send the report").click()

    # The receipt, above the report's public page.
    report = Report.objects.get()
    public = f"{base}/reports/{report.pk}/"
    expect(page).to_have_url(public)
    receipt = page.get_by_role("complementary", name=f"Your report no. {report.pk} is filed")
    expect(receipt).to_be_visible()
    assert (report.channel, report.contact_email, report.photos.count()) == ("kiosk", "", 1)
    assert qr_text(page, "#kiosk-receipt svg.qr") == public
    expect(receipt).to_contain_text(public.split("://", 1)[1])
    expect(receipt.get_by_role("button", name="Print the receipt")).to_be_visible()
    assert_targets(page)
    assert_accessible(page)

    # Printed: the receipt alone, on the width of an 80 mm roll.
    page.emulate_media(media="print")
    box = page.locator("#kiosk-receipt").bounding_box()
    assert box is not None and box["width"] <= 80 * MM
    expect(page.locator("main")).to_be_hidden()
    expect(page.locator("#kiosk-bar")).to_be_hidden()
    assert qr_text(page, "#kiosk-receipt svg.qr") == public
    page.emulate_media(media="screen")

    # Left alone, the terminal warns, then clears the screen: the receipt is gone.
    expect(page.get_by_role("dialog", name="Are you still there?")).to_be_visible(timeout=15_000)
    assert_accessible(page)
    expect(page).to_have_url(re.compile(r"/kiosk/\?cleared=1$"), timeout=15_000)
    page.goto(public)
    expect(page.locator("#kiosk-receipt")).to_have_count(0)
