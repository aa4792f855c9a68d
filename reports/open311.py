"""Open311 GeoReport v2, as the specification says (http://wiki.open311.org/GeoReport_v2).

JSON lists are top-level arrays, XML has the spec's element names, dates are ISO-8601 with an
offset, errors are the spec's error list. Contact fields are never returned; ``media_url`` is
the blurred copy and only once it exists.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from civic.actors import Actor, Channel
from civic.authentication import api_client_for_key
from civic.city import city
from civic.errors import CivicError
from reports import services
from reports.models import OPEN311_OPEN, Category, Photo, Report, Update
from reports.registrations import API_SCOPE

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-01T00:00:00+00:00"
MAX_RESULTS = 1000
DEFAULT_DAYS = 90

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
        parent.text = str(value)


def _render(fmt: str, root: str, data: Any, *, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        element = ET.Element(root)
        _to_xml(element, data)
        body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, "utf-8")
        return HttpResponse(body, content_type="text/xml; charset=utf-8", status=status)
    return JsonResponse(data, safe=False, status=status, json_dumps_params={"ensure_ascii": False})


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    return _render(fmt, "errors", [{"code": status, "description": description}], status=status)


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


# --- Discovery and services -------------------------------------------------------------------


@require_GET
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    data = {
        "changeset": CHANGESET,
        "contact": city().contact_email,
        "key_service": _("Ask the city for an API key (ApiClient with the reports scope)."),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": request.build_absolute_uri("/open311/v2/"),
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return _render(fmt, "discovery", data)


def _language(request: HttpRequest) -> str:
    """Kept simple for clients: French, or English with ``?lang=en``."""
    return "en" if request.GET.get("lang", "").lower().startswith("en") else "fr"


def _service(category: Category, language: str = "fr") -> dict[str, Any]:
    return {
        "service_code": category.service_code,
        "service_name": category.localized("name", language),
        "description": category.localized("description", language),
        "metadata": bool(category.questions),
        "type": "realtime",
        "keywords": "",
        "group": category.localized("group", language),
    }


@require_GET
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    categories = Category.objects.filter(is_active=True)
    language = _language(request)
    return _render(fmt, "services", [_service(category, language) for category in categories])


_DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}


@require_GET
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    category = Category.objects.filter(service_code=code, is_active=True).first()
    if category is None:
        return _error(fmt, 404, _("There is no service with this code."))
    attributes = []
    questions = category.localized_questions(_language(request))
    for order, question in enumerate(questions, start=1):
        datatype = question.get("datatype", "string")
        attribute: dict[str, Any] = {
            "variable": True,
            "code": question.get("code"),
            "datatype": datatype if datatype in _DATATYPES else "string",
            "required": bool(question.get("required")),
            "datatype_description": question["help"],
            "order": order,
            "description": question["label"],
        }
        if question.get("values"):
            attribute["values"] = [
                {"key": value.get("key"), "name": value["name"]} for value in question["values"]
            ]
        attributes.append(attribute)
    data = {"service_code": category.service_code, "attributes": attributes}
    return _render(fmt, "service_definition", data)


# --- Requests ---------------------------------------------------------------------------------


def _requests_queryset() -> QuerySet[Report]:
    return (
        Report.objects.public()
        .select_related("category", "department")
        .prefetch_related(
            Prefetch(
                "updates",
                queryset=Update.objects.filter(is_public=True).exclude(text="").order_by("-id"),
                to_attr="public_notes",
            ),
            Prefetch(
                "photos",
                queryset=Photo.objects.filter(state=Photo.State.READY).exclude(image=""),
                to_attr="public_photos",
            ),
        )
    )


def _request(report: Report, request: HttpRequest) -> dict[str, Any]:
    notes = getattr(report, "public_notes", [])
    data: dict[str, Any] = {
        "service_request_id": report.pk,
        "status": "open" if report.status in OPEN311_OPEN else "closed",
        "status_notes": notes[0].text_in(_language(request)) if notes else None,
        "service_name": report.category.localized("name", _language(request)),
        "service_code": report.category.service_code,
        "description": report.description,
        "agency_responsible": report.department.name,
        "service_notice": None,
        "requested_datetime": _iso(report.created_at),
        "updated_datetime": _iso(report.updated_at),
        "expected_datetime": None,
        "address": report.address or None,
        "address_id": None,
        "zipcode": None,
        "lat": report.lat,
        "long": report.lon,
    }
    photos = getattr(report, "public_photos", [])
    if photos:
        path = reverse("reports:photo", kwargs={"pk": photos[0].pk, "kind": "image"})
        data["media_url"] = request.build_absolute_uri(path)
    return data


def _date(value: str) -> datetime | None:
    parsed = parse_datetime(value.replace(" ", "+"))  # a "+" unescaped in a query is a space
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _list(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.GET
    reports = _requests_queryset()
    if params.get("service_request_id"):
        ids = [part.strip() for part in params["service_request_id"].split(",")]
        if not all(part.isdigit() for part in ids):
            return _error(fmt, 400, _("service_request_id must be numbers separated by commas."))
        reports = reports.filter(pk__in=ids)
    else:
        try:
            end = _date(params["end_date"]) if params.get("end_date") else None
            start = _date(params["start_date"]) if params.get("start_date") else None
        except ValueError:
            return _error(fmt, 400, _("Dates must be ISO-8601, e.g. 2026-01-31T00:00:00Z."))
        if (params.get("end_date") and end is None) or (params.get("start_date") and start is None):
            return _error(fmt, 400, _("Dates must be ISO-8601, e.g. 2026-01-31T00:00:00Z."))
        if start is None:
            start = (end or timezone.now()) - timedelta(days=DEFAULT_DAYS)
        reports = reports.filter(created_at__gte=start)
        if end is not None:
            reports = reports.filter(created_at__lte=end)
        if params.get("service_code"):
            reports = reports.filter(category__service_code__in=params["service_code"].split(","))
        if params.get("status"):
            wanted = {part.strip() for part in params["status"].split(",")}
            if not wanted <= {"open", "closed"}:
                return _error(fmt, 400, _("status must be open or closed."))
            if wanted == {"open"}:
                reports = reports.filter(status__in=OPEN311_OPEN)
            elif wanted == {"closed"}:
                reports = reports.exclude(status__in=OPEN311_OPEN)
    reports = reports.order_by("-created_at", "-id")[:MAX_RESULTS]
    return _render(fmt, "service_requests", [_request(report, request) for report in reports])


def _float(value: str | None) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except ValueError:
        raise CivicError(_("lat and long must be decimal numbers.")) from None


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    data = request.POST
    client = api_client_for_key(data.get("api_key", "")) if data.get("api_key") else None
    if client is None or not client.has_scope(API_SCOPE):
        return _error(fmt, 403, _("A valid api_key with the reports scope is required."))
    category = Category.objects.filter(
        service_code=data.get("service_code", ""), is_active=True
    ).first()
    if category is None:
        return _error(fmt, 400, _("service_code is missing or unknown."))
    try:
        lat, lon = _float(data.get("lat")), _float(data.get("long"))
        if lat is None and not data.get("address_string", "").strip():
            return _error(fmt, 400, _("Give lat and long, or address_string."))
        name = " ".join(p for p in (data.get("first_name", ""), data.get("last_name", "")) if p)
        report = services.report_submit(
            actor=Actor(channel=Channel.API, api_client=client),
            category=category,
            description=data.get("description", ""),
            lat=lat,
            lon=lon,
            address=data.get("address_string", ""),
            district_required=False,
            answers={
                key[len("attribute[") : -1]: value
                for key, value in data.items()
                if key.startswith("attribute[") and key.endswith("]")
            },
            contact_email=data.get("email", ""),
            contact_name=name,
            contact_phone=data.get("phone", ""),
            client_media_url=data.get("media_url", "")[:500],
        )
    except CivicError as exc:
        return _error(fmt, exc.status_code, str(exc.message))
    return _render(
        fmt,
        "service_requests",
        [{"service_request_id": report.pk, "service_notice": "", "account_id": None}],
        status=201,
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    return _list(request, fmt)


@require_GET
def request_detail(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    report = _requests_queryset().filter(pk=pk).first()
    if report is None:
        return _error(fmt, 404, _("There is no public request with this id."))
    return _render(fmt, "service_requests", [_request(report, request)])
