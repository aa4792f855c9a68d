"""``POST /api/reports/`` for apps: multipart, an API key or anonymous (10 an hour per IP)."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import IntegrityError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import get_authorization_header
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from civic.actors import Actor, Channel
from civic.authentication import AnonThrottle, ClientThrottle
from civic.errors import InvalidInput, NotAllowed
from civic.models import ApiClient
from civic.net import client_ip
from civic.photos import photo_clean
from reports import services
from reports.attributes import answers_parse, has_control_characters
from reports.models import Category, Report
from reports.registrations import API_SCOPE


class ReportsAnonThrottle(AnonThrottle):
    """Anonymous apps: 10 reports an hour per client IP (``CIVIC_REPORTS_ANON_RATE``)."""

    scope = "reports_anon"

    def get_rate(self) -> str | None:
        return getattr(settings, "CIVIC_REPORTS_ANON_RATE", "10/hour")


def _no_control_characters(value: str) -> None:
    if has_control_characters(value):
        raise serializers.ValidationError(_("This text holds characters that are not allowed."))


class ReportCreateApi(APIView):
    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = [ReportsAnonThrottle, ClientThrottle]

    class InputSerializer(serializers.Serializer):
        category = serializers.CharField(help_text="The category's Open311 service_code.")
        lat = serializers.FloatField(required=False)
        lon = serializers.FloatField(required=False)
        address = serializers.CharField(
            required=False, allow_blank=True, max_length=255, validators=[_no_control_characters]
        )
        description = serializers.CharField(max_length=5000, validators=[_no_control_characters])
        photos = serializers.ListField(
            child=serializers.FileField(), required=False, max_length=services.MAX_PHOTOS
        )
        email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
        name = serializers.CharField(
            required=False, allow_blank=True, max_length=150, validators=[_no_control_characters]
        )
        phone = serializers.CharField(
            required=False, allow_blank=True, max_length=40, validators=[_no_control_characters]
        )
        show_name = serializers.BooleanField(required=False, default=False)

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        status = serializers.CharField(help_text="open, or unconfirmed until the email link.")
        url = serializers.URLField()

    def perform_authentication(self, request: Request) -> None:
        """An ``Authorization`` header that no scheme read (``Bearer …``) is refused (401), not
        taken as anonymous: a client that believes it sends a key learns that it does not."""
        super().perform_authentication(request)
        if request.auth is None and get_authorization_header(request):
            raise exceptions.AuthenticationFailed(
                _("Send the header as: Authorization: Api-Key <key>.")
            )

    def _output(self, request: Request, report: Report) -> dict[str, Any]:
        return {
            "id": report.pk,
            "status": report.status,
            "url": request.build_absolute_uri(report.get_absolute_url()),
        }

    def _idempotency_key(self, request: Request) -> str:
        header = request.headers.get("Idempotency-Key", "").strip()
        if not header:
            return ""
        if isinstance(request.auth, ApiClient):
            ident = f"client-{request.auth.pk}"
        else:
            ident = f"ip-{client_ip(request._request)}"
        return f"api:{ident}:{header}"

    @extend_schema(
        operation_id="reports_create",
        request={"multipart/form-data": InputSerializer},
        responses={201: OutputSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="Sending the same key again returns the first report.",
            )
        ],
        description=(
            "File a report. With an API key it is published at once; without one, at most 10 an "
            "hour per IP, and with an email it waits for the emailed confirmation link. "
            "Extra answers go in `attribute[code]` fields."
        ),
    )
    def post(self, request: Request) -> Response:
        if request.auth is not None and not (
            isinstance(request.auth, ApiClient) and request.auth.has_scope(API_SCOPE)
        ):
            raise NotAllowed(_("This API key has no reports scope."))
        key = self._idempotency_key(request)
        if key:
            existing = services.report_for_idempotency_key(key)
            if existing is not None:
                return Response(self._output(request, existing), status=status.HTTP_201_CREATED)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        category = Category.objects.filter(service_code=data["category"], is_active=True).first()
        if category is None:
            raise InvalidInput(_("This category does not exist."), field="category")
        answers = answers_parse(request.data, category)  # before any photo is kept
        draft = secrets.token_urlsafe(24)
        photos = [
            services.photo_store_draft(
                clean=photo_clean(upload, name=upload.name or "", size=upload.size),
                draft=draft,
                position=position,
            )
            for position, upload in enumerate(data.get("photos", []))
        ]
        try:
            report = services.report_submit(
                actor=Actor.from_request(request, channel=Channel.API),
                category=category,
                description=data["description"],
                lat=data.get("lat"),
                lon=data.get("lon"),
                address=data.get("address", ""),
                district_required=False,
                answers=answers,
                contact_email=data.get("email", ""),
                contact_name=data.get("name", ""),
                contact_phone=data.get("phone", ""),
                show_name=data.get("show_name", False),
                photos=photos,
                idempotency_key=key,
                language=getattr(request, "LANGUAGE_CODE", None),
            )
        except IntegrityError:  # the same key sent twice at once: the first one won
            report = services.report_for_idempotency_key(key)  # type: ignore[assignment]
        return Response(self._output(request, report), status=status.HTTP_201_CREATED)
