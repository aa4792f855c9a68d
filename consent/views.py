"""Staff-facing helpers for access that needs a stated reason."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from civic.actors import Actor, Channel
from civic.city import city
from civic.errors import CivicError, NotFound
from civic.mail import email_send_templated
from civic.registry import links
from consent import registry, selectors, services
from consent.exports import FORMAT, sections_for
from consent.forms import AccessReasonForm, AccountDeleteForm, PrivateModeForm
from consent.models import AccessLog, ConsentEvent, LegalBasis, Purpose

if TYPE_CHECKING:
    from civic.models import User

View = Callable[..., HttpResponse]


def reason_required(
    *, what: Any, person: Callable[..., User | str | None], channel: str = Channel.STAFF
) -> Callable[[View], View]:
    """Ask a free-text reason before the view runs, and record it in the person's access log.

    Only for exports and unblurred photos: ordinary change pages log without asking. The view
    runs on the POST that carries the reason (``request.access_reason`` holds it), so a download
    is served in answer to the form. Put access checks *outside* this decorator: nobody should
    be asked a reason for something they may not see. ``person(request, *args, **kwargs)``
    returns whose data it is: their account, or the contact email of someone without one.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            owner = person(request, *args, **kwargs)
            has_reason = request.method == "POST" and "consent_access_reason" in request.POST
            form = AccessReasonForm(request.POST if has_reason else None)
            if form.is_valid():
                reason = form.cleaned_data["consent_access_reason"]
                subject = services.subject_of_owner(owner)
                if subject is not None:  # data of nobody known (an anonymous report): no log
                    actor = Actor(channel=channel, user=request.user)  # type: ignore[arg-type]
                    AccessLog.record(
                        actor=actor, subject=subject, what=what, why=reason, channel=channel
                    )
                request.access_reason = reason  # type: ignore[attr-defined]
                return view(request, *args, **kwargs)
            return render(
                request,
                "consent/reason_form.html",
                {"form": form, "what": what, "title": what},
                status=400 if has_reason else 200,
            )

        return wrapper

    return decorator


# --- "My data": what a resident sees ---------------------------------------------------------


def _actor(request: HttpRequest) -> Actor:
    """The person acting on their own data: on the web, or at a kiosk terminal (its channel)."""
    actor = Actor.from_request(request)
    if actor.channel == Channel.STAFF:  # a staff member's own data is theirs as a resident
        actor = dataclasses.replace(actor, channel=Channel.WEB)
    return actor


@login_required
@never_cache
def my_data(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    user = request.user
    subject = selectors.subject_of_user(user)  # type: ignore[arg-type]
    state = selectors.consent_state(subject)
    sections = sections_for(user)  # type: ignore[arg-type]
    purposes = [
        {"purpose": purpose, "latest": state.get(purpose.code)}
        for purpose in selectors.purposes_for_choice()
    ]
    context = {
        "sections": sections,
        "purposes": purposes,
        "events": selectors.my_consent_events(actor=actor).order_by("-seq")[:100],
        "accesses": selectors.access_lines(selectors.my_access_log(actor=actor)[:300]),
        "exports": selectors.my_exports(actor=actor)[:5],
        "private_mode": selectors.my_private_mode(actor=actor),
        "private_form": PrivateModeForm(),
        "now": timezone.now(),
        "my_data_links": links("my-data"),  # pages other apps keep about the person
        "export_kept_days": settings.CIVIC_EXPORT_KEPT_DAYS,
    }
    return render(request, "consent/my_data.html", context)


CHOICES = {
    "give": services.consent_give,
    "withdraw": services.consent_withdraw,
    "object": services.consent_object,
}


@login_required
@require_POST
def consent_choice(request: HttpRequest, code: str) -> HttpResponse:
    """One small form per purpose and choice: works without JavaScript, one click each way."""
    purpose = get_object_or_404(Purpose, code=code)
    action = CHOICES.get(request.POST.get("action", ""))
    if action is None:
        return HttpResponseBadRequest()
    try:
        event = action(actor=_actor(request), purpose=purpose, language=get_language())
    except CivicError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Your choice is recorded: %(kind)s — %(purpose)s.")
            % {"kind": event.get_kind_display(), "purpose": purpose.title},
        )
    return redirect(reverse("consent:my_data") + "#consents")


def _receipt(request: HttpRequest, event: ConsentEvent) -> dict[str, Any]:
    """The event as a consent receipt, after the Kantara Initiative's Consent Receipt v1.1."""
    city_info = city()
    purpose = event.purpose
    notice = event.notice
    return {
        "version": "KI-CR-v1.1.0",
        "format": "civic-consent-receipt/1",
        "jurisdiction": "FR",
        "consentTimestamp": int(event.at.timestamp()),
        "consentReceiptID": event.hash,
        "collectionMethod": event.channel,
        "language": event.language,
        "piiPrincipalId": str(event.subject_id),
        "piiControllers": [
            {
                "piiController": city_info.publisher,
                "contact": city_info.dpo_email,
                "email": city_info.dpo_email,
                "url": request.build_absolute_uri("/"),
            }
        ],
        "policyUrl": request.build_absolute_uri(reverse("privacy_notice")),
        "services": [
            {
                "service": city_info.name,
                "purposes": [
                    {
                        "purpose": purpose.title,
                        "purposeCategory": [purpose.code],
                        "consentType": "EXPLICIT"
                        if purpose.legal_basis == LegalBasis.CONSENT
                        else "NOT-APPLICABLE",
                        "legalBasis": purpose.legal_basis,
                        "piiCategory": [
                            line.strip() for line in purpose.data_categories.splitlines() if line
                        ],
                        "primaryPurpose": True,
                        "termination": purpose.retention,
                        "thirdPartyDisclosure": bool(purpose.recipients.strip()),
                        "thirdPartyName": purpose.recipients,
                    }
                ],
            }
        ],
        "sensitive": False,
        "spiCat": [],
        "event": {
            "kind": event.kind,
            "at": event.at.isoformat(),
            "actorRole": event.actor_role,
            "notice": {
                "version": notice.version if notice else None,
                "sha256": event.notice_sha256,
                "text": notice.text(event.language) if notice else "",
            },
            "ledger": {"seq": event.seq, "hash": event.hash, "previousHash": event.prev_hash},
        },
    }


def _my_event(request: HttpRequest, seq: int) -> ConsentEvent:
    try:
        return selectors.my_consent_event(actor=_actor(request), seq=seq)
    except NotFound as exc:
        raise Http404 from exc


@login_required
def receipt_json(request: HttpRequest, seq: int) -> HttpResponse:
    response = JsonResponse(
        _receipt(request, _my_event(request, seq)), json_dumps_params={"ensure_ascii": False}
    )
    response["Content-Disposition"] = f'inline; filename="consent-receipt-{seq}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@never_cache
def receipt_page(request: HttpRequest, seq: int) -> HttpResponse:
    event = _my_event(request, seq)
    return render(
        request, "consent/receipt.html", {"event": event, "receipt": _receipt(request, event)}
    )


@login_required
@require_POST
def export_request(request: HttpRequest) -> HttpResponse:
    try:
        _archive, created = services.export_request(actor=_actor(request))
    except CivicError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Your export is being prepared. We will email you when it is ready.")
            if created
            else _("Your export is already being prepared: one at a time."),
        )
    return redirect(reverse("consent:my_data") + "#export")


@login_required
@never_cache
def export_download(request: HttpRequest, archive_id: str) -> HttpResponseBase:
    """Only the owner, signed in, before the link expires."""
    try:
        archive = selectors.my_export(actor=_actor(request), archive_id=str(archive_id))
    except NotFound as exc:
        raise Http404 from exc
    if not archive.is_downloadable():
        context = {"archive": archive, "export_kept_days": settings.CIVIC_EXPORT_KEPT_DAYS}
        return render(request, "consent/export_expired.html", context, status=410)
    response = FileResponse(
        archive.file.open("rb"),
        as_attachment=True,
        filename=f"my-data-{archive.ready_at:%Y-%m-%d}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@never_cache
def account_delete(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = AccountDeleteForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        email, language = user.email, user.language  # type: ignore[union-attr]
        try:
            receipt = services.account_erase(actor=_actor(request))
        except CivicError as exc:
            messages.error(request, exc.message)
            return redirect("consent:account_delete")
        logout(request)
        request.session["consent_erasure_receipt"] = receipt
        if email:
            email_send_templated(
                to=email,
                template_prefix="consent/email/erasure_receipt",
                context={"receipt": receipt},
                language=language,
            )
        return redirect("consent:account_deleted")
    return render(request, "consent/account_delete.html", {"form": form})


@never_cache
def account_deleted(request: HttpRequest) -> HttpResponse:
    receipt = request.session.get("consent_erasure_receipt")
    if receipt is None:
        return redirect("home")
    return render(request, "consent/account_deleted.html", {"receipt": receipt})


@login_required
@require_POST
def private_mode(request: HttpRequest) -> HttpResponse:
    form = PrivateModeForm(request.POST)
    if form.is_valid():
        enabled = form.cleaned_data["enabled"]
        try:
            services.private_mode_set(
                actor=_actor(request),
                enabled=enabled,
                restore_consents=form.cleaned_data["restore_consents"],
            )
        except CivicError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("Private mode is on.") if enabled else _("Private mode is off.")
            )
    return redirect(reverse("consent:my_data") + "#private-mode")


# --- Staff: a person's data, on request ------------------------------------------------------


def _person(request: HttpRequest, user_id: int) -> User:
    return get_object_or_404(get_user_model(), pk=user_id)


def _may_export(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_perm("consent.view_exportarchive"):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@staff_member_required
@_may_export
@reason_required(what=gettext_lazy("export of your data"), person=_person)
def staff_person_export(request: HttpRequest, user_id: int) -> HttpResponse:
    """A person's data for a data-protection request; the reason is asked and logged first."""
    person = _person(request, user_id)
    data = registry.export_for(person)
    response = JsonResponse(
        {"format": FORMAT, "generated_at": timezone.now().isoformat(), "data": data},
        json_dumps_params={"ensure_ascii": False, "indent": 2, "default": str},
    )
    response["Content-Disposition"] = f'attachment; filename="personal-data-{person.pk}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- Public transparency pages ---------------------------------------------------------------


def processing_register(request: HttpRequest) -> HttpResponse:
    """The register of processing activities (GDPR art. 30), generated from the purposes."""
    purposes = Purpose.objects.filter(is_active=True).prefetch_related("notices")
    return render(request, "consent/processing_register.html", {"purposes": purposes})


def algorithm_register(request: HttpRequest) -> HttpResponse:
    return render(request, "consent/algorithm_register.html", {"algorithms": registry.algorithms()})


def ledger_heads(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "consent/ledger.html",
        {
            "heads": selectors.ledger_heads(),
            "current": selectors.ledger_current_head(),
            "access_current": selectors.access_current_head(),
        },
    )
