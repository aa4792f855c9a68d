"""Who can be represented: never an account holding powers of its own; and asking for a mandate
never tells the mediator whether an email address has an account."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from assist import services
from assist.models import Mandate, MandateRequest, Membership
from civic.actors import Actor, Channel
from civic.errors import InvalidInput, NotAllowed
from civic.models import OutboxEmail, User
from tests.assist.conftest import emailed

pytestmark = pytest.mark.django_db

KINDS = ["staff", "superuser", "staff_role", "supervisor_role", "mediator", "former_mediator"]


def _privileged(kind: str, email: str | None, other_organisation: Any) -> Any:
    """An account of each kind that holds powers of its own."""
    user = User.objects.create_user(
        email=email,
        password=None,
        display_name=f"Compte {kind}",
        is_staff=kind == "staff",
        is_superuser=kind == "superuser",
    )
    if kind == "staff_role":
        user.groups.add(Group.objects.get(name="triager"))
    if kind == "supervisor_role":
        user.groups.add(Group.objects.get(name="mediator_supervisor"))
    if kind in ("mediator", "former_mediator"):
        Membership.objects.create(
            organisation=other_organisation, user=user, is_active=kind == "mediator"
        )
        services.mediator_role_sync(user=user)
    return user


def _ask(client: Client, email: str) -> Any:
    return client.post(
        "/assist/mandates/new/",
        {"who": "account", "email": email, "language": "fr", "scopes": ["consent"], "days": "92"},
    )


@pytest.mark.parametrize("kind", KINDS)
def test_it_the_service_never_records_a_mandate_over_a_privileged_account(
    kind: str, mediator: Any, organisation: Any, other_organisation: Any
) -> None:
    account = _privileged(kind, None, other_organisation)  # no email: the paper route
    actor = Actor(channel=Channel.MEDIATOR, user=mediator)

    with pytest.raises(NotAllowed):
        services.mandate_record(
            actor=actor, organisation=organisation, resident=account, scopes=["consent"], days=30
        )

    assert not Mandate.objects.exists()


@pytest.mark.parametrize("kind", KINDS)
def test_it_the_form_asks_a_privileged_account_for_nothing_and_tells_only_its_holder(
    kind: str, mediator: Any, mediator_client: Client, organisation: Any, other_organisation: Any
) -> None:
    account = _privileged(kind, f"{kind}@example.org", other_organisation)

    response = _ask(mediator_client, account.email)

    assert response.status_code == 302  # the same answer as for anyone (see below)
    asked = MandateRequest.objects.get()
    assert asked.resident is None
    told = OutboxEmail.objects.get(to=[account.email])
    assert not re.search(r"\b\d{8}\b", told.text)  # no code, no link
    assert "/mandates/confirm/" not in told.text
    assert "ne peuvent jamais être représentés" in told.text
    for code in ("00000000", "12345678"):
        with pytest.raises(InvalidInput):
            services.mandate_confirm_code(
                actor=Actor(channel=Channel.MEDIATOR, user=mediator), request=asked, code=code
            )
    assert not Mandate.objects.exists()


def test_it_a_resident_who_became_staff_before_confirming_is_refused(
    mediator: Any, mediator_client: Client, resident: Any
) -> None:
    response = _ask(mediator_client, resident.email)
    code, link = emailed(resident.email)
    User.objects.filter(pk=resident.pk).update(is_staff=True)

    with pytest.raises(NotAllowed):
        services.mandate_confirm_code(
            actor=Actor(channel=Channel.MEDIATOR, user=mediator),
            request=MandateRequest.objects.get(),
            code=code,
        )
    assert Client().post(link).status_code == 404
    refused = mediator_client.post(response["Location"], {"code": code})
    assert refused.status_code == 400
    assert "ne peuvent pas être représentés" in refused.content.decode()
    assert not Mandate.objects.exists()


def test_it_a_mediator_cannot_ask_themselves(mediator: Any, mediator_client: Client) -> None:
    _ask(mediator_client, mediator.email)

    assert MandateRequest.objects.get().resident is None
    assert not OutboxEmail.objects.filter(to=[mediator.email]).exists()


def _same(page: str) -> str:
    """The page without what differs between any two requests: ids, tokens, times."""
    page = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "ID", page)
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", page)
    page = re.sub(r'nonce="[^"]+"', "NONCE", page)  # per request (the CSP's)
    return re.sub(r"Demandé</dt><dd>[^<]*</dd>", "WHEN", page)


def test_it_the_form_answers_the_same_whether_an_address_has_an_account(
    mediator_client: Client,
    mediator: Any,
    resident: Any,
    triager: Any,
    make_mandate: Callable[..., Any],
) -> None:
    addresses = [resident.email, "nobody@example.org", triager.email]
    responses = [_ask(mediator_client, email) for email in addresses]

    assert {response.status_code for response in responses} == {302}
    pages = [_same(mediator_client.get(r["Location"]).content.decode()) for r in responses]
    wrong = [
        _same(mediator_client.post(r["Location"], {"code": "00000000"}).content.decode())
        for r in responses
    ]
    resent = [
        mediator_client.post(f"{r['Location']}resend/", follow=True).content.decode()
        for r in responses
    ]
    assert pages[0] == pages[1] == pages[2]
    assert wrong[0] == wrong[1] == wrong[2]
    assert _same(resent[0]) == _same(resent[1]) == _same(resent[2])
    home = mediator_client.get("/assist/").content.decode()
    assert "Alice" not in home and resident.email not in home and triager.email not in home
    # Only the address's holder learns of it: the resident gets a code, nobody else anything.
    assert OutboxEmail.objects.filter(to=[resident.email]).count() == 2
    assert not OutboxEmail.objects.filter(to=["nobody@example.org"]).exists()
    assert not User.objects.filter(email="nobody@example.org").exists()


def test_it_a_resident_in_a_group_without_powers_can_still_be_represented(
    resident: Any, make_mandate: Callable[..., Any]
) -> None:
    resident.groups.add(Group.objects.create(name="newsletter-readers"))

    assert make_mandate(resident).is_current()


def test_it_a_mediator_asks_only_so_many_residents_a_day(
    mediator_client: Client, resident: Any
) -> None:
    from assist.models import REQUESTS_PER_DAY

    for number in range(REQUESTS_PER_DAY):
        assert _ask(mediator_client, f"person{number}@example.org").status_code == 302

    refused = _ask(mediator_client, resident.email)

    assert refused.status_code == 400
    assert not OutboxEmail.objects.filter(to=[resident.email]).exists()
