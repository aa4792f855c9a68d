"""A resident on a phone files a report with a photo, in French, and sees it published."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from reports.models import Category, Photo, Report
from tests.a11y import assert_accessible
from tests.conftest import PASSWORD, PHONE
from tests.reports.conftest import INSIDE, jpeg_with_gps

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "fr-FR", "viewport": PHONE}


def test_it_lets_a_resident_file_a_report_with_a_photo_on_a_phone(
    page: Page,
    live_server: Any,
    resident: Any,
    districts: Any,
    department: Any,
    tasks: Any,
    tmp_path: Any,
) -> None:
    Category.objects.create(
        service_code="nid-de-poule", name="Nid-de-poule", group="Voirie", department=department
    )
    photo = tmp_path / "trou.jpg"
    photo.write_bytes(jpeg_with_gps())
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Courriel").fill(resident.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.goto(live_server.url + "/")
    page.get_by_role("main").get_by_role("link", name="Signaler un problème").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Signaler un problème")
    assert_accessible(page)

    # A first attempt without a description: refused, the photo and position kept.
    page.get_by_role("radio", name="Nid-de-poule").check()
    page.locator(".report-form__coords-details summary").click()  # "Or give the coordinates"
    page.get_by_label("Latitude").fill(str(INSIDE[0]))
    page.get_by_label("Longitude").fill(str(INSIDE[1]))
    # GOV.UK Frontend draws its own "Choisir des fichiers" button over the file input.
    page.locator("input[type=file][name=photos]").set_input_files(str(photo))
    page.get_by_role("button", name="Envoyer le signalement").click()
    expect(page.get_by_role("alert")).to_contain_text("Décrivez le problème")
    expect(page.get_by_label("Latitude")).to_have_value(str(INSIDE[0]))
    expect(page.get_by_text("Photos déjà reçues")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Décrivez-le").fill("Un trou profond devant la boulangerie.")
    page.get_by_role("button", name="Envoyer le signalement").click()
    report = Report.objects.get()
    expect(page.get_by_text(f"Votre numéro de signalement : n° {report.pk}")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=f"Voir le signalement n° {report.pk}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Signalement n° {report.pk} : Nid-de-poule"
    )
    expect(page.get_by_text("Un trou profond devant la boulangerie.")).to_be_visible()
    assert_accessible(page)

    tasks.run()  # the photos worker blurs faces; only then is the photo public
    assert Photo.objects.get().state == Photo.State.READY
    page.reload()
    image = page.get_by_role("img", name="Photo 1 du problème")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.naturalWidth") > 0
    assert_accessible(page)


def test_it_lets_a_triager_answer_in_the_admin_and_the_resident_see_it(
    browser: Any,
    live_server: Any,
    resident: Any,
    triager: Any,
    districts: Any,
    department: Any,
    tasks: Any,
    mailoutbox: Any,
) -> None:
    from civic.actors import Actor, Channel
    from civic.models import Department
    from reports.services import report_submit

    category = Category.objects.create(
        service_code="eclairage", name="Lampadaire éteint", group="Éclairage", department=department
    )
    lighting = Department.objects.create(code="eclairage", name="Éclairage public")
    Category.objects.create(
        service_code="feu", name="Feu tricolore", group="Éclairage", department=lighting
    )
    report = report_submit(
        actor=Actor(channel=Channel.WEB, user=resident),
        category=category,
        description="Le lampadaire devant le n° 4 ne s'allume plus.",
        lat=INSIDE[0],
        lon=INSIDE[1],
    )
    tasks.run()
    mailoutbox.clear()

    staff = browser.new_context(locale="fr-FR", viewport={"width": 1366, "height": 900})
    page = staff.new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Courriel").fill(triager.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.goto(live_server.url + "/admin/reports/report/")
    page.get_by_role("link", name=str(report.pk), exact=True).click()
    page.locator("#id_category").select_option(label="Éclairage · Feu tricolore")
    page.get_by_label("Passer au statut").select_option(label="Pris en compte")
    page.get_by_label("Réponse publique").fill("Une équipe passera cette semaine.")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.locator(".messagelist")).to_be_visible()
    staff.close()
    report.refresh_from_db()
    assert report.department == lighting  # routed to the new category's department

    tasks.run()
    (message,) = [m for m in mailoutbox if m.to == [resident.email]]
    assert "Pris en compte" in message.subject
    assert "Une équipe passera cette semaine." in message.body

    resident_context = browser.new_context(locale="fr-FR", viewport=PHONE)
    page = resident_context.new_page()
    page.goto(live_server.url + report.get_absolute_url())
    expect(page.locator(".report__status")).to_contain_text("Pris en compte")
    expect(page.get_by_text("Une équipe passera cette semaine.")).to_be_visible()
    expect(
        page.get_by_text(
            "Catégorie changée de Lampadaire éteint en Feu tricolore ; transmis à Éclairage public."
        )
    ).to_be_visible()
    assert_accessible(page)
    page.goto(live_server.url + "/reports/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Signalements")
    expect(page.get_by_role("region", name="Carte des signalements ouverts")).to_be_visible()
    assert_accessible(page)
    resident_context.close()


def test_it_names_the_reports_on_the_map_in_the_page_language(
    browser: Any, live_server: Any, resident: Any, districts: Any, department: Any
) -> None:
    from civic.actors import Actor, Channel
    from reports.services import report_submit

    category = Category.objects.create(
        service_code="nid-de-poule", name="Nid-de-poule", name_en="Pothole", department=department
    )
    report = report_submit(
        actor=Actor(channel=Channel.WEB, user=resident),
        category=category,
        description="Un trou",
        lat=INSIDE[0],
        lon=INSIDE[1],
    )
    for locale, name in (("en-GB", "Pothole"), ("fr-FR", "Nid-de-poule")):
        context = browser.new_context(locale=locale, viewport=PHONE)
        page = context.new_page()
        page.goto(live_server.url + "/reports/")
        marker = page.locator(".leaflet-marker-icon").first
        expect(marker).to_have_attribute("alt", f"#{report.pk} {name}")
        context.close()
