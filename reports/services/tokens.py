"""Signed tokens in emailed links: confirm a report, manage it, answer "is it fixed?"."""

from __future__ import annotations

from django.core import signing
from django.utils.translation import gettext as _

from civic.errors import NotFound
from reports.models import (
    Report,
)

_CONFIRM_SALT = "reports.confirm"
_MANAGE_SALT = "reports.manage"


def confirm_token(report: Report) -> str:
    return signing.dumps(report.pk, salt=_CONFIRM_SALT)


def manage_token(report: Report) -> str:
    return signing.dumps(report.pk, salt=_MANAGE_SALT)


def report_for_token(token: str, *, manage: bool = False) -> Report:
    salt = _MANAGE_SALT if manage else _CONFIRM_SALT
    max_age = None if manage else 7 * 24 * 3600
    try:
        pk = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:
        raise NotFound(_("This link is invalid or has expired.")) from None
    if not isinstance(pk, int):
        raise NotFound(_("This link is invalid or has expired."))
    report = Report.objects.filter(pk=pk).first()
    if report is None:
        raise NotFound(_("This link is invalid or has expired."))
    return report


_QUESTION_SALT = "reports.fixed-question"


def fixed_question_token(report: Report) -> str:
    return signing.dumps(report.pk, salt=_QUESTION_SALT)


def report_for_question_token(token: str) -> Report:
    try:
        pk = signing.loads(token, salt=_QUESTION_SALT, max_age=60 * 24 * 3600)
    except signing.BadSignature:
        raise NotFound(_("This link is invalid or has expired.")) from None
    report = Report.objects.public().filter(pk=pk).first()
    if report is None:
        raise NotFound(_("This link is invalid or has expired."))
    return report
