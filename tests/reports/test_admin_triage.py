"""The triage back office: assignment to a colleague (notified, journaled), bulk actions that
notify and journal exactly as the same changes made one by one, search and the queue's map."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from civic.models import Department, OutboxEmail
from reports.models import Category, Photo, Report, ResponseTemplate, Status, Update
from tests.conftest import make_person
from tests.reports.test_admin import change_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(department: Any) -> Any:
    return make_person(
        "colette@example.org",
        name="Colette Voirie",
        staff=True,
        group="department_agent",
        department=department,
        language="en",
    )


@pytest.fixture
def outsider(db: None) -> Any:
    water = Department.objects.create(code="eau", name="Eau")
    return make_person("otto@example.org", staff=True, group="department_agent", department=water)


def emails_to(address: str) -> list[OutboxEmail]:
    return [email for email in OutboxEmail.objects.order_by("pk") if address in email.to]


def test_it_assigns_a_report_to_a_colleague_who_is_told_and_the_timeline_says_so(
    client: Client, resident: Any, triager: Any, colleague: Any, make_report: Any
) -> None:
    report = make_report(resident)
    client.force_login(triager)
    data = change_form_data(client, report, assignee=colleague.pk)
    response = client.post(f"/admin/reports/report/{report.pk}/change/", data)
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.assignee == colleague
    (email,) = emails_to("colette@example.org")
    assert email.subject == f"Report #{report.pk} assigned to you: Nid-de-poule"  # her language
    assert f"/admin/reports/report/{report.pk}/change/" in email.text
    update = report.updates.get(kind=Update.Kind.ASSIGNED)
    assert not update.is_public and update.author == triager
    page = client.get(f"/admin/reports/report/{report.pk}/change/").content.decode()
    assert "Assigned to Colette Voirie." in page or "Attribué à Colette Voirie." in page
    assert "Théo Triage" in page  # who did it, on the timeline
    assert "Colette Voirie" not in client.get(f"/reports/{report.pk}/").content.decode()


def test_it_offers_only_colleagues_of_the_department_in_charge(
    client: Client, resident: Any, triager: Any, colleague: Any, outsider: Any, make_report: Any
) -> None:
    report = make_report(resident)
    client.force_login(triager)
    response = client.get(f"/admin/reports/report/{report.pk}/change/")
    choices = {pk for pk, _label in response.context["adminform"].form.fields["assignee"].choices}
    assert colleague.pk in {getattr(c, "value", c) for c in choices}
    assert outsider.pk not in {getattr(c, "value", c) for c in choices}
    data = change_form_data(client, report, assignee=outsider.pk)
    response = client.post(f"/admin/reports/report/{report.pk}/change/", data)
    assert response.status_code == 200  # the form, with its error
    report.refresh_from_db()
    assert report.assignee is None and emails_to("otto@example.org") == []


def test_it_filters_the_queue_by_assigned_to_me_and_unassigned(
    client: Client, resident: Any, department_agent: Any, colleague: Any, make_report: Any
) -> None:
    mine, hers, nobodys = (make_report(resident) for _ in range(3))
    Report.objects.filter(pk=mine.pk).update(assignee=department_agent)
    Report.objects.filter(pk=hers.pk).update(assignee=colleague)
    client.force_login(department_agent)

    def listed(query: str) -> set[int]:
        page = client.get(f"/admin/reports/report/?{query}")
        return {r.pk for r in page.context["cl"].result_list}

    assert listed("assigned=me") == {mine.pk}
    assert listed("assigned=none") == {nobodys.pk}
    assert listed("") == {mine.pk, hers.pk, nobodys.pk}


def test_it_bulk_answers_with_a_template_as_single_edits_would(
    client: Client, resident: Any, resident2: Any, triager: Any, make_report: Any
) -> None:
    template = ResponseTemplate.objects.create(
        title="Pris en compte",
        text="Nous avons bien reçu votre signalement.",
        status="acknowledged",
    )
    bulk = [make_report(resident), make_report(resident2), make_report(resident)]
    single = [make_report(resident), make_report(resident2), make_report(resident)]
    client.force_login(triager)

    before = OutboxEmail.objects.count()
    for report in single:
        data = change_form_data(client, report, response_template=template.pk)
        assert client.post(f"/admin/reports/report/{report.pk}/change/", data).status_code == 302
    single_emails = OutboxEmail.objects.count() - before

    before = OutboxEmail.objects.count()
    response = client.post(
        "/admin/reports/report/",
        {
            "action": "answer_with_template",
            "response_template": template.pk,
            "_selected_action": [r.pk for r in bulk],
        },
        follow=True,
    )
    assert "3 report(s) answered." in response.content.decode() or "3 signalement" in (
        response.content.decode()
    )
    bulk_emails = OutboxEmail.objects.count() - before

    assert bulk_emails == single_emails == 3  # one to each author, in their language
    for report in [*bulk, *single]:
        report.refresh_from_db()
        assert report.status == Status.ACKNOWLEDGED
        (update,) = report.updates.filter(status_to=Status.ACKNOWLEDGED)
        assert update.text == "Nous avons bien reçu votre signalement." and update.is_public
        assert update.author == triager
    subjects = [email.subject for email in OutboxEmail.objects.order_by("-pk")[:3]]
    assert f"Report #{bulk[1].pk}: Acknowledged" in subjects  # Bob reads English


def test_it_bulk_assigns_and_marks_duplicates_through_the_single_report_services(
    client: Client, resident: Any, triager: Any, colleague: Any, outsider: Any, make_report: Any
) -> None:
    original = make_report(resident)
    reports = [make_report(resident) for _ in range(3)]
    client.force_login(triager)
    client.post(
        "/admin/reports/report/",
        {"action": "assign", "assignee": colleague.pk, "_selected_action": [r.pk for r in reports]},
    )
    assert len(emails_to("colette@example.org")) == 3
    assert Update.objects.filter(kind=Update.Kind.ASSIGNED).count() == 3
    assert set(Report.objects.filter(assignee=colleague)) == set(reports)

    # An outsider cannot be given the department's reports: each is refused, nothing changes.
    response = client.post(
        "/admin/reports/report/",
        {"action": "assign", "assignee": outsider.pk, "_selected_action": [reports[0].pk]},
        follow=True,
    )
    assert f"#{reports[0].pk}:" in response.content.decode()
    assert Report.objects.get(pk=reports[0].pk).assignee == colleague

    client.post(
        "/admin/reports/report/",
        {
            "action": "mark_duplicate",
            "original": original.pk,
            "_selected_action": [r.pk for r in reports[:2]],
        },
    )
    for report in reports[:2]:
        report.refresh_from_db()
        assert report.status == Status.DUPLICATE and report.duplicate_of == original
        assert report.updates.filter(kind=Update.Kind.DUPLICATE).count() == 1


def test_it_finds_reports_by_a_word_of_the_description_the_address_or_the_number(
    client: Client, resident: Any, triager: Any, make_report: Any
) -> None:
    lamp = make_report(resident, description="Lampadaire clignotant devant l'école")
    street = make_report(resident, address="12 rue des Tanneurs")
    other = make_report(resident)
    client.force_login(triager)

    def found(q: str) -> set[int]:
        page = client.get("/admin/reports/report/", {"q": q})
        return {r.pk for r in page.context["cl"].result_list}

    assert found("clignotant") == {lamp.pk}
    assert found("tanneurs") == {street.pk}
    assert found(f"#{other.pk}") == {other.pk}
    assert other.pk in found(str(other.pk))


def test_it_shows_the_filtered_queue_on_a_map_and_as_a_list(
    client: Client, resident: Any, triager: Any, make_report: Any
) -> None:
    lamp = make_report(resident, description="Lampadaire clignotant")
    other = make_report(resident)
    client.force_login(triager)
    listing = client.get("/admin/reports/report/", {"q": "clignotant"}).content.decode()
    assert "/admin/reports/report/map/?q=clignotant" in listing
    page = client.get("/admin/reports/report/map/", {"q": "clignotant"})
    assert page.status_code == 200
    assert [r.pk for r in page.context["reports"]] == [lamp.pk]
    assert [pin["id"] for pin in page.context["pins"]] == [lamp.pk]
    html = page.content.decode()
    assert f'href="/admin/reports/report/{lamp.pk}/change/"' in html  # the list, without JS
    assert f"/admin/reports/report/{other.pk}/change/" not in html
    assert 'id="queue-map-pins"' in html and "/static/reports/queue_map.js" in html
    # A filter that does not exist (an old bookmark): the whole queue, not an error.
    assert client.get("/admin/reports/report/map/", {"nothing": "1"}).status_code == 302


def test_it_previews_blurred_photos_and_keeps_the_original_behind_the_reason_form(
    client: Client, resident: Any, triager: Any, department_agent: Any, make_report: Any
) -> None:
    report = make_report(resident)
    photo = Photo.objects.create(report=report, state=Photo.State.READY)
    photo.image.save("p.jpg", ContentFile(b"blurred"), save=False)
    photo.thumbnail.save("p_thumb.jpg", ContentFile(b"thumb"), save=False)
    photo.original.save("o.jpg", ContentFile(b"original"), save=False)
    photo.save()
    Report.objects.filter(pk=report.pk).update(status=Status.UNCONFIRMED)  # not public yet
    client.force_login(triager)
    page = client.get(f"/admin/reports/report/{report.pk}/change/").content.decode()
    assert f'src="/admin/reports/report/photo/{photo.pk}/thumb/"' in page
    assert f'href="/reports/photos/{photo.pk}/unblurred/"' in page
    served = client.get(f"/admin/reports/report/photo/{photo.pk}/full/")
    assert b"".join(served.streaming_content) == b"blurred"  # type: ignore[attr-defined]
    # Staff of another department do not get it.
    lighting = Department.objects.create(code="eclairage", name="Éclairage")
    Report.objects.filter(pk=report.pk).update(department=lighting)
    client.force_login(department_agent)
    assert client.get(f"/admin/reports/report/photo/{photo.pk}/thumb/").status_code == 403


def test_it_shows_the_answers_to_the_category_questions(
    client: Client, resident: Any, triager: Any, make_report: Any, anonymous_category: Category
) -> None:
    report = make_report(resident, category=anonymous_category)
    Report.objects.filter(pk=report.pk).update(answers={"offensive": "oui"})
    client.force_login(triager)
    page = client.get(f"/admin/reports/report/{report.pk}/change/").content.decode()
    assert "<dt>Injurieux ?</dt><dd>Oui</dd>" in page


def test_it_picks_a_templates_text_in_the_authors_language_when_it_has_one(
    resident: Any, resident2: Any, make_report: Any
) -> None:
    from reports.services import response_text

    template = ResponseTemplate(title="Vu", text="Nous passons demain.")
    french, english = make_report(resident), make_report(resident2)
    assert response_text(template, english) == "Nous passons demain."  # one text: as written
    # With per-language texts (text_fr, text_en: django-modeltranslation's fields), the
    # author's language picks, the text as written when that language's is empty.
    template.text_en = "We come tomorrow."  # type: ignore[attr-defined]
    template.text_fr = ""  # type: ignore[attr-defined]
    assert response_text(template, english) == "We come tomorrow."
    assert response_text(template, french) == "Nous passons demain."
