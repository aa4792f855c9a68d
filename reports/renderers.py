"""Open311's two formats as DRF renderers, and the negotiation that picks one by URL suffix.

The bytes are the ones Open311 clients were given before the move to DRF (pinned by
``tests/reports/test_open311_golden.py``): JSON as Django's ``JsonResponse`` writes it, XML with
the spec's element names under a root the view names, errors under ``<errors>``.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from rest_framework.negotiation import BaseContentNegotiation, DefaultContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

# Element names of list items in XML, by the name of the list.
_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}

# XML 1.0 forbids these (tab, newline and carriage return excepted): a row stored with one
# before they were refused must not make a whole list unreadable, so the output drops them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value: str) -> str:
    return _NOT_XML.sub("", value)


def _to_xml(parent: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _to_xml(ET.SubElement(parent, key), item)
    elif isinstance(value, list):
        tag = _ITEMS.get(parent.tag, "item")
        for item in value:
            _to_xml(ET.SubElement(parent, tag), item)
    elif value is None:
        return
    elif isinstance(value, bool):
        parent.text = "true" if value else "false"
    else:
        parent.text = xml_text(str(value))


class Open311JSONRenderer(BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = None  # the header says "application/json", as before

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).encode()


class Open311XMLRenderer(BaseRenderer):
    """The root element is the view's ``xml_root``, or ``errors`` for an error."""

    media_type = "text/xml"
    format = "xml"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        context = renderer_context or {}
        response = context.get("response")
        failed = response is not None and response.status_code >= 400
        root = "errors" if failed else getattr(context.get("view"), "xml_root", "response")
        element = ET.Element(root)
        _to_xml(element, data)
        return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, "utf-8")


class SuffixNegotiation(BaseContentNegotiation):
    """The format is the URL's suffix, whatever the ``Accept`` header says (no 406)."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        return DefaultContentNegotiation().select_parser(request, parsers)

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderers = list(renderers)
        renderer = next((r for r in renderers if r.format == format_suffix), renderers[0])
        return renderer, renderer.media_type
