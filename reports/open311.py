"""Open311 GeoReport v2, as the specification says (http://wiki.open311.org/GeoReport_v2),
served through DRF: throttled like the rest of the API and described in the OpenAPI schema.

JSON lists are top-level arrays, XML has the spec's element names (``reports.renderers``), dates
are ISO-8601 with an offset, errors are the spec's error list, whatever went wrong (a missing
key is a 403 with that list, never DRF's 401). The format is the URL's suffix. Contact fields
are never returned; ``media_url`` is the blurred copy and only once it exists.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Prefetch, QuerySet
from django.http import HttpResponseNotAllowed, QueryDict
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import exceptions, serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView, set_rollback

from civic.actors import Actor, Channel
from civic.authentication import api_client_for_key
from civic.city import city
from civic.errors import CivicError, InvalidInput, NotAllowed, NotFound
from civic.models import ApiClient
from reports import services
from reports.attributes import answers_parse, has_control_characters
from reports.models import OPEN311_OPEN, Category, Photo, Report, Update
from reports.registrations import API_SCOPE
from reports.renderers import Open311JSONRenderer, Open311XMLRenderer, SuffixNegotiation

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-01T00:00:00+00:00"
MAX_RESULTS = 1000
DEFAULT_DAYS = 90
MAX_ID = 2**63 - 1  # ids are 64-bit (BigAutoField): a larger number names no request


# --- The DRF plumbing: key, errors, formats ---------------------------------------------------


def _form(request: Request) -> QueryDict:
    """The posted fields; a body in another format carries no fields (and so no key)."""
    try:
        data = request.data
    except (exceptions.UnsupportedMediaType, exceptions.ParseError):
        return QueryDict()
    return data if isinstance(data, QueryDict) else QueryDict()


class Open311KeyAuthentication(BaseAuthentication):
    """``api_key`` where Open311 clients send it: a posted field, or the query of a GET. An
    unknown key leaves the request anonymous; the view answers 403 in the spec's format when it
    needs a key, so this never challenges."""

    def authenticate(self, request: Request) -> tuple[Any, ApiClient] | None:
        source = _form(request) if request.method == "POST" else request.query_params
        key = source.get("api_key", "")
        client = api_client_for_key(key) if key else None
        return None if client is None else (AnonymousUser(), client)


class Open311KeyScheme(OpenApiAuthenticationExtension):
    target_class = "reports.open311.Open311KeyAuthentication"
    name = "Open311ApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "query",
            "name": "api_key",
            "description": "An API key with the reports scope; POST sends it as a form field.",
        }


def _errors(status: int, description: str, **headers: str) -> Response:
    return Response([{"code": status, "description": description}], status=status, headers=headers)


def exception_handler(exc: Exception, context: dict[str, Any]) -> HttpResponseBase | None:
    """Every refusal as the spec's error list (a 405 stays Django's empty answer, as before)."""
    if isinstance(exc, exceptions.MethodNotAllowed):
        return HttpResponseNotAllowed(context["view"].allowed_methods)
    if isinstance(exc, CivicError):
        response = _errors(exc.status_code, str(exc.message))
    elif isinstance(exc, exceptions.Throttled):
        seconds = getattr(exc, "wait", None)
        wait = {"Retry-After": str(math.ceil(seconds))} if seconds is not None else {}
        response = _errors(exc.status_code, str(exc.detail), **wait)
    elif isinstance(exc, exceptions.APIException):
        response = _errors(exc.status_code, str(exc.detail))
    else:
        return None
    set_rollback()
    return response


class Open311View(APIView):
    authentication_classes = [Open311KeyAuthentication]
    parser_classes = [FormParser, MultiPartParser]
    renderer_classes = [Open311JSONRenderer, Open311XMLRenderer]
    content_negotiation_class = SuffixNegotiation
    http_method_names = ["get", "head"]
    xml_root = ""

    def get_exception_handler(self) -> Any:
        return exception_handler

    def get_format_suffix(self, **kwargs: Any) -> str | None:
        return kwargs.get("fmt")


FORMAT = OpenApiParameter(
    "fmt",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    enum=["json", "xml"],
    description="The answer's format: `.json` or `.xml`.",
)
LANG = OpenApiParameter(
    "lang",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    description="`en` for English names and notes; French otherwise.",
)
ERRORS = OpenApiResponse(
    inline_serializer(
        "Open311Error",
        {"code": serializers.IntegerField(), "description": serializers.CharField()},
        many=True,
    ),
    description="The spec's error list.",
)


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def _language(request: Request) -> str:
    """Kept simple for clients: French, or English with ``?lang=en``."""
    return "en" if request.query_params.get("lang", "").lower().startswith("en") else "fr"


# --- Discovery and services -------------------------------------------------------------------


class DiscoveryApi(Open311View):
    xml_root = "discovery"

    @extend_schema(
        operation_id="open311_discovery",
        tags=["open311"],
        parameters=[FORMAT],
        responses=inline_serializer(
            "Open311Discovery",
            {
                "changeset": serializers.CharField(),
                "contact": serializers.CharField(),
                "key_service": serializers.CharField(),
                "endpoints": inline_serializer(
                    "Open311Endpoint",
                    {
                        "specification": serializers.URLField(),
                        "url": serializers.URLField(),
                        "changeset": serializers.CharField(),
                        "type": serializers.CharField(),
                        "formats": serializers.ListField(child=serializers.CharField()),
                    },
                    many=True,
                ),
            },
        ),
        description="Where the GeoReport v2 endpoints are and how to get a key.",
    )
    def get(self, request: Request, fmt: str) -> Response:
        return Response(
            {
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
        )


class ServiceSerializer(serializers.Serializer):
    service_code = serializers.CharField()
    service_name = serializers.CharField()
    description = serializers.CharField()
    metadata = serializers.BooleanField(help_text="Whether the service has attributes.")
    type = serializers.CharField()
    keywords = serializers.CharField()
    group = serializers.CharField()


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


class ServiceListApi(Open311View):
    xml_root = "services"

    @extend_schema(
        operation_id="open311_services",
        tags=["open311"],
        parameters=[FORMAT, LANG],
        responses=ServiceSerializer(many=True),
        description="The active categories, as Open311 services.",
    )
    def get(self, request: Request, fmt: str) -> Response:
        categories = Category.objects.filter(is_active=True)
        language = _language(request)
        return Response([_service(category, language) for category in categories])


_DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}


class ServiceDefinitionSerializer(serializers.Serializer):
    class AttributeSerializer(serializers.Serializer):
        variable = serializers.BooleanField()
        code = serializers.CharField()
        datatype = serializers.ChoiceField(choices=sorted(_DATATYPES))
        required = serializers.BooleanField()  # type: ignore[assignment]  # the spec's name
        datatype_description = serializers.CharField()
        order = serializers.IntegerField()
        description = serializers.CharField()
        values = inline_serializer(
            "Open311AttributeValue",
            {"key": serializers.CharField(), "name": serializers.CharField()},
            many=True,
            required=False,
        )

    service_code = serializers.CharField()
    attributes = AttributeSerializer(many=True)


class ServiceDefinitionApi(Open311View):
    xml_root = "service_definition"

    @extend_schema(
        operation_id="open311_service_definition",
        tags=["open311"],
        parameters=[FORMAT, LANG],
        responses={200: ServiceDefinitionSerializer, 404: ERRORS},
        description="A service's attributes: answer them as `attribute[code]` when posting.",
    )
    def get(self, request: Request, code: str, fmt: str) -> Response:
        category = Category.objects.filter(service_code=code, is_active=True).first()
        if category is None:
            raise NotFound(_("There is no service with this code."))
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
        return Response({"service_code": category.service_code, "attributes": attributes})


# --- Requests ---------------------------------------------------------------------------------


class RequestSerializer(serializers.Serializer):
    service_request_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["open", "closed"])
    status_notes = serializers.CharField(allow_null=True)
    service_name = serializers.CharField()
    service_code = serializers.CharField()
    description = serializers.CharField()
    agency_responsible = serializers.CharField()
    service_notice = serializers.CharField(allow_null=True)
    requested_datetime = serializers.DateTimeField()
    updated_datetime = serializers.DateTimeField()
    expected_datetime = serializers.DateTimeField(allow_null=True)
    address = serializers.CharField(allow_null=True)
    address_id = serializers.CharField(allow_null=True)
    zipcode = serializers.CharField(allow_null=True)
    lat = serializers.FloatField(allow_null=True)
    long = serializers.FloatField(allow_null=True)
    media_url = serializers.URLField(required=False, help_text="The blurred photo, once ready.")


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


def _request(report: Report, request: Request) -> dict[str, Any]:
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
    """The moment, or None for anything else, including moments too close to the ends of the
    calendar for the default window or the database's UTC."""
    try:
        parsed = parse_datetime(value.replace(" ", "+"))  # a "+" unescaped in a query is a space
        if parsed is not None and timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        if parsed is not None:
            (parsed.astimezone(UTC) - timedelta(days=DEFAULT_DAYS)) + timedelta(days=DEFAULT_DAYS)
            parsed.astimezone(UTC) + timedelta(days=1)
    except (ValueError, OverflowError):
        return None
    # In UTC: PostgreSQL refuses offsets Python takes (up to ±23:59; its own stop near ±16h).
    return parsed.astimezone(UTC) if parsed is not None else None


def _list(request: Request) -> list[dict[str, Any]]:
    params = request.query_params
    reports = _requests_queryset()
    if params.get("service_request_id"):
        ids = [part.strip() for part in params["service_request_id"].split(",")]
        if not all(part.isascii() and part.isdigit() for part in ids):
            raise InvalidInput(_("service_request_id must be numbers separated by commas."))
        if any(int(part) > MAX_ID for part in ids):
            raise InvalidInput(_("service_request_id holds a number too large to be an id."))
        reports = reports.filter(pk__in=[int(part) for part in ids])
    else:
        bad_date = InvalidInput(_("Dates must be ISO-8601, e.g. 2026-01-31T00:00:00Z."))
        end = _date(params["end_date"]) if params.get("end_date") else None
        start = _date(params["start_date"]) if params.get("start_date") else None
        if (params.get("end_date") and end is None) or (params.get("start_date") and start is None):
            raise bad_date
        if start is None:
            start = (end or timezone.now()) - timedelta(days=DEFAULT_DAYS)
        reports = reports.filter(created_at__gte=start)
        if end is not None:
            reports = reports.filter(created_at__lte=end)
        if params.get("service_code"):
            codes = params["service_code"].split(",")
            # A code no category can have is not looked up (PostgreSQL refuses a NUL).
            codes = [code for code in codes if not has_control_characters(code)]
            reports = reports.filter(category__service_code__in=codes)
        if params.get("status"):
            wanted = {part.strip() for part in params["status"].split(",")}
            if not wanted <= {"open", "closed"}:
                raise InvalidInput(_("status must be open or closed."))
            if wanted == {"open"}:
                reports = reports.filter(status__in=OPEN311_OPEN)
            elif wanted == {"closed"}:
                reports = reports.exclude(status__in=OPEN311_OPEN)
    reports = reports.order_by("-created_at", "-id")[:MAX_RESULTS]
    return [_request(report, request) for report in reports]


def _float(value: str | None) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except ValueError:
        raise InvalidInput(_("lat and long must be decimal numbers.")) from None


_TEXTS = ("description", "address_string", "first_name", "last_name", "phone", "email", "media_url")


def _max(field: str) -> int:
    return int(getattr(Report._meta.get_field(field), "max_length", 0))


def _texts(data: QueryDict) -> dict[str, str]:
    """The posted texts, refused (400, never a failure when stored or emailed) when they hold
    control characters or exceed the columns they go to; ``name`` joins the two names."""
    fields = {name: data.get(name, "") for name in _TEXTS}
    for field, value in fields.items():
        if has_control_characters(value):
            raise InvalidInput(
                _("%(field)s holds characters that are not allowed.") % {"field": field}
            )
    too_long = _("%(field)s is too long (at most %(n)s characters).")
    for field, column in (("address_string", "address"), ("phone", "contact_phone")):
        if len(fields[field].strip()) > _max(column):
            raise InvalidInput(too_long % {"field": field, "n": _max(column)})
    fields["name"] = " ".join(p for p in (fields["first_name"], fields["last_name"]) if p)
    if len(fields["name"].strip()) > _max("contact_name"):
        raise InvalidInput(
            _("first_name and last_name together are too long (at most %(n)s characters).")
            % {"n": _max("contact_name")}
        )
    fields["email"] = fields["email"].strip()
    if fields["email"]:
        try:
            validate_email(fields["email"])
            valid = len(fields["email"]) <= _max("contact_email")
        except ValidationError:
            valid = False
        if not valid:
            raise InvalidInput(_("email is not a valid email address."))
    return fields


def _create(request: Request) -> Report:
    data = _form(request)
    client = request.auth
    if not isinstance(client, ApiClient) or not client.has_scope(API_SCOPE):
        raise NotAllowed(_("A valid api_key with the reports scope is required."))
    code = data.get("service_code", "")
    category = (
        None
        if has_control_characters(code)
        else Category.objects.filter(service_code=code, is_active=True).first()
    )
    if category is None:
        raise InvalidInput(_("service_code is missing or unknown."))
    lat, lon = _float(data.get("lat")), _float(data.get("long"))
    if lat is None and not data.get("address_string", "").strip():
        raise InvalidInput(_("Give lat and long, or address_string."))
    fields = _texts(data)
    answers = answers_parse(data, category)
    return services.report_submit(
        actor=Actor(channel=Channel.API, api_client=client),
        category=category,
        description=fields["description"],
        lat=lat,
        lon=lon,
        address=fields["address_string"],
        district_required=False,
        answers=answers,
        contact_email=fields["email"],
        contact_name=fields["name"],
        contact_phone=fields["phone"],
        client_media_url=fields["media_url"][:500],
    )


class RequestsApi(Open311View):
    xml_root = "service_requests"
    http_method_names = ["get", "head", "post"]

    @extend_schema(
        operation_id="open311_requests_list",
        tags=["open311"],
        parameters=[
            FORMAT,
            LANG,
            OpenApiParameter(
                "service_request_id",
                OpenApiTypes.STR,
                description="Ids separated by commas; the other filters are then ignored.",
            ),
            OpenApiParameter("service_code", OpenApiTypes.STR, description="Codes, by commas."),
            OpenApiParameter("status", OpenApiTypes.STR, description="`open`, `closed`, both."),
            OpenApiParameter(
                "start_date",
                OpenApiTypes.DATETIME,
                description=f"Default: {DEFAULT_DAYS} days ago.",
            ),
            OpenApiParameter("end_date", OpenApiTypes.DATETIME),
        ],
        responses={200: RequestSerializer(many=True), 400: ERRORS},
        description=f"Public requests, newest first, at most {MAX_RESULTS}.",
    )
    def get(self, request: Request, fmt: str) -> Response:
        return Response(_list(request))

    @extend_schema(
        operation_id="open311_requests_create",
        tags=["open311"],
        parameters=[FORMAT],
        request={
            "application/x-www-form-urlencoded": inline_serializer(
                "Open311RequestInput",
                {
                    "api_key": serializers.CharField(),
                    "service_code": serializers.CharField(),
                    "lat": serializers.FloatField(required=False),
                    "long": serializers.FloatField(required=False),
                    "address_string": serializers.CharField(required=False),
                    "description": serializers.CharField(),
                    "email": serializers.EmailField(required=False),
                    "first_name": serializers.CharField(required=False),
                    "last_name": serializers.CharField(required=False),
                    "phone": serializers.CharField(required=False),
                    "media_url": serializers.URLField(required=False),
                },
            )
        },
        responses={
            201: inline_serializer(
                "Open311Created",
                {
                    "service_request_id": serializers.IntegerField(),
                    "service_notice": serializers.CharField(),
                    "account_id": serializers.CharField(allow_null=True),
                },
                many=True,
            ),
            400: ERRORS,
            403: ERRORS,
        },
        description="File a request (published at once). Answers go in `attribute[code]`.",
    )
    def post(self, request: Request, fmt: str) -> Response:
        report = _create(request)
        created = [{"service_request_id": report.pk, "service_notice": "", "account_id": None}]
        return Response(created, status=201)


class RequestDetailApi(Open311View):
    xml_root = "service_requests"

    @extend_schema(
        operation_id="open311_request",
        tags=["open311"],
        parameters=[FORMAT, LANG],
        responses={200: RequestSerializer(many=True), 404: ERRORS},
        description="One public request, in a list as the spec says.",
    )
    def get(self, request: Request, pk: int, fmt: str) -> Response:
        report = _requests_queryset().filter(pk=pk).first() if int(pk) <= MAX_ID else None
        if report is None:
            raise NotFound(_("There is no public request with this id."))
        return Response([_request(report, request)])
