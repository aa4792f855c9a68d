"""A report's private manage link expires some time after the report is closed, and can be
asked for again by email, without ever telling whether an address sent reports (issue 11)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone

from reports.models import Report, Status
from reports.services import manage_token

pytestmark = pytest.mark.django_db

EMAIL = "carla@example.org"
KEPT = timedelta(days=settings.CIVIC_REPORTS_MANAGE_LINK_DAYS)


@pytest.fixture
def carlas_report(make_report: Any, anonymous_category: Any, tasks: Any) -> Report:
    report = make_report(category=anonymous_category, contact_email=EMAIL, contact_name="Carla")
    Report.objects.filter(pk=report.pk).update(status=Status.OPEN)
    report.refresh_from_db()
    return report


def closed(report: Report, ago: timedelta, status: str = Status.CLOSED) -> Report:
    Report.objects.filter(pk=report.pk).update(status=status, closed_at=timezone.now() - ago)
    return Report.objects.get(pk=report.pk)


def manage_page(client: Client, report: Report) -> Any:
    return client.get(f"/reports/manage/{manage_token(report)}/")


def test_it_the_manage_link_works_while_the_report_is_open(
    client: Client, carlas_report: Report
) -> None:
    assert manage_page(client, carlas_report).status_code == 200


def test_it_the_manage_link_works_until_its_time_after_closing(
    client: Client, carlas_report: Report
) -> None:
    token = manage_token(carlas_report)
    closed(carlas_report, KEPT - timedelta(hours=1))
    assert client.get(f"/reports/manage/{token}/").status_code == 200
    closed(carlas_report, KEPT + timedelta(hours=1))
    assert client.get(f"/reports/manage/{token}/").status_code == 404
    # Nor can it withdraw the report or hide the name any more.
    response = client.post(
        f"/reports/{carlas_report.pk}/author/", {"token": token, "action": "hide_name"}
    )
    assert response.status_code in (403, 404)


def test_it_an_expired_manage_link_says_where_to_ask_for_fresh_ones(
    client: Client, carlas_report: Report
) -> None:
    closed(carlas_report, KEPT + timedelta(hours=1))
    response = manage_page(client, carlas_report)
    page = response.content.decode()

    assert response.status_code == 404
    assert "Ce lien ne fonctionne plus" in page
    assert 'href="/reports/links/"' in page
    assert "Carla" not in page
    asked = client.get("/reports/links/")
    assert asked.status_code == 200


def test_it_a_fixed_report_counts_from_the_day_it_was_fixed(
    client: Client, carlas_report: Report
) -> None:
    Report.objects.filter(pk=carlas_report.pk).update(
        status=Status.FIXED, fixed_at=timezone.now() - KEPT - timedelta(days=1)
    )
    assert manage_page(client, carlas_report).status_code == 404


@override_settings(CIVIC_REPORTS_MANAGE_LINK_DAYS=7)
def test_it_the_time_is_a_setting(client: Client, carlas_report: Report) -> None:
    closed(carlas_report, timedelta(days=8))
    assert manage_page(client, carlas_report).status_code == 404


def test_it_the_first_email_says_how_long_the_link_works_and_where_to_ask_again(
    make_report: Any,
    anonymous_category: Any,
    tasks: Any,
    run_on_commit: Any,
    mailoutbox: Any,
) -> None:
    from reports.services import report_confirm

    report = make_report(category=anonymous_category, contact_email=EMAIL, contact_name="Carla")
    with run_on_commit():
        report_confirm(actor=report_actor(), report=report)
    tasks.run()
    [message] = [m for m in mailoutbox if m.to == [EMAIL]]
    assert "90 jours après la clôture" in message.body
    assert "/reports/links/" in message.body


def report_actor() -> Any:
    from civic.actors import Actor, Channel

    return Actor(channel=Channel.WEB)


def ask(client: Client, email: str, **extra: Any) -> Any:
    return client.post("/reports/links/", {"email": email}, **extra)


def test_it_emails_fresh_links_to_the_address_that_sent_the_report(
    client: Client, carlas_report: Report, tasks: Any, run_on_commit: Any, mailoutbox: Any
) -> None:
    page = client.get("/reports/links/")
    assert page.status_code == 200
    assert "90 jours" in page.content.decode()
    with run_on_commit():
        response = ask(client, "Carla@Example.org")
    tasks.run()
    assert response.status_code == 302
    assert response["Location"] == "/reports/links/sent/"
    [message] = mailoutbox
    assert message.to == [EMAIL]
    link = re.search(r"https?://\S+(/reports/manage/\S+/)", message.body)
    assert link, message.body
    assert client.get(link.group(1)).status_code == 200
    assert "Consultez vos courriels" in client.get(response["Location"]).content.decode()


def test_it_answers_the_same_for_an_address_that_sent_nothing(
    client: Client, carlas_report: Report, tasks: Any, run_on_commit: Any, mailoutbox: Any
) -> None:
    with run_on_commit():
        known = ask(client, EMAIL)
        unknown = ask(client, "nobody@example.org")
    tasks.run()
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert [message.to for message in mailoutbox] == [[EMAIL]]


def test_it_sends_no_link_that_has_expired(
    client: Client, carlas_report: Report, tasks: Any, run_on_commit: Any, mailoutbox: Any
) -> None:
    closed(carlas_report, KEPT + timedelta(days=1))
    with run_on_commit():
        assert ask(client, EMAIL).status_code == 302
    tasks.run()
    assert mailoutbox == []


def test_it_refuses_an_address_that_is_not_one(client: Client, db: None) -> None:
    response = ask(client, "not an address\r\nBcc: x@example.org")
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()


def test_it_floods_no_mailbox_and_limits_each_connection(
    client: Client, carlas_report: Report, tasks: Any, run_on_commit: Any, mailoutbox: Any
) -> None:
    with run_on_commit():
        for _attempt in range(5):
            assert ask(client, EMAIL).status_code == 302
    tasks.run()
    assert len(mailoutbox) == 3  # then silently nothing more to that address this hour
    with run_on_commit():
        for _attempt in range(settings.CIVIC_REPORTS_LINKS_PER_HOUR - 5):
            ask(client, "someone@example.org")
        assert ask(client, "someone@example.org").status_code == 429
        # Another connection is not held back.
        assert ask(client, "someone@example.org", REMOTE_ADDR="198.51.100.9").status_code == 302
