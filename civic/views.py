from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Literal, cast

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from civic.middleware import SESSION_LANGUAGE, account_language_follows_pick
from civic.models import District, Heartbeat
from civic.registry import home_tiles, links

logger = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "civic/home.html", {"tiles": home_tiles()})


def district_list(request: HttpRequest) -> HttpResponse:
    """The city's districts on a map (Leaflet, progressive) and in a table (works without JS)."""
    districts = list(District.objects.all())
    geojson = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": d.boundary,
                "properties": {"name": d.name, "code": d.code},
            }
            for d in districts
        ],
    }
    return render(request, "civic/districts.html", {"districts": districts, "geojson": geojson})


def legal_notice(request: HttpRequest) -> HttpResponse:
    return render(request, "civic/legal_notice.html")


def privacy_notice(request: HttpRequest) -> HttpResponse:
    return render(request, "civic/privacy_notice.html", {"privacy_links": links("privacy")})


def accessibility_statement(request: HttpRequest) -> HttpResponse:
    return render(request, "civic/accessibility.html")


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Works without JavaScript: each language is a submit button of one small form."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    response = redirect(next_url)
    if language in dict(settings.LANGUAGES):
        translation.activate(language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=cast(Literal["Lax", "Strict", "None"], settings.LANGUAGE_COOKIE_SAMESITE),
            secure=settings.LANGUAGE_COOKIE_SECURE,
        )
        request.session[SESSION_LANGUAGE] = language
        if request.user.is_authenticated:
            account_language_follows_pick(request, request.user)
    return response


def _broker_status() -> str:
    from civic.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        logger.warning("healthz: broker unreachable: %s", exc)
        return "unreachable"
    return "ok"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers; the broker and the worker heartbeat are reported."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        logger.error("healthz: database unreachable: %s", exc)
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    beat = Heartbeat.objects.filter(name="worker").first()
    worker: dict[str, object] = {"last_seen": None, "age_seconds": None, "fresh": False}
    if beat is not None:
        age = timezone.now() - beat.seen_at
        worker = {
            "last_seen": beat.seen_at.isoformat(),
            "age_seconds": int(age.total_seconds()),
            "fresh": age < timedelta(seconds=settings.CIVIC_HEARTBEAT_STALE_SECONDS),
        }
    return JsonResponse(
        {"status": "ok", "database": "ok", "broker": _broker_status(), "worker": worker}
    )


@csrf_exempt
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """Browsers post Content-Security-Policy violations here; we log them to clean the pages."""
    try:
        report = json.loads(request.body[:10_000] or b"{}")
    except (ValueError, RecursionError):
        return HttpResponse(status=400)
    if not isinstance(report, dict):  # [], 1, "x", null: not a report
        return HttpResponse(status=400)
    logger.warning("csp violation: %s", json.dumps(report.get("csp-report", report))[:2000])
    return HttpResponse(status=204)
