"""A resident's whole journey through "My data" in a real chromium, checked with axe."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from civic.models import User
from consent.models import ConsentEvent
from consent.services import consent_give
from tests.a11y import assert_accessible
from tests.conftest import PASSWORD
from tests.consent.conftest import web

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "fr-FR", "accept_downloads": True}


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Courriel").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    # Signed in (on a phone the button sits behind the menu button).
    expect(page.get_by_role("button", name="Se déconnecter", include_hidden=True)).to_be_attached()


def _public_report(resident: Any, department: Any) -> Any:
    """A report of the resident's, published under their name (the reports app's services)."""
    from reports.models import Category
    from reports.services import report_confirm, report_submit

    category = Category.objects.create(
        service_code="nid-de-poule", name="Nid-de-poule", group="Voirie", department=department
    )
    report = report_submit(
        actor=web(resident),
        category=category,
        description="Un trou profond devant l'école",
        lat=47.375,
        lon=0.66,
        show_name=True,
    )
    return report_confirm(actor=web(resident), report=report)


def test_it_a_resident_sees_controls_exports_and_deletes_their_data(
    page: Page,
    live_server: Any,
    resident: Any,
    dpo: Any,
    consent_purpose: Any,
    public_task_purpose: Any,
    tasks: Any,
    mailoutbox: Any,
    tmp_path: Path,
    districts: list[Any],
    department: Any,
) -> None:
    base = live_server.url
    consent_give(actor=web(resident), purpose=consent_purpose)
    report = _public_report(resident, department)
    tasks.run()  # what submitting queued (emails to the department...)
    # A data protection officer opens the resident's account in the staff site.
    staff = Client()
    staff.force_login(dpo)
    assert staff.get(f"/admin/civic/user/{resident.pk}/change/").status_code == 200

    _sign_in(page, base, resident.email)
    page.get_by_role("link", name="Mes données").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes données")
    page.locator("#held details").first.locator("summary").click()
    expect(page.locator("#held")).to_contain_text(resident.email)
    expect(page.locator("#held")).to_contain_text("Vos consentements")
    expect(page.locator("#held")).to_contain_text("Un trou profond devant l'école")
    page.goto(base + report.get_absolute_url())
    expect(page.locator("main")).to_contain_text(resident.display_name)
    page.goto(base + "/my-data/")
    accesses = page.locator("#accesses table")
    expect(accesses).to_contain_text("Délégué à la protection des données")
    expect(accesses).not_to_contain_text("Dana")
    assert_accessible(page)

    # One click to withdraw, one to object.
    page.get_by_role("button", name="Retirer mon consentement : Alertes de quartier").click()
    expect(page.get_by_role("status")).to_contain_text("Votre choix est enregistré")
    expect(
        page.get_by_role("button", name="Donner mon consentement : Alertes de quartier")
    ).to_be_visible()
    page.get_by_role("button", name="M\u2019opposer : Traitement des signalements").click()
    kinds = list(ConsentEvent.objects.order_by("seq").values_list("kind", flat=True))
    assert kinds == ["given", "withdrawn", "objected"]

    # The receipt of the withdrawal, printable, and as JSON.
    page.get_by_role("link", name="Reçu n° 2").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reçu de consentement n° 2")
    assert_accessible(page)
    receipt = json.loads(page.request.get(base + "/my-data/receipts/2.json").text())
    assert receipt["event"]["kind"] == "withdrawn"

    # Export: the worker builds the zip, the resident is emailed, downloads it signed in.
    page.goto(base + "/my-data/")
    page.get_by_role("button", name="Préparer l\u2019export de mes données").click()
    expect(page.get_by_role("status")).to_contain_text("Votre export est en préparation")
    assert tasks.run() >= 2  # the export, then its email
    assert "export" in mailoutbox[-1].subject.lower()
    page.goto(base + "/my-data/")  # a full load: the link appears once the archive is ready
    with page.expect_download() as download_info:
        page.locator("#export").get_by_role("link", name="Télécharger").click()
    target = tmp_path / "export.zip"
    download_info.value.save_as(target)
    with zipfile.ZipFile(io.BytesIO(target.read_bytes())) as zipped:
        document = json.loads(zipped.read("data.json"))
    assert document["data"]["civic"]["account"]["email"] == resident.email
    assert [c["kind"] for c in document["data"]["consent"]["consents"]] == kinds
    assert document["data"]["consent"]["accesses"][0]["role"] == "data_protection_officer"

    # Public transparency pages.
    for path, heading in [
        ("/privacy/register/", "Registre des activités de traitement"),
        ("/privacy/algorithms/", "Registre des algorithmes"),
        ("/privacy/ledger/", "Registre des consentements : empreintes publiées"),
    ]:
        page.goto(base + path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(page)

    # Deletion, confirmed, with a receipt.
    page.goto(base + "/my-data/delete/")
    assert_accessible(page)
    page.get_by_label("Votre mot de passe").fill(PASSWORD)
    page.get_by_label("Je comprends que mon compte sera supprimé").check()
    page.get_by_role("button", name="Supprimer définitivement mon compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre compte est supprimé")
    expect(page.locator("main")).to_contain_text("preuve qu\u2019un consentement")
    assert_accessible(page)
    assert not User.objects.filter(pk=resident.pk).exists()
    assert ConsentEvent.objects.count() == 3  # the ledger stays, unlinked
    # The public report stays, without the name.
    page.goto(base + report.get_absolute_url())
    expect(page.locator("main")).to_contain_text("Un trou profond devant l'école")
    expect(page.locator("main")).not_to_contain_text(resident.display_name)
