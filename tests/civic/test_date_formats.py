"""Dates read in the city's time zone and in the reader's language, never as ISO timestamps."""

from __future__ import annotations

from datetime import UTC, datetime

from django.template import Context, Template
from django.utils import translation


def render(value: datetime, language: str) -> str:
    template = Template('{{ when|date:"DATETIME_FORMAT" }} · {{ when|date:"SHORT_DATE_FORMAT" }}')
    with translation.override(language):
        return template.render(Context({"when": value}))


def test_it_writes_dates_in_the_city_s_zone_and_the_reader_s_format() -> None:
    evening = datetime(2026, 11, 25, 17, 30, tzinfo=UTC)  # 18:30 in Paris
    assert render(evening, "fr") == "25 novembre 2026 18:30 · 25/11/2026"
    assert render(evening, "en") == "25 November 2026, 18:30 · 25/11/2026"
