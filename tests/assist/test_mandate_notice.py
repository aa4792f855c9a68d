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
