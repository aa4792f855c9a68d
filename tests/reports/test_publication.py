"""Who publishes at once, who waits for the emailed link, and 404s for what is not public."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from civic.actors import Actor, Channel
from reports.models import Report, Status
from reports.services import report_hide
from tests.reports.conftest import INSIDE

pytestmark = pytest.mark.django_db


def post_form(client: Client, category: Any, **extra: Any) -> Any:
    data = {
        "category": category.pk,
        "description": "Un trou énorme",
        "lat": INSIDE[0],
        "lon": INSIDE[1],
        **extra,
    }
    return client.post("/reports/new/", data)


def test_it_publishes_at_once_for_a_signed_in_resident(
    client: Client, resident: Any, districts: Any, category: Any
) -> None:
    client.force_login(resident)
    response = post_form(client, category)
    report = Report.objects.get()
    assert response.status_code == 200
    page = response.content.decode()
    assert f"n° {report.pk}" in page and f'href="/reports/{report.pk}/"' in page
    assert "Ce qui se passe ensuite" in page
    assert report.status == Status.OPEN
    assert report.reporter == resident
    assert report.district == districts[0]
    assert client.get(f"/reports/{report.pk}/").status_code == 200


def test_it_waits_for_the_emailed_link_without_an_account(
    client: Client,
    districts: Any,
    category: Any,
    tasks: Any,
    mailoutbox: Any,
    run_on_commit: Any,
) -> None:
    with run_on_commit():
        response = post_form(client, category, email="Carla@Example.org", name="Carla")
    report = Report.objects.get()
    assert response.status_code == 200
    assert "Consultez vos courriels" in response.content.decode()
    assert report.status == Status.UNCONFIRMED
    assert client.get(f"/reports/{report.pk}/").status_code == 404
    assert client.get(f"/open311/v2/requests/{report.pk}.json").status_code == 404
    tasks.run()
    (message,) = mailoutbox
    assert message.to == ["carla@example.org"]
    link = re.search(r"http://\S+/reports/confirm/(\S+)/", message.body)
    assert link
    confirm_path = f"/reports/confirm/{link.group(1)}/"
    assert client.get(confirm_path).status_code == 200
    assert Report.objects.get().status == Status.UNCONFIRMED  # a GET publishes nothing
    with run_on_commit():
        client.post(confirm_path)
    assert Report.objects.get().status == Status.OPEN
    assert client.get(f"/reports/{report.pk}/").status_code == 200


def test_it_publishes_an_anonymous_report_where_the_category_allows_it(
    client: Client, districts: Any, anonymous_category: Any
) -> None:
    post_form(client, anonymous_category, **{"attribute[offensive]": ""})
    report = Report.objects.get()
    assert report.status == Status.OPEN
    assert report.reporter is None and report.contact_email == ""


def test_it_asks_an_email_where_the_category_refuses_anonymous_reports(
    client: Client, districts: Any, category: Any
) -> None:
    response = post_form(client, category)
    assert response.status_code == 400
    assert "adresse e-mail" in response.content.decode() or "email" in response.content.decode()
    assert not Report.objects.exists()


def test_it_answers_404_for_a_hidden_report_everywhere(
    client: Client, resident: Any, triager: Any, make_report: Any
) -> None:
    report = make_report(resident)
    report_hide(actor=Actor(channel=Channel.STAFF, user=triager), report=report, reason="abuse")
    for path in (
        f"/reports/{report.pk}/",
        f"/open311/v2/requests/{report.pk}.json",
        f"/open311/v2/requests/{report.pk}.xml",
    ):
        assert client.get(path).status_code == 404, path
    assert client.get("/open311/v2/requests.json").json() == []


def test_it_lets_the_author_withdraw_an_open_report(
    client: Client, resident: Any, resident2: Any, make_report: Any
) -> None:
    report = make_report(resident)
    client.force_login(resident2)
    assert client.post(f"/reports/{report.pk}/author/", {"action": "withdraw"}).status_code == 403
    client.force_login(resident)
    client.post(f"/reports/{report.pk}/author/", {"action": "withdraw"})
    report.refresh_from_db()
    assert report.status == Status.HIDDEN
    assert report.hidden_reason == "withdrawn by author"
    assert client.get(f"/reports/{report.pk}/").status_code == 404


def test_it_moves_followers_and_supports_to_the_original_of_a_duplicate(
    resident: Any, resident2: Any, triager: Any, make_report: Any
) -> None:
    from reports.services import report_mark_duplicate, report_support

    original = make_report(resident)
    duplicate = make_report(resident2)
    report_support(actor=Actor(channel=Channel.WEB, user=resident), report=duplicate)
    report_mark_duplicate(
        actor=Actor(channel=Channel.STAFF, user=triager), report=duplicate, original=original
    )
    duplicate.refresh_from_db()
    assert duplicate.status == Status.DUPLICATE
    assert set(original.subscriptions.values_list("user", flat=True)) == {resident.pk, resident2.pk}
    assert list(original.supports.values_list("user", flat=True)) == [resident.pk]
    assert not duplicate.supports.exists()


def test_it_says_what_each_status_means_and_never_shows_contact_details(
    client: Client, resident: Any, make_report: Any
) -> None:
    report = make_report(resident, contact_phone="0611223344", show_name=False)
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert "Reçu : la ville va l&#x27;examiner prochainement." in page
    english = client.get(f"/reports/{report.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Received: the city will look at it soon." in english
    for url in (f"/reports/{report.pk}/", f"/open311/v2/requests/{report.pk}.json"):
        body = client.get(url).content.decode()
        assert "alice" not in body.lower() and "0611223344" not in body
    (request,) = client.get(f"/open311/v2/requests/{report.pk}.json").json()
    assert not {"email", "first_name", "last_name", "phone"} & set(request)
