"""The core API: open data on districts, error bodies, and the API-key security scheme."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from civic.errors import CivicError
from civic.models import District


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "civic.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`, from `manage.py create_api_key`.",
        }


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every API error has one shape: ``{"error": {"code", "message", "fields"}}``."""
    if isinstance(exc, CivicError):
        fields = {exc.field: [str(exc.message)]} if exc.field else {}
        body = {"error": {"code": exc.code, "message": str(exc.message), "fields": fields}}
        return Response(body, status=exc.status_code)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    if isinstance(exc, exceptions.ValidationError):
        fields = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        message = _("Some fields are invalid.")
        code = "invalid"
    else:
        fields = {}
        message = str(detail.get("detail", detail)) if isinstance(detail, dict) else str(detail)
        code = getattr(exc, "default_code", "error")
        if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS:
            code = "throttled"
    response.data = {"error": {"code": code, "message": message, "fields": fields}}
    return response


class DistrictListApi(APIView):
    """The districts of the city as open data: no key needed (a key only lifts the rate limit)."""

    @extend_schema_serializer(component_name="District")
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        code = serializers.CharField()
        name = serializers.CharField()
        population = serializers.IntegerField(allow_null=True)
        boundary = serializers.JSONField(help_text="GeoJSON Polygon or MultiPolygon, WGS84.")

    @extend_schema(operation_id="districts_list", responses=OutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        districts = District.objects.order_by("name")
        return Response(self.OutputSerializer(districts, many=True).data)
