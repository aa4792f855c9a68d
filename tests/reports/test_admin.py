"""Staff triage in the admin: answers through services, emails in each recipient's language,
department agents see their department only, the queue's query count is fixed."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civic.models import Department
from consent.models import AccessLog
from reports.models import (
    Category,
    Photo,
    Priority,
    Report,
    ResponseTemplate,
    Status,
    Subscription,
)

pytestmark = pytest.mark.django_db


def change_form_data(client: Client, report: Report, **changes: Any) -> dict[str, Any]:
    """What the change page's form would post, with ``changes`` applied."""
    response = client.get(f"/admin/reports/report/{report.pk}/change/")
    assert response.status_code == 200
    form = response.context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        data[name] = value.pk if hasattr(value, "pk") else value
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management.initial.get(name, 0)
        for inline_form in formset.formset.forms:
            data[f"{inline_form.prefix}-id"] = inline_form.instance.pk
            data[f"{inline_form.prefix}-report"] = report.pk
    data.update(changes)
    return data


def test_it_answers_with_a_template_and_emails_author_and_follower_in_their_language(
    client: Client,
    resident: Any,
    resident2: Any,
    triager: Any,
    make_report: Any,
    tasks: Any,
    mailoutbox: Any,
    run_on_commit: Any,
) -> None:
    report = make_report(resident)
    Subscription.objects.create(report=report, user=resident2)
    template = ResponseTemplate.objects.create(
        title="Planifié", text="Intervention prévue la semaine prochaine.", status=Status.PLANNED
    )
    tasks.sent.clear()
    client.force_login(triager)
    data = change_form_data(client, report, response_template=template.pk)
    with run_on_commit():
        response = client.post(f"/admin/reports/report/{report.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    report.refresh_from_db()
    assert report.status == Status.PLANNED
    update = report.updates.get(status_to=Status.PLANNED)
    assert update.text == "Intervention prévue la semaine prochaine."
    assert update.author == triager
    tasks.run()
    by_recipient = {message.to[0]: message for message in mailoutbox}
    assert by_recipient["alice@example.org"].subject == f"Signalement n° {report.pk} : Programmé"
    assert by_recipient["bob@example.org"].subject == f"Report #{report.pk}: Planned"
    assert "Intervention prévue" in by_recipient["bob@example.org"].body
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert "Intervention prévue la semaine prochaine." in page


def test_it_reroutes_on_a_new_category_and_keeps_internal_notes_private(
    client: Client, resident: Any, triager: Any, make_report: Any
) -> None:
    report = make_report(resident)
    lighting = Department.objects.create(code="eclairage", name="Éclairage")
    lamp = Category.objects.create(service_code="lampe", name="Lampe", department=lighting)
    client.force_login(triager)
    data = change_form_data(client, report, category=lamp.pk, internal_note="Voir avec EDF")
    client.post(f"/admin/reports/report/{report.pk}/change/", data)
    report.refresh_from_db()
    assert report.category == lamp and report.department == lighting
    assert report.updates.filter(is_public=False, text="Voir avec EDF").exists()
    assert "Voir avec EDF" not in client.get(f"/reports/{report.pk}/").content.decode()
    # The staff see the note on the report's page in the admin, in its timeline.
    assert (
        "Voir avec EDF" in client.get(f"/admin/reports/report/{report.pk}/change/").content.decode()
    )


def test_it_hides_with_a_reason(
    client: Client, resident: Any, triager: Any, make_report: Any
) -> None:
    report = make_report(resident)
    client.force_login(triager)
    data = change_form_data(client, report, hide_reason="Propos injurieux")
    client.post(f"/admin/reports/report/{report.pk}/change/", data)
    report.refresh_from_db()
    assert report.status == Status.HIDDEN and report.hidden_reason == "Propos injurieux"
    assert client.get(f"/reports/{report.pk}/").status_code == 404


def test_it_records_who_opened_the_contact_details(
    client: Client, resident: Any, triager: Any, make_report: Any
) -> None:
    report = make_report(resident)
    client.force_login(triager)
    client.get(f"/admin/reports/report/{report.pk}/change/")
    (entry,) = AccessLog.objects.all()
    assert "reporter" in entry.field_names and "contact_email" in entry.field_names


def test_it_shows_department_agents_only_their_department(
    client: Client,
    resident: Any,
    department_agent: Any,
    make_report: Any,
    districts: Any,
) -> None:
    mine = make_report(resident)
    other_department = Department.objects.create(code="eau", name="Eau")
    water = Category.objects.create(service_code="fuite", name="Fuite", department=other_department)
    theirs = make_report(resident, category=water)
    client.force_login(department_agent)
    page = client.get("/admin/reports/report/")
    assert [r.pk for r in page.context["cl"].result_list] == [mine.pk]
    assert client.get(f"/admin/reports/report/{theirs.pk}/change/").status_code == 302


def with_photo(report: Report, state: str = Photo.State.READY) -> Photo:
    n = Photo.objects.count()
    return Photo.objects.create(
        report=report,
        original=f"originals/{n}.jpg",
        image=f"photos/{n}.jpg",
        thumbnail=f"photos/{n}_thumb.jpg",
        state=state,
    )


def test_it_shows_thumbnails_of_public_blurred_photos_only(
    client: Client, resident: Any, triager: Any, make_report: Any
) -> None:
    ready = with_photo(make_report(resident))
    pending = with_photo(make_report(resident), state=Photo.State.PENDING)
    hidden_report = make_report(resident)
    hidden = with_photo(hidden_report)
    Report.objects.filter(pk=hidden_report.pk).update(status=Status.HIDDEN)
    client.force_login(triager)
    page = client.get("/admin/reports/report/").content.decode()
    assert f'src="/reports/photos/{ready.pk}/thumb.jpg"' in page
    assert f"/reports/photos/{pending.pk}/" not in page
    assert f"/reports/photos/{hidden.pk}/" not in page
    assert "originals/" not in page and "/unblurred/" not in page


def test_it_lists_the_queue_in_a_fixed_number_of_queries_without_personal_fields(
    client: Client, resident: Any, triager: Any, make_report: Any
) -> None:
    client.force_login(triager)
    make_report(resident, contact_phone="0600000000")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/admin/reports/report/").status_code == 200
        return len(queries)

    few = count()
    for _ in range(15):
        with_photo(make_report(resident))
    assert count() == few
    page = client.get("/admin/reports/report/").content.decode()
    assert "alice@example.org" not in page and "Alice Martin" not in page
    assert not AccessLog.objects.exists()


def test_it_acknowledges_in_bulk(
    client: Client, resident: Any, triager: Any, make_report: Any
) -> None:
    reports = [make_report(resident) for _ in range(3)]
    client.force_login(triager)
    client.post(
        "/admin/reports/report/",
        {"action": "acknowledge", "_selected_action": [r.pk for r in reports]},
    )
    assert set(Report.objects.values_list("status", flat=True)) == {Status.ACKNOWLEDGED}


def test_it_saves_nothing_and_emails_no_one_when_a_step_of_a_staff_edit_is_refused(
    client: Client,
    resident: Any,
    resident2: Any,
    triager: Any,
    make_report: Any,
    tasks: Any,
    mailoutbox: Any,
    run_on_commit: Any,
) -> None:
    from civic.models import OutboxEmail

    report = make_report(resident)
    Subscription.objects.create(report=report, user=resident2)
    tasks.sent.clear()
    updates_before = report.updates.count()
    emails_before = set(OutboxEmail.objects.values_list("pk", flat=True))  # the department's
    client.force_login(triager)
    # A new status with a public answer (which would email the followers), a note, a new
    # priority... and the report marked a duplicate of itself, which is refused.
    data = change_form_data(
        client,
        report,
        new_status=Status.ACKNOWLEDGED,
        public_update="Nous passons demain.",
        internal_note="Équipe B",
        priority=Priority.HIGH,
        duplicate_of=report.pk,
    )
    with run_on_commit():
        response = client.post(f"/admin/reports/report/{report.pk}/change/", data, follow=True)

    assert "A report cannot duplicate itself." in response.content.decode() or (
        "ne peut pas être son propre doublon" in response.content.decode()
    )
    report.refresh_from_db()
    assert report.status == Status.OPEN and report.priority != Priority.HIGH
    assert report.duplicate_of is None
    assert report.updates.count() == updates_before
    assert set(OutboxEmail.objects.values_list("pk", flat=True)) == emails_before
    tasks.run()
    assert mailoutbox == []
