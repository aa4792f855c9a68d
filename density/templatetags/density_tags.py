"""The plain word for a crowding level, for templates."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

LEVEL_WORDS = {1: _("low"), 2: _("average"), 3: _("high"), 4: _("very high"), 5: _("maximum")}


@register.filter
def level_word(level: int | None) -> str:
    return str(LEVEL_WORDS.get(level or 0, ""))
