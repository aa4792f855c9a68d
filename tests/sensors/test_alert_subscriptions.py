"""Residents subscribe to sensor alerts from a page (no JavaScript needed), are emailed when an
alert of their district or kind opens, and stop it from the page or in one click from the email,
without signing in. Private mode pauses them."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from civic.actors import Actor, Channel
from consent.services import private_mode_set
from sensors.alerts import alerts_evaluate
from sensors.models import AlertRule, AlertSubscription, Sensor
from sensors.personal_data import export_sensors
from sensors.storage import readings_write
from tests.sensors.conftest import make_device

RSQUO = "\u2019"  # French typographic apostrophe, as in the catalogue

pytestmark = pytest.mark.django_db

PAGE = "/sensors/alerts/"


@pytest.fixture
def river(districts: list[Any]) -> Sensor:
    return make_device("river-1", "native", "water_level").sensor


@pytest.fixture
def high_water(river: Sensor) -> AlertRule:
    return AlertRule.objects.create(
        name="Crue",
        quantity="water_level",
        threshold=300,
        scope=AlertRule.Scope.KIND,
        kind="water_level",
    )


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def flood(river: Sensor, capture: Any, tasks: Any) -> None:
    now = timezone.now().replace(second=0, microsecond=0)
    readings_write([(river.pk, "water_level", now - timedelta(minutes=1), 340.0)])
    with capture(execute=True):
        alerts_evaluate(now=now)
    tasks.run()


def test_it_lets_a_resident_subscribe_see_and_stop_alerts_without_javascript(
    resident: Any, districts: list[Any]
) -> None:
    client = signed_in(resident)
    district = districts[0]

    response = client.post(PAGE, {"action": "add", "district": district.pk, "kind": "water_level"})
    assert response.status_code == 302
    page = client.get(PAGE).content.decode()
    assert f"Capteurs « Hauteur d{RSQUO}eau » à {district.name}" in page  # alice reads French
    subscription = AlertSubscription.objects.get(user=resident)
    assert (subscription.district, subscription.kind) == (district, "water_level")
    # The same choice twice is one subscription.
    client.post(PAGE, {"action": "add", "district": district.pk, "kind": "water_level"})
    assert AlertSubscription.objects.filter(user=resident).count() == 1

    response = client.post(PAGE, {"action": "delete", "subscription": subscription.pk})
    assert response.status_code == 302
    assert not AlertSubscription.objects.exists()
    assert f"Vous n{RSQUO}êtes abonné à aucune alerte" in client.get(PAGE).content.decode()


def test_it_keeps_the_choice_and_explains_when_nothing_is_chosen(resident: Any) -> None:
    response = signed_in(resident).post(PAGE, {"action": "add", "district": "", "kind": ""})

    assert response.status_code == 400
    assert "Choisissez un quartier, un type de capteur, ou les deux." in response.content.decode()
    assert not AlertSubscription.objects.exists()


def test_it_a_resident_can_neither_see_nor_stop_another_residents_alerts(
    resident: Any, resident2: Any, districts: list[Any]
) -> None:
    theirs = AlertSubscription.objects.create(user=resident, district=districts[0])
    client = signed_in(resident2)

    page = client.get(PAGE).content.decode()  # bob reads English
    assert f"Every sensor in {districts[0].name}" not in page
    assert "You are not subscribed to any sensor alert." in page
    client.post(PAGE, {"action": "delete", "subscription": theirs.pk})
    assert AlertSubscription.objects.filter(pk=theirs.pk).exists()


def test_it_asks_to_sign_in_first() -> None:
    response = Client().get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_the_sensor_pages_link_to_the_alerts_page(districts: list[Any]) -> None:
    for url in ("/sensors/", f"/sensors/districts/{districts[0].code}/"):
        assert f'href="{PAGE}"' in Client().get(url).content.decode()


def test_it_emails_residents_of_the_district_or_kind_and_no_one_else(
    river: Sensor,
    high_water: AlertRule,
    resident: Any,
    resident2: Any,
    districts: list[Any],
    tasks: Any,
    mailoutbox: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from tests.conftest import make_person

    carol = make_person("carol@example.org", language="en")
    dan = make_person("dan@example.org", language="en")
    AlertSubscription.objects.create(user=resident, kind="water_level")  # anywhere
    AlertSubscription.objects.create(user=resident2, district=river.district, kind="water_level")
    AlertSubscription.objects.create(user=carol, kind="noise")  # another kind
    other = next(d for d in districts if d != river.district)
    AlertSubscription.objects.create(user=dan, district=other)  # another district

    flood(river, django_capture_on_commit_callbacks, tasks)

    assert sorted(message.to[0] for message in mailoutbox) == [
        "alice@example.org",
        "bob@example.org",
    ]


def test_it_the_email_unsubscribes_in_one_click_without_signing_in(
    river: Sensor,
    high_water: AlertRule,
    resident: Any,
    tasks: Any,
    mailoutbox: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    subscription = AlertSubscription.objects.create(user=resident, kind="water_level")
    kept = AlertSubscription.objects.create(user=resident, kind="noise")
    flood(river, django_capture_on_commit_callbacks, tasks)

    (message,) = mailoutbox
    link = re.search(r"https?://\S+/sensors/alerts/unsubscribe/\S+/", message.body)
    assert link is not None
    assert message.extra_headers["List-Unsubscribe"] == f"<{link.group(0)}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = link.group(0).split("://", 1)[1].split("/", 1)[1]

    anonymous = Client(enforce_csrf_checks=True)  # a mail client posts no CSRF token
    confirm = anonymous.get(f"/{path}")
    assert confirm.status_code == 200
    assert AlertSubscription.objects.filter(pk=subscription.pk).exists()  # GET changes nothing
    assert f"Capteurs « Hauteur d{RSQUO}eau », partout dans la ville" in confirm.content.decode()

    done = anonymous.post(f"/{path}", {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert not AlertSubscription.objects.filter(pk=subscription.pk).exists()
    assert AlertSubscription.objects.filter(pk=kept.pk).exists()  # only what the email was for
    again = anonymous.post(f"/{path}")
    assert "déjà arrêtées" in again.content.decode()


def test_it_a_forged_unsubscribe_link_is_not_found(resident: Any) -> None:
    subscription = AlertSubscription.objects.create(user=resident, kind="noise")

    response = Client().post(f"/sensors/alerts/unsubscribe/{subscription.pk}:forged/")

    assert response.status_code == 404
    assert AlertSubscription.objects.filter(pk=subscription.pk).exists()


def test_it_private_mode_pauses_sensor_alerts(
    river: Sensor,
    high_water: AlertRule,
    resident: Any,
    resident2: Any,
    tasks: Any,
    mailoutbox: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    AlertSubscription.objects.create(user=resident, kind="water_level")
    AlertSubscription.objects.create(user=resident2, kind="water_level")
    private_mode_set(actor=Actor(channel=Channel.WEB, user=resident), enabled=True)

    flood(river, django_capture_on_commit_callbacks, tasks)

    assert [message.to for message in mailoutbox] == [["bob@example.org"]]
    page = signed_in(resident).get(PAGE).content.decode()
    assert "Le mode privé est activé" in page


def test_it_the_export_shows_what_the_resident_subscribed_to(
    resident: Any, districts: list[Any]
) -> None:
    AlertSubscription.objects.create(user=resident, district=districts[0], kind="noise")

    (exported,) = export_sensors(resident)["alert_subscriptions"]

    assert (exported["district"], exported["kind"]) == (districts[0].name, "noise")
