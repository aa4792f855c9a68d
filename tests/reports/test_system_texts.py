"""What the system writes on a report (a new category, a duplicate, the author's "fixed" answer,
a withdrawal) is shown in each reader's language, not in the language of whoever acted."""

from __future__ import annotations

import importlib
import io
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.utils import translation

from civic.actors import Actor, Channel
from civic.models import Department
from civic.photos import photo_clean
from consent.models import AccessLog
from reports.models import Category, Status, Update
from reports.personal_data import export_reports
from reports.services import (
    fixed_question_answer,
    photo_store_draft,
    report_mark_duplicate,
    report_recategorise,
    report_withdraw,
)
from tests.reports.conftest import jpeg_with_gps

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def pothole(category: Category) -> Category:
    category.name_en = "Pothole"
    category.save()
    return category


@pytest.fixture
def staff(triager: Any) -> Actor:
    return Actor(channel=Channel.STAFF, user=triager)  # a French-speaking triager


def test_it_shows_a_new_category_in_the_readers_language(
    client: Client,
    resident: Any,
    pothole: Category,
    make_report: Any,
    staff: Actor,
    tasks: Any,
    mailoutbox: Any,
    run_on_commit: Any,
) -> None:
    report = make_report(resident, category=pothole)
    lighting = Department.objects.create(
        code="eclairage", name="Éclairage", email="eclairage@example.org"
    )
    lamp = Category.objects.create(
        service_code="lampe", name="Lampadaire", name_en="Street light", department=lighting
    )
    with run_on_commit():
        report_recategorise(actor=staff, report=report, category=lamp)

    english = client.get(f"/reports/{report.pk}/", **EN).content.decode()
    assert "Category changed from Pothole to Street light; sent to Éclairage." in english
    french = client.get(f"/reports/{report.pk}/").content.decode()
    assert "Catégorie changée de Nid-de-poule en Lampadaire ; transmis à Éclairage." in french
    feed = client.get(f"/reports/{report.pk}/feed.atom", **EN).content.decode()
    assert "Category changed from Pothole to Street light" in feed
    # Shown, not emailed: only the new department hears of it.
    tasks.run()
    assert [message.to for message in mailoutbox] == [["eclairage@example.org"]]


def test_it_tells_of_a_duplicate_in_each_readers_language(
    client: Client,
    resident: Any,
    resident2: Any,
    make_report: Any,
    staff: Actor,
    tasks: Any,
    mailoutbox: Any,
    run_on_commit: Any,
) -> None:
    original = make_report(resident)
    duplicate = make_report(resident2)  # Bob reads English
    tasks.run()
    mailoutbox.clear()
    with run_on_commit():
        report_mark_duplicate(actor=staff, report=duplicate, original=original)
    tasks.run()
    (message,) = [m for m in mailoutbox if m.to == [resident2.email]]
    assert f"Already reported as #{original.pk}: follow that report instead." in message.body
    english = client.get(f"/reports/{duplicate.pk}/", **EN).content.decode()
    assert f"Already reported as #{original.pk}: follow that report instead." in english
    french = client.get(f"/reports/{duplicate.pk}/").content.decode()
    assert f"Déjà signalé sous le n° {original.pk} : suivez plutôt ce signalement." in french
    (request,) = client.get(f"/open311/v2/requests/{duplicate.pk}.json?lang=en").json()
    assert request["status_notes"].startswith("Already reported as #")
    (request,) = client.get(f"/open311/v2/requests/{duplicate.pk}.json").json()
    assert request["status_notes"].startswith("Déjà signalé")


def test_it_shows_the_authors_answer_in_the_readers_language(
    client: Client, resident: Any, make_report: Any
) -> None:
    report = make_report(resident)
    with translation.override("fr"):  # the author answers on a French page
        fixed_question_answer(
            actor=Actor(channel=Channel.WEB, user=resident), report=report, fixed=True
        )
    update = report.updates.get(status_to=Status.FIXED)
    assert update.kind == Update.Kind.FIXED_BY_AUTHOR
    assert update.text == "Résolu, d'après l'auteur."  # the city's language, for raw readers
    assert "Fixed, says the author." in client.get(f"/reports/{report.pk}/", **EN).content.decode()


def test_it_names_a_withdrawn_report_and_its_reason_in_the_staff_members_language(
    client: Client, resident: Any, triager: Any, make_report: Any, pothole: Category
) -> None:
    report = make_report(resident, category=pothole)
    report_withdraw(actor=Actor(channel=Channel.WEB, user=resident), report=report)
    report.refresh_from_db()
    assert report.hidden_reason == "withdrawn by author"  # a stable key, as the issue words it
    with translation.override("en"):
        assert str(report) == f"#{report.pk} Pothole"
        assert report.hidden_reason_display == "withdrawn by author"
    with translation.override("fr"):
        assert str(report) == f"#{report.pk} Nid-de-poule"
        assert report.hidden_reason_display == "retiré par son auteur"
    client.force_login(triager)
    page = client.get(f"/admin/reports/report/{report.pk}/change/").content.decode()
    assert page.count("retiré par son auteur") == 2  # the reason, and the timeline entry
    triager.language = "en"
    triager.save()
    page = client.get(f"/admin/reports/report/{report.pk}/change/").content.decode()
    assert page.count("withdrawn by author") >= 2 and "retiré par son auteur" not in page


def test_it_keeps_older_updates_as_written_and_converts_the_known_system_texts(
    resident: Any, make_report: Any, pothole: Category
) -> None:
    report = make_report(resident, category=pothole)
    written = Update.objects.create(report=report, text="Une équipe passe demain.")
    frozen_fr = Update.objects.create(
        report=report,
        text="Catégorie changée de Nid-de-poule en Banc ; transmis à Voirie.",
    )
    frozen_en = Update.objects.create(
        report=report, text="Already reported as #12: follow that report instead."
    )
    reopened = Update.objects.create(
        report=report, text="Rouvert : d'après l'auteur, le problème est toujours là."
    )
    migration = importlib.import_module("reports.migrations.0007_update_kind")
    migration.forwards(apps, None)

    for update in (written, frozen_fr, frozen_en, reopened):
        update.refresh_from_db()
    assert written.kind == "" and written.params == {}
    with translation.override("en"):
        assert written.display_text == "Une équipe passe demain."
        assert frozen_fr.display_text == "Category changed from Pothole to Banc; sent to Voirie."
        assert frozen_en.display_text == "Already reported as #12: follow that report instead."
        assert reopened.display_text == "Reopened: the author says the problem is still there."
    with translation.override("fr"):
        assert (
            frozen_en.display_text == "Déjà signalé sous le n° 12 : suivez plutôt ce signalement."
        )


def test_it_exports_a_persons_reports_in_their_language(
    resident: Any, make_report: Any, pothole: Category
) -> None:
    make_report(resident, category=pothole)
    with translation.override("en"):
        (row,) = export_reports(resident)["reports"]
        assert (row["category"], row["status"]) == ("Pothole", "Open")
    with translation.override("fr"):
        (row,) = export_reports(resident)["reports"]
        assert (row["category"], row["status"]) == ("Nid-de-poule", "Ouvert")


def test_it_asks_for_the_reason_to_open_an_unblurred_photo_in_the_staff_members_language(
    client: Client, resident: Any, triager: Any, make_report: Any
) -> None:
    draft = photo_store_draft(clean=photo_clean(io.BytesIO(jpeg_with_gps())), draft="d" * 32)
    make_report(resident, photos=[draft])
    url = f"/reports/photos/{draft.pk}/unblurred/"
    triager.language = "en"
    triager.save()
    client.force_login(triager)
    assert "unblurred photo of a report" in client.get(url).content.decode()
    triager.language = "fr"
    triager.save()
    assert "photo non floutée d&#x27;un signalement" in client.get(url).content.decode()
    client.post(url, {"consent_access_reason": "Vérifier la plaque"})
    (entry,) = AccessLog.objects.filter(reason__text="Vérifier la plaque")
    assert entry.what == "photo non floutée d'un signalement"  # stored in the city's language
