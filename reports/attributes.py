"""The answers to a category's questions, sent as ``attribute[code]`` fields: one parser for
``POST /api/reports/``, Open311's ``POST requests`` and the web form, so that each accepts and
refuses the same answers.

An answer is one line of text of at most ``MAX_ANSWER`` characters, one of the offered keys
when the question offers some, given once (a repeated field or ``attribute[code][]`` is a list,
which no question takes), without control characters (they break feeds and XML, and no
keyboard types them). Fields for codes the category does not ask are ignored, as the form does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from civic.errors import InvalidInput
from reports.models import Category

MAX_ANSWER = 500
PREFIX = "attribute["

# C0 controls but tab, newline and carriage return; DEL and C1 controls; and the two
# non-characters XML forbids. Tab and newlines are allowed: a "text" answer has lines.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def has_control_characters(value: str) -> bool:
    """Whether a text holds characters no person types and feeds cannot carry."""
    return bool(_CONTROL.search(value))


def field_name(code: str) -> str:
    return f"{PREFIX}{code}]"


def _sent(data: Any) -> tuple[dict[str, list[Any]], set[str]]:
    """Every value sent for each code, and the codes sent as lists (``attribute[code][]``)."""
    getlist = getattr(data, "getlist", None)
    sent: dict[str, list[Any]] = {}
    lists: set[str] = set()
    for key in data:
        if not (isinstance(key, str) and key.startswith(PREFIX) and key.endswith("]")):
            continue
        code = key[len(PREFIX) : -1]
        if code.endswith("]["):
            code = code[:-2]
            lists.add(code)
        if getlist is not None:
            values = list(getlist(key))
        elif isinstance(data[key], list | tuple):
            values = list(data[key])
            lists.add(code)
        else:
            values = [data[key]]
        sent.setdefault(code, []).extend(values)
    return sent, lists


def answers_check(
    data: Mapping[str, Any] | Any, category: Category
) -> tuple[dict[str, str], dict[str, str]]:
    """The answers to ``category``'s questions found in ``data`` (a ``QueryDict`` or a plain
    mapping), and the refusals, by field name (``attribute[code]``), in the active language."""
    sent, lists = _sent(data)
    answers: dict[str, str] = {}
    errors: dict[str, str] = {}
    for question in category.localized_questions():
        code = str(question.get("code"))
        values = sent.get(code, [])
        label = {"question": question["label"]}
        if code in lists or len(values) > 1 or any(not isinstance(v, str) for v in values):
            errors[field_name(code)] = _("Give one answer, as text, to: %(question)s") % label
            continue
        value = values[0].strip() if values else ""
        if has_control_characters(value):
            errors[field_name(code)] = (
                _("The answer to “%(question)s” holds characters that are not allowed.") % label
            )
        elif len(value) > MAX_ANSWER:
            errors[field_name(code)] = _(
                "The answer to “%(question)s” is too long (at most %(n)s characters)."
            ) % {**label, "n": MAX_ANSWER}
        elif not value:
            if question.get("required"):
                errors[field_name(code)] = _("Please answer: %(question)s") % label
        elif question.get("values") and value not in {
            str(option.get("key")) for option in question["values"]
        }:
            errors[field_name(code)] = (
                _("Choose one of the answers offered for: %(question)s") % label
            )
        else:
            answers[code] = value
    return answers, errors


def answers_parse(data: Mapping[str, Any] | Any, category: Category) -> dict[str, str]:
    """The answers, or ``InvalidInput`` naming the first question answered wrongly."""
    answers, errors = answers_check(data, category)
    for field, message in errors.items():
        raise InvalidInput(message, field=field)
    return answers
