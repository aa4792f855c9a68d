"""A resident without email signs a paper mandate; they are shown it the next time they sign in,
or by the next mediator they meet, with a one-click revoke."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from assist.models import Mandate
from tests.assist.conftest import client_for

pytestmark = pytest.mark.django_db

BANNER = 'class="mandates-banner"'


def test_it_the_resident_sees_a_paper_mandate_after_signing_in_until_they_keep_it(
    make_mandate: Callable[..., Any], paper_resident: Any, resident2: Any
) -> None:
    mandate = make_mandate(paper_resident)
    rose = client_for(paper_resident)

    page = rose.get("/").content.decode()
    assert BANNER in page
    assert "Un mandat a été enregistré pour vous" in page
    assert "Maison des services" in page
    assert "Choix de consentement" in page  # what it allows
    assert f'action="/my-data/mandates/{mandate.pk}/revoke/"' in page
    assert BANNER in rose.get("/my-data/").content.decode()  # on every page until answered

    assert client_for(resident2).post(f"/my-data/mandates/{mandate.pk}/seen/").status_code == 404
    assert rose.post(f"/my-data/mandates/{mandate.pk}/seen/").status_code == 302

    mandate.refresh_from_db()
    assert mandate.resident_informed_at is not None
    assert mandate.is_current()
    assert BANNER not in rose.get("/").content.decode()


def test_it_the_resident_revokes_a_paper_mandate_from_the_banner(
    make_mandate: Callable[..., Any], paper_resident: Any
) -> None:
    mandate = make_mandate(paper_resident, confirmed=False)  # recorded, not even signed yet
    rose = client_for(paper_resident)
    assert BANNER in rose.get("/").content.decode()

    rose.post(f"/my-data/mandates/{mandate.pk}/revoke/")

    mandate.refresh_from_db()
    assert mandate.revoked_by_role == "resident"
    assert BANNER not in rose.get("/").content.decode()


def test_it_a_mandate_the_resident_confirmed_themselves_needs_no_banner(
    make_mandate: Callable[..., Any], resident: Any
) -> None:
    make_mandate(resident)

    assert BANNER not in client_for(resident).get("/").content.decode()
    assert BANNER not in Client().get("/").content.decode()


def test_it_the_next_mediator_tells_the_resident_and_records_it(
    make_mandate: Callable[..., Any],
    paper_resident: Any,
    mediator_client: Client,
    organisation: Any,
) -> None:
    from tests.assist.conftest import make_mediator

    mandate = make_mandate(paper_resident)
    colleague = client_for(make_mediator("paul@example.org", "Paul Médiation", organisation))

    home = colleague.get("/assist/").content.decode()
    assert "À dire à l\u2019usager" in home
    assert f"/assist/mandates/{mandate.pk}/#tell" in home
    detail = colleague.get(f"/assist/mandates/{mandate.pk}/").content.decode()
    assert 'id="tell"' in detail
    assert "Dites-le à l\u2019usager" in detail

    colleague.post(f"/assist/mandates/{mandate.pk}/told/")

    mandate.refresh_from_db()
    assert mandate.resident_informed_at is not None
    assert (
        'id="tell"' not in mediator_client.get(f"/assist/mandates/{mandate.pk}/").content.decode()
    )
    assert BANNER not in client_for(paper_resident).get("/").content.decode()


def test_it_the_resident_who_does_not_want_it_has_it_revoked_by_the_mediator(
    make_mandate: Callable[..., Any], paper_resident: Any, mediator_client: Client
) -> None:
    mandate = make_mandate(paper_resident)
    detail = mediator_client.get(f"/assist/mandates/{mandate.pk}/").content.decode()
    tell = detail[detail.index('id="tell"') :]
    assert f'action="/assist/mandates/{mandate.pk}/revoke/"' in tell

    mediator_client.post(f"/assist/mandates/{mandate.pk}/revoke/")

    assert Mandate.objects.get().revoked_at is not None
    assert BANNER not in client_for(paper_resident).get("/").content.decode()
