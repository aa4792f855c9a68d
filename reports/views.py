"""Residents' pages: the report form (no JavaScript needed), the report page, emailed links."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civic.actors import Actor
from civic.errors import CivicError, NotFound
from civic.forms import draft_token
from civic.net import client_ip
from consent.views import reason_required
from reports import services
from reports.forms import (
    AreaAlertForm,
    ReportEditForm,
    ReportFilterForm,
    ReportForm,
)
from reports.models import Photo, Report
from reports.selectors import report_public_detail, reports_public_filtered
from reports.tiles import MAX_ZOOM, MIN_ZOOM, tile_geojson

# The session's reports just filed on a public terminal (read by the terminal's receipt).
FILED_AT_KIOSK = "reports_filed_at_kiosk"


def _rate_key(request: HttpRequest) -> str:
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return f"ip:{client_ip(request)}"


def _form_page(
    request: HttpRequest, form: ReportForm, photos: list[Photo], *, status: int, step: str = ""
) -> HttpResponse:
    context = {"form": form, "photos": photos, "step": step}
    return render(request, "reports/report_form.html", context, status=status)


def _photo_uploads(request: HttpRequest) -> list[tuple[Any, str, int | None]]:
    return [(upload, upload.name or "", upload.size) for upload in request.FILES.getlist("photos")]


@require_http_methods(["GET", "POST"])
def report_create(request: HttpRequest) -> HttpResponse:
    """The report form. A failed attempt keeps everything, photos included (server-side, under
    the form's token); addresses found, a photo's position, the category's questions and
    "already reported?" are offered on the way (``ReportForm.step``)."""
    draft = draft_token(request.POST.get("draft"))
    kiosk = getattr(request, "civic_terminal", None) is not None  # a public terminal
    if request.method != "POST":
        form = ReportForm(user=request.user, initial={"draft": draft}, kiosk=kiosk)
        return _form_page(request, form, [], status=200)
    already = services.report_for_idempotency_key(f"web:{draft}")
    if already is not None:  # the same form sent twice (a double click, a reload)
        return redirect(already) if already.is_public else redirect("reports:create")
    refusal = services.report_sending_refusal(
        honeypot=request.POST.get("website", ""), rate_key=_rate_key(request)
    )
    if refusal:  # before any photo is decoded: a robot or a flood costs no image work
        return _refused(request, draft, *refusal, kiosk=kiosk)
    remove = {int(pk) for pk in request.POST.getlist("remove_photos") if pk.isdigit()}
    kept = services.draft_photos_update(draft=draft, remove=remove, uploads=_photo_uploads(request))
    form = ReportForm.attempt(
        request.POST, draft=draft, user=request.user, photos=kept.photos, gps=kept.gps, kiosk=kiosk
    )
    step, status = form.step(kept.errors)
    if step:
        return _form_page(request, form, kept.photos, status=status, step=step)
    return _report_send(request, form, kept.photos, draft)


def _refused(
    request: HttpRequest, draft: str, status: int, message: str, *, kiosk: bool
) -> HttpResponse:
    photos = services.draft_photos(draft)
    form = ReportForm(
        {**request.POST.dict(), "draft": draft},
        user=request.user,
        draft_ids=tuple(photo.pk for photo in photos),
        kiosk=kiosk,
    )
    form.is_valid()
    form.add_error(None, message)
    return _form_page(request, form, photos, status=status, step="errors")


def _report_send(
    request: HttpRequest, form: ReportForm, photos: list[Photo], draft: str
) -> HttpResponse:
    category = form.category_object()
    assert category is not None  # ReportForm.step said the form is ready
    try:
        report = services.report_submit(
            actor=Actor.from_request(request), **form.submission(category), photos=photos,
            idempotency_key=f"web:{draft}", language=request.LANGUAGE_CODE,
        )  # fmt: skip
    except CivicError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _form_page(request, form, photos, status=400, step="errors")
    services.report_rate_count(_rate_key(request))
    if getattr(request, "civic_terminal", None) is not None and report.is_public:
        # The report's public page then shows the terminal's receipt (a QR code, a print).
        request.session[FILED_AT_KIOSK] = [*request.session.get(FILED_AT_KIOSK, [])[-9:], report.pk]
        messages.success(request, _("Thank you: your report is published."))
        return redirect(report)
    # A reload sends the form again: its idempotency key leads to the report's page.
    user = request.user
    following = user.is_authenticated and report.subscriptions.filter(user=user).exists()
    return render(request, "reports/report_sent.html", {"report": report, "following": following})


def report_list(request: HttpRequest) -> HttpResponse:
    """The public list with filters and pages; the map above it is added by JavaScript."""
    filters = ReportFilterForm(request.GET or None)
    reports = reports_public_filtered(filters.cleaned_data if filters.is_valid() else {})
    page = Paginator(reports, 20).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filters": filters, "page": page, "query": query.urlencode()}
    return render(request, "reports/report_list.html", context)


@require_GET
def map_tile(request: HttpRequest, z: int, x: int, y: int) -> HttpResponse:
    if not (MIN_ZOOM <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
        raise Http404
    body, version, cached = tile_geojson(z, x, y)
    etag = f'"{version}"'
    if request.headers.get("If-None-Match") == etag:
        return HttpResponse(status=304)
    response = HttpResponse(body, content_type="application/geo+json")
    response["ETag"] = etag
    response["X-Tile-Cache"] = "hit" if cached else "miss"  # for operators and bench/
    response["Cache-Control"] = "public, max-age=60"
    return response


def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_public_detail(pk)
    if report is None:
        raise Http404
    user = request.user
    context: dict[str, Any] = {
        "report": report,
        "is_author": user.is_authenticated and report.reporter_id == user.pk,
        "is_following": user.is_authenticated
        and report.subscriptions.filter(user=user, paused=False).exists(),
        "has_supported": user.is_authenticated and report.supports.filter(user=user).exists(),
        "can_edit": timezone.now() - report.created_at
        < timedelta(minutes=services.EDIT_WINDOW_MINUTES),
    }
    return render(request, "reports/report_detail.html", context)


def _public_report(pk: int) -> Report:
    report = get_object_or_404(Report.objects.public(), pk=pk)
    return report


@login_required
@require_POST
def report_follow(request: HttpRequest, pk: int) -> HttpResponse:
    report = _public_report(pk)
    actor = Actor.from_request(request)
    if request.POST.get("action") == "unfollow":
        services.report_unfollow(actor=actor, report=report)
        messages.success(request, _("You no longer follow this report."))
    else:
        services.report_follow(actor=actor, report=report)
        messages.success(request, _("You follow this report: we will email you its news."))
    return redirect(report)


@login_required
@require_POST
def report_support(request: HttpRequest, pk: int) -> HttpResponse:
    report = _public_report(pk)
    try:
        services.report_support(actor=Actor.from_request(request), report=report)
    except CivicError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you: your support is counted."))
    return redirect(report)


@require_POST
def report_author_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw, or hide one's name: by the signed-in author, or with the emailed manage link."""
    report = get_object_or_404(Report, pk=pk)
    token = request.POST.get("token", "")
    actor = Actor.from_request(request)
    try:
        by_link = bool(token) and services.report_for_token(token, manage=True).pk == report.pk
        if request.POST.get("action") == "withdraw":
            services.report_withdraw(actor=actor, report=report, manage_token_ok=by_link)
            messages.success(request, _("Your report is withdrawn: it is no longer public."))
            return redirect("reports:create")
        services.report_name_hide(actor=actor, report=report, manage_token_ok=by_link)
        messages.success(request, _("Your name is no longer shown."))
    except CivicError as exc:
        if exc.status_code == 403:
            raise PermissionDenied from exc
        if exc.status_code == 404:  # a forged or foreign manage link
            raise Http404 from exc
        messages.error(request, exc.message)
    return redirect(report) if report.is_public else redirect("reports:create")


@require_http_methods(["GET", "POST"])
def report_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        report = services.report_for_token(token)
    except CivicError as exc:
        raise Http404 from exc
    if report.status == "hidden":
        raise Http404
    if request.method == "POST":
        report = services.report_confirm(actor=Actor.from_request(request), report=report)
        messages.success(request, _("Thank you: your report is published."))
        return redirect(report)
    return render(request, "reports/report_confirm.html", {"report": report})


def report_manage(request: HttpRequest, token: str) -> HttpResponse:
    try:
        report = services.report_for_token(token, manage=True)
    except CivicError:  # expired (or never valid): say where to ask for fresh links
        return render(request, "reports/manage_link_expired.html", status=404)
    if not report.is_public:
        raise Http404
    return render(request, "reports/report_manage.html", {"report": report, "token": token})


def photo_public(request: HttpRequest, pk: int, kind: str) -> FileResponse:
    """A blurred copy, only while its report is public (a hidden report's photos vanish too)."""
    photo = get_object_or_404(Photo.objects.select_related("report"), pk=pk)
    if not photo.is_public or photo.report is None or not photo.report.is_public:
        raise Http404
    field = photo.thumbnail if kind == "thumb" else photo.image
    response = FileResponse(field.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=300"
    return response


def _photo_for_staff(request: HttpRequest, pk: int) -> Photo:
    photo = get_object_or_404(Photo.objects.select_related("report"), pk=pk)
    user = request.user
    if not (
        user.is_authenticated and user.is_staff and user.has_perm("reports.view_unblurred_photo")
    ):
        raise PermissionDenied
    if photo.report is None or not photo.original:
        raise Http404
    visible = Report.objects.filter(services.reports_visible_to(user), pk=photo.report.pk)
    if not visible.exists():
        raise PermissionDenied
    return photo


def _photo_owner(request: HttpRequest, pk: int) -> Any:
    photo = Photo.objects.select_related("report__reporter").filter(pk=pk).first()
    if photo is None or photo.report is None:
        return None
    return photo.report.reporter or photo.report.contact_email or None


@reason_required(what=gettext_lazy("unblurred photo of a report"), person=_photo_owner)
def _photo_original_served(request: HttpRequest, pk: int) -> Any:
    photo = Photo.objects.get(pk=pk)
    response = FileResponse(photo.original.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


def photo_original(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff only, each opening recorded with its reason (checks before the reason is asked)."""
    _photo_for_staff(request, pk)
    return _photo_original_served(request, pk)


@require_http_methods(["GET", "POST"])
def fixed_question(request: HttpRequest, token: str) -> HttpResponse:
    """From the "is it fixed?" email: two buttons (a POST, so link scanners change nothing)."""
    try:
        report = services.report_for_question_token(token)
    except CivicError as exc:
        raise Http404 from exc
    if request.method == "POST":
        fixed = request.POST.get("answer") == "fixed"
        actor = Actor.from_request(request)
        services.fixed_question_answer(actor=actor, report=report, fixed=fixed)
        messages.success(request, _("Thank you for your answer."))
        return redirect(report)
    return render(request, "reports/fixed_question.html", {"report": report})


@require_http_methods(["GET", "POST"])
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The author corrects the description within 30 minutes (signed in, or the manage link)."""
    report = get_object_or_404(Report.objects.public(), pk=pk)
    token = request.POST.get("token") or request.GET.get("token", "")
    try:
        by_link = bool(token) and services.report_for_token(token, manage=True).pk == report.pk
    except NotFound:
        raise Http404 from None  # a made-up link, or one of another kind
    user = request.user
    if not by_link and not (user.is_authenticated and report.reporter_id == user.pk):
        raise PermissionDenied
    form = ReportEditForm(
        request.POST or None, initial={"description": report.description, "token": token}
    )
    if form.is_valid():
        try:
            services.report_edit(
                actor=Actor.from_request(request),
                report=report,
                description=form.cleaned_data["description"],
                manage_token_ok=by_link,
            )
        except CivicError as exc:
            form.add_error("description" if exc.field else None, exc.message)
        else:
            messages.success(request, _("Your report is corrected."))
            return redirect(report)
    status = 400 if form.errors else 200
    return render(
        request, "reports/report_edit.html", {"form": form, "report": report}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def area_alerts(request: HttpRequest) -> HttpResponse:
    """A daily email of new reports in a district or around a point; stop any alert here."""
    actor = Actor.from_request(request)
    form = AreaAlertForm(request.POST if request.POST.get("action") == "add" else None)
    if request.POST.get("action") == "delete":
        request.user.report_alerts.filter(pk=request.POST.get("alert", 0)).delete()  # type: ignore[union-attr]
        messages.success(request, _("The alert is stopped."))
        return redirect("reports:alerts")
    if form.is_valid() and not form.searching:
        data = form.cleaned_data
        try:
            services.area_alert_create(
                actor=actor,
                district=data.get("district"),
                lat=data.get("lat"),
                lon=data.get("lon"),
                radius_m=data.get("radius_m") or 500,
            )
        except CivicError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Alert created: you will receive a daily digest."))
            return redirect("reports:alerts")
    alerts = request.user.report_alerts.select_related("district")  # type: ignore[union-attr]
    status = 400 if form.errors else 200
    return render(
        request, "reports/area_alerts.html", {"form": form, "alerts": alerts}, status=status
    )
