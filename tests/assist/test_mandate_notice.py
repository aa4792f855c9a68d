"""The notice a resident signs tells them how they really reach "My data": one click when they
can sign in; a kiosk code or a mediator when they cannot."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

pytestmark = pytest.mark.django_db


def test_a_resident_without_email_or_password_is_told_of_the_kiosk_code(
    make_mandate: Any, paper_resident: Any
) -> None:
    mandate = make_mandate(paper_resident, confirmed=False)

    assert mandate.notice_version == 2
    assert "en un clic" not in mandate.notice_text
    assert "code à usage unique" in mandate.notice_text and "borne" in mandate.notice_text


def test_a_resident_who_signs_in_keeps_the_one_click_revocation(
    make_mandate: Any, resident: Any
) -> None:
    mandate = make_mandate(resident)

    with translation.override(mandate.notice_language):
        assert "en un clic" in mandate.notice_text or "one click" in mandate.notice_text
    assert "code à usage unique" not in mandate.notice_text


def test_the_form_marks_no_field_optional_and_previews_the_notice_without_recording(
    mediator_client: Any, resident: Any
) -> None:
    from assist.models import Mandate, MandateRequest
    from civic.models import OutboxEmail, User

    form = mediator_client.get("/assist/mandates/new/").content.decode()
    assert "(facultatif)" not in form and "(optional)" not in form
    users = User.objects.count()

    new = mediator_client.post(
        "/assist/mandates/new/",
        {"who": "new", "display_name": "Rose Papier", "language": "fr", "scopes": ["consent"],
         "days": 31, "preview": "1"},
    )  # fmt: skip
    known = mediator_client.post(
        "/assist/mandates/new/",
        {"who": "account", "email": resident.email, "scopes": ["consent"], "days": 31,
         "preview": "1"},
    )  # fmt: skip

    assert new.status_code == 200 and known.status_code == 200
    assert "Rose Papier" in new.content.decode() and "borne" in new.content.decode()
    assert 'class="mandate-notice"' in known.content.decode()
    assert resident.display_name not in known.content.decode()  # nothing tells who holds it
    assert User.objects.count() == users
    assert not Mandate.objects.exists() and not MandateRequest.objects.exists()
    assert not OutboxEmail.objects.exists()
