"""Filing a report on a phone, as a resident would: the address found by typing it, the
category's question revealed once chosen, a photo previewed, then the confirmation with the
report's number; in French and in English, at 390 and 320 px, and the same without JavaScript."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, ViewportSize, expect

from civic.addresses import addresses_import, ban_csv
from reports.models import Category, Report
from tests.a11y import assert_accessible
from tests.conftest import PHONE
from tests.reports.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW: ViewportSize = {"width": 320, "height": 720}
PAIX_12 = (INSIDE[0] + 0.0002, INSIDE[1] + 0.0003)

WORDS = {
    "fr": {
        "category": "Nid-de-poule",
        "question": "Profondeur ?",
        "answer": "Très profond",
        "address": "Adresse",
        "description": "Décrivez-le",
        "send": "Envoyer le signalement",
        "find": "Chercher cette adresse",
        "near": "À proximité : 12 rue de la Paix, 37000 Civic-sur-Loire",
        "preview": "Aperçu de rue.jpg",
        "sent": "Signalement envoyé",
        "number": "n° {}",
    },
    "en": {
        "category": "Pothole",
        "question": "How deep?",
        "answer": "Very deep",
        "address": "Address",
        "description": "Describe it",
        "send": "Send the report",
        "find": "Find this address",
        "near": "Near 12 rue de la Paix, 37000 Civic-sur-Loire",
        "preview": "Preview of rue.jpg",
        "sent": "Report sent",
        "number": "#{}",
    },
}


@pytest.fixture
def city(districts: Any, department: Any) -> Category:
    rows = [
        {
            "id": ban_id,
            "numero": number,
            "nom_voie": street,
            "code_postal": "37000",
            "code_insee": "37261",
            "nom_commune": "Civic-sur-Loire",
            "lat": f"{lat:.6f}",
            "lon": f"{lon:.6f}",
        }
        for ban_id, number, street, lat, lon in [
            ("37261_0100_00012", "12", "Rue de la Paix", *PAIX_12),
            ("37261_0100_00014", "14", "Rue de la Paix", PAIX_12[0] + 0.001, PAIX_12[1]),
        ]
    ]
    addresses_import(lines=ban_csv(rows))
    Category.objects.create(
        service_code="tag", name="Tag ou graffiti", name_en="Tag or graffiti",
        group="Propreté", group_en="Cleanliness", department=department, anonymous_allowed=True,
    )  # fmt: skip
    return Category.objects.create(
        service_code="nid-de-poule",
        name="Nid-de-poule",
        name_en="Pothole",
        group="Voirie",
        group_en="Roads",
        department=department,
        anonymous_allowed=True,
        questions=[
            {
                "code": "depth",
                "label": "Profondeur ?",
                "label_en": "How deep?",
                "required": True,
                "datatype": "singlevaluelist",
                "values": [
                    {"key": "small", "name": "Peu profond", "name_en": "Shallow"},
                    {"key": "big", "name": "Très profond", "name_en": "Very deep"},
                ],
            }
        ],
    )


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 90), (40, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize(("language", "viewport"), [("fr", PHONE), ("en", NARROW)])
def test_it_files_a_report_from_an_address_search_with_a_question_and_a_photo(
    browser: Browser, live_server: Any, city: Category, language: str, viewport: ViewportSize
) -> None:
    words = WORDS[language]
    context = browser.new_context(locale=f"{language}-FR", viewport=viewport)
    page = context.new_page()
    page.goto(live_server.url + "/reports/new/")
    question = page.get_by_label(words["question"])
    expect(question).to_be_hidden()
    page.get_by_text(words["category"], exact=True).click()
    expect(question).to_be_visible()  # revealed as soon as the category is chosen
    question.select_option(label=words["answer"])

    page.get_by_label(words["address"]).fill("12 rue de la pa")
    page.get_by_role("option", name="12 rue de la Paix, 37000 Civic-sur-Loire").click()
    expect(page.get_by_label("Latitude")).to_have_value(f"{PAIX_12[0]:.6f}")
    expect(page.locator("#report-near")).to_have_text(words["near"])
    expect(page.get_by_role("button", name=words["find"])).to_be_hidden()

    page.get_by_label(words["description"]).fill("Un trou profond devant le 12")
    page.locator("input[type=file][name=photos]").set_input_files(
        [{"name": "rue.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}]
    )
    preview = page.get_by_role("img", name=words["preview"])
    expect(preview).to_be_visible()
    assert preview.evaluate("img => img.src.startsWith('blob:') && img.naturalWidth === 120")
    no_sideways_scroll(page)
    assert_accessible(page)

    page.get_by_role("button", name=words["send"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["sent"])
    report = Report.objects.get()
    assert report.answers == {"depth": "big"}
    assert (report.lat, report.lon) == pytest.approx(PAIX_12)
    assert report.photos.count() == 1
    expect(page.locator(".govuk-panel__body")).to_contain_text(words["number"].format(report.pk))
    expect(page.locator(f"a[href='/reports/{report.pk}/']")).to_be_visible()
    no_sideways_scroll(page)
    assert_accessible(page)
    context.close()


def test_it_files_the_same_report_without_javascript_in_steps(
    browser: Browser, live_server: Any, city: Category
) -> None:
    words = WORDS["fr"]
    context = browser.new_context(locale="fr-FR", viewport=NARROW, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/reports/new/")
    expect(page.get_by_label(words["question"])).to_be_hidden()
    page.get_by_text(words["category"], exact=True).click()
    page.get_by_label(words["description"]).fill("Un trou profond devant le 12")
    page.get_by_label(words["address"]).fill("12 rue de la pa")
    page.get_by_role("button", name=words["find"]).click()  # the results step
    expect(page.locator(".govuk-error-summary")).to_have_count(0)

    page.get_by_label("12 rue de la Paix, 37000 Civic-sur-Loire").check()
    # The category was sent with the search: its question is asked on this step too.
    question = page.get_by_label(words["question"])
    expect(question).to_be_visible()
    question.select_option(label=words["answer"])
    page.get_by_role("button", name=words["send"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["sent"])
    report = Report.objects.get()
    assert report.answers == {"depth": "big"}
    assert (report.lat, report.lon) == pytest.approx(PAIX_12)
    assert report.description == "Un trou profond devant le 12"
    no_sideways_scroll(page)
    context.close()


def test_it_asks_the_category_s_question_on_a_second_step_without_javascript(
    browser: Browser, live_server: Any, city: Category
) -> None:
    words = WORDS["en"]
    context = browser.new_context(locale="en-GB", viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/reports/new/")
    page.get_by_text(words["category"], exact=True).click()
    page.get_by_label(words["description"]).fill("A deep hole")
    page.get_by_label(words["address"]).fill("12 rue de la Paix")  # placed by the gazetteer
    page.get_by_role("button", name=words["send"]).click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("A few questions")
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    page.get_by_label(words["question"]).select_option(label=words["answer"])
    page.get_by_role("button", name=words["send"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["sent"])
    report = Report.objects.get()
    assert (report.lat, report.lon) == pytest.approx(PAIX_12)
    assert report.answers == {"depth": "big"}
    context.close()
