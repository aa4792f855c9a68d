"""Who may vote: residents of the minimum age checked once, in person by staff (in the admin),
by a mediator under mandate, or with a one-time code printed on a letter (kept hashed)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from budgets.models import Ballot, Budget, Voter
from budgets.services import voting
from civic.actors import Actor, Ref
from civic.errors import Conflict, InvalidInput, NotAllowed
from tests.budgets._voting import open_budget

pytestmark = pytest.mark.django_db


def test_it_lets_staff_verify_a_resident_in_person_and_records_who_when_how(
    client: Any, budget_officer: Any, resident: Any
) -> None:
    o = open_budget()
    client.force_login(budget_officer)
    data = {
        "budget": o.budget.pk,
        "user": resident.pk,
        "birth_year": timezone.localdate().year - 40,
        "district": o.district.pk,
    }
    assert client.post(reverse("admin:budgets_voter_add"), data).status_code == 302

    voter = Voter.objects.get()
    assert (voter.user, voter.verified_how, voter.verified_by) == (
        resident,
        Voter.Verification.IN_PERSON,
        budget_officer,
    )
    assert voter.verified_at is not None
    client.force_login(resident)
    page = client.get(reverse("budgets:vote", args=[o.budget.pk]))
    assert reverse("budgets:ballot", args=[o.local.pk]) in page.text


def test_it_refuses_residents_under_the_minimum_age(
    client: Any, budget_officer: Any, resident: Any
) -> None:
    o = open_budget()
    year = timezone.localdate().year
    client.force_login(budget_officer)
    data = {"budget": o.budget.pk, "user": resident.pk, "birth_year": year - 15}
    response = client.post(reverse("admin:budgets_voter_add"), data)
    assert response.status_code == 200
    assert not Voter.objects.exists()
    with pytest.raises(InvalidInput):
        voting.voter_verify(
            actor=Actor(channel="staff", user=budget_officer),
            budget=o.budget,
            user=resident,
            birth_year=year - 15,
            district=None,
        )
    # From the calendar year they turn 16.
    voting.voter_verify(
        actor=Actor(channel="staff", user=budget_officer),
        budget=o.budget,
        user=resident,
        birth_year=year - 16,
        district=None,
    )


@override_settings(CIVIC_BUDGET_MIN_AGE=18)
def test_it_starts_new_budgets_at_the_configured_minimum_age() -> None:
    assert Budget.objects.create(title="2027").minimum_age == 18


def test_it_lets_a_mediator_verify_only_under_a_mandate(
    mediator: Any, resident: Any, resident2: Any
) -> None:
    o = open_budget()
    mandate = Ref(type="assist.mandate", id="1", label="Mandat 1")
    year = timezone.localdate().year - 70
    with pytest.raises(NotAllowed):
        voting.voter_verify(
            actor=Actor(channel="mediator", user=mediator, on_behalf_of=resident),
            budget=o.budget,
            user=resident,
            birth_year=year,
            district=None,
            how=Voter.Verification.MEDIATOR,
        )
    acting = Actor(channel="mediator", user=mediator, on_behalf_of=resident, mandate=mandate)
    with pytest.raises(NotAllowed):
        voting.voter_verify(
            actor=acting,
            budget=o.budget,
            user=resident2,
            birth_year=year,
            district=None,
            how=Voter.Verification.MEDIATOR,
        )
    voter = voting.voter_verify(
        actor=acting,
        budget=o.budget,
        user=resident,
        birth_year=year,
        district=o.district,
        how=Voter.Verification.MEDIATOR,
    )
    voting.ballot_cast(actor=acting, voter=voter, heading=o.city, project_ids=[o.parc.pk])
    assert Ballot.objects.get().channel == Ballot.Channel.MEDIATOR
    assert voter.verified_by == mediator


def _issue(client: Client, budget_officer: Any, budget: Budget, district: Any) -> list[str]:
    client.force_login(budget_officer)
    page = client.post(
        reverse("budgets:code_letters", args=[budget.pk]), {"count": 2, "district": district.pk}
    )
    assert page.status_code == 200
    assert page.text.count('<svg aria-hidden="true"') == 2  # a QR code on each letter
    return re.findall(r"budget-letter__code\">([A-Z0-9-]{19})<", page.text)


def test_it_prints_letters_with_one_time_codes_kept_only_hashed(
    client: Any, budget_officer: Any
) -> None:
    o = open_budget()
    codes = _issue(client, budget_officer, o.budget, o.district)

    assert len(codes) == 2 and codes[0] != codes[1]
    stored = set(Voter.objects.values_list("code_hash", flat=True))
    assert stored == {hashlib.sha256(c.replace("-", "").encode()).hexdigest() for c in codes}
    for code in codes:
        assert not set(code.replace("-", "")) & set("01OIL8B5SZ")
    assert not set(voting.CODE_ALPHABET) & set("01OIL8B5SZ")  # not left to chance
    assert Voter.objects.filter(verified_how="letter", verified_by=budget_officer).count() == 2
    with pytest.raises(NotAllowed):  # a letter's voter votes only once its code is entered
        voting.ballot_cast(
            actor=Actor.system(),
            voter=Voter.objects.first(),  # type: ignore[arg-type]
            heading=o.city,
            project_ids=[o.parc.pk],
        )


def test_it_lets_a_code_holder_vote_once(client: Any, budget_officer: Any) -> None:
    o = open_budget()
    code = _issue(client, budget_officer, o.budget, o.district)[0]
    client.logout()
    browser = Client()

    link = browser.get(reverse("budgets:code"), {"code": code})
    assert f'value="{code}"' in link.text  # the letter's QR code fills it in
    response = browser.post(reverse("budgets:code"), {"code": code.lower().replace("-", " ")})
    assert response.status_code == 302
    assert (
        browser.post(
            reverse("budgets:ballot", args=[o.local.pk]), {"projects": [o.banc.pk]}
        ).status_code
        == 302
    )
    assert browser.post(reverse("budgets:code_finish")).status_code == 302

    assert Ballot.objects.get().heading == o.local
    assert Voter.objects.filter(has_voted=True, code_used=True).count() == 1
    again = Client().post(reverse("budgets:code"), {"code": code})
    assert again.status_code == 400
    assert "déjà servi" in again.text
    with pytest.raises(Conflict):
        voting.voting_code_redeem(actor=Actor.system(), code=code)
    with pytest.raises(InvalidInput):
        voting.voting_code_redeem(actor=Actor.system(), code="AAAA-AAAA-AAAA-AAAA")


def test_it_records_a_code_vote_at_a_kiosk_on_the_kiosk_channel(
    budget_officer: Any, mediator_supervisor: Any, kiosk_terminal: Any
) -> None:
    o = open_budget()
    code = _issue(Client(), budget_officer, o.budget, o.district)[0]
    kiosk = Client()
    kiosk.force_login(mediator_supervisor)
    kiosk.post(f"/kiosk/activate/{kiosk_terminal.pk}/")  # signs the staff member out

    home = kiosk.get("/kiosk/")
    assert reverse("budgets:code") in home.text  # the "Projects and vote" button
    kiosk.post(reverse("budgets:code"), {"code": code})
    kiosk.post(reverse("budgets:ballot", args=[o.city.pk]), {"projects": [o.ecole.pk]})

    assert Ballot.objects.get().channel == Ballot.Channel.KIOSK
