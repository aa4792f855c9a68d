"""A triage agent's morning in the back office: sign in, find a report by a word of its
description, see its map (tiles asked of this app) and its blurred photo, assign it to a
colleague, then acknowledge three reports at once with a response template."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.base import ContentFile
from PIL import Image
from playwright.sync_api import Page, expect

from reports.models import Photo, Report, ResponseTemplate, Status
from tests.a11y import assert_accessible
from tests.conftest import PASSWORD, make_person
from tests.reports.test_maps_browser import basemap_drawn

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "fr-FR"}


def jpeg(color: tuple[int, int, int]) -> ContentFile[bytes]:
    out = io.BytesIO()
    Image.new("RGB", (80, 60), color).save(out, format="JPEG")
    return ContentFile(out.getvalue())


def test_it_lets_a_triage_agent_find_assign_and_bulk_acknowledge_reports(
    page: Page, live_server: Any, resident: Any, triager: Any, department: Any, make_report: Any
) -> None:
    colleague = make_person(
        "colette@example.org",
        name="Colette Voirie",
        staff=True,
        group="department_agent",
        department=department,
    )
    lamp = make_report(resident, description="Lampadaire clignotant devant l'école")
    photo = Photo.objects.create(report=lamp, state=Photo.State.READY)
    photo.image.save("lamp.jpg", jpeg((200, 180, 40)), save=False)
    photo.thumbnail.save("lamp_thumb.jpg", jpeg((200, 180, 40)), save=False)
    photo.save()
    others = [make_report(resident) for _ in range(3)]
    ResponseTemplate.objects.create(
        title="Bien reçu",
        text="Nous avons bien reçu votre signalement.",
        status=Status.ACKNOWLEDGED,
    )
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Courriel").fill(triager.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.goto(live_server.url + "/admin/reports/report/")
    assert_accessible(page)

    page.locator("#searchbar").fill("clignotant")
    page.locator("#searchbar").press("Enter")
    page.get_by_role("link", name=str(lamp.pk), exact=True).click()

    expect(page.locator("#report-map")).to_be_visible()
    basemap_drawn(page)
    preview = page.get_by_role(
        "img", name=f"Photo {photo.pk} du signalement n° {lamp.pk} (floutée)"
    )
    expect(preview).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=preview.element_handle()
    )
    assert all(url.startswith(live_server.url) for url in asked), asked
    assert_accessible(page)

    page.get_by_label("attribué à").select_option(label="Colette Voirie")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.locator(".messagelist")).to_be_visible()
    lamp.refresh_from_db()
    assert lamp.assignee == colleague

    page.goto(live_server.url + "/admin/reports/report/")
    for report in others:
        page.locator(f"input[name='_selected_action'][value='{report.pk}']").check()
    page.locator("select[name=action]").select_option(value="answer_with_template")
    page.locator("select[name=response_template]").select_option(label="Bien reçu")
    page.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_text("3 signalement(s) ayant reçu une réponse.")).to_be_visible()
    assert_accessible(page)
    assert {r.status for r in Report.objects.filter(pk__in=[r.pk for r in others])} == {
        Status.ACKNOWLEDGED
    }
    assert Report.objects.get(pk=lamp.pk).status == Status.OPEN


def test_it_shows_the_filtered_queue_as_pins_on_the_basemap(
    page: Page, live_server: Any, resident: Any, triager: Any, make_report: Any
) -> None:
    lamp = make_report(resident, description="Lampadaire clignotant")
    make_report(resident, description="Trou profond")
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Courriel").fill(triager.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.goto(live_server.url + "/admin/reports/report/?q=clignotant")
    page.get_by_role("link", name="Carte de cette file").click()
    expect(page.locator("#queue-map")).to_be_visible()
    basemap_drawn(page)
    expect(page.locator("#queue-map .leaflet-marker-icon")).to_have_count(1)
    expect(page.get_by_role("link", name=f"#{lamp.pk} Nid-de-poule")).to_be_visible()
    assert_accessible(page)
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.documentElement.scrollWidth <= 320")
