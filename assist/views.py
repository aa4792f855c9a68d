"""Pages of the assist app: mediators acting under mandate, residents confirming and revoking
their mandates, and kiosk terminals. Views parse, check access, call a service, render."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from assist import selectors, services
from assist.forms import (
    CodeForm,
    KioskCodeForm,
    KioskCodeRequestForm,
    MandateForm,
    VoterCheckForm,
)
from assist.kiosk import CODE_SESSION, set_terminal_cookie
from assist.models import (
    CODE_MINUTES,
    KIOSK_CODE_MINUTES,
    KioskTerminal,
    Mandate,
    MandateRequest,
)
from assist.qr import qr_svg
from assist.registrations import CONSENT_SCOPE, EXPORT_SCOPE
from budgets import selectors as budgets_selectors
from budgets.models import Heading, Voter
from budgets.registrations import VOTE_SCOPE
from civic.actors import Actor, Channel
from civic.errors import CivicError, NotAllowed, NotFound
from civic.models import District
from civic.registry import kiosk_tiles
from consent import selectors as consent_selectors
from consent import services as consent_services
from consent.models import ConsentEvent, Purpose
from reports import selectors as reports_selectors
from reports.forms import ReportForm
from reports.registrations import ALERTS_MANDATE_SCOPE
from reports.registrations import MANDATE_SCOPE as REPORTS_SCOPE

if TYPE_CHECKING:
    from civic.models import User

View = Callable[..., HttpResponseBase]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _refused(request: HttpRequest, exc: CivicError, *, back: str) -> HttpResponse:
    """A refusal as its own page with the right status: 403 for a mandate that does not allow it."""
    return render(
        request,
        "assist/refused.html",
        {"message": exc.message, "back": back},
        status=exc.status_code,
    )


# --- Mediators -------------------------------------------------------------------------------


def mediator_required(view: View) -> View:
    """Signed in, with the mediator role, member of an active organisation (MFA: middleware)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not selectors.is_mediator(_user(request)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _mediator(request: HttpRequest) -> Actor:
    return Actor(channel=Channel.MEDIATOR, user=_user(request))


def _mandate(request: HttpRequest, pk: int) -> Mandate:
    try:
        return selectors.mandate_for_mediator(_user(request), pk)
    except NotFound as exc:
        raise Http404 from exc


def _detail_url(mandate: Mandate, anchor: str = "") -> str:
    return reverse("assist:mandate_detail", args=[mandate.pk]) + (f"#{anchor}" if anchor else "")


@mediator_required
@never_cache
def mediator_home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    search = request.GET.get("q", "")[:100]
    return render(
        request,
        "assist/mediator_home.html",
        {
            "organisations": selectors.mediator_organisations(user),
            "search": search,
            "current": selectors.current_mandates(user, search=search),
            "waiting": selectors.mandates_waiting(user),
            "requests": selectors.open_requests(user),
            "to_tell": selectors.mandates_to_tell_for_mediator(user),
        },
    )


def _mandate_started(request: HttpRequest, started: Mandate | MandateRequest) -> HttpResponse:
    """After the mandate form: type the emailed code, or print the paper mandate to sign."""
    if isinstance(started, MandateRequest):
        return redirect("assist:mandate_request", started.pk)
    messages.success(
        request, _("The mandate is recorded. It acts once the resident has signed it.")
    )
    return redirect(_detail_url(started))


@mediator_required
@never_cache
def mandate_new(request: HttpRequest) -> HttpResponse:
    """The mandate form; "preview" shows the notice as it will be signed, recording nothing."""
    organisations = selectors.mediator_organisations(_user(request))
    form = MandateForm(request.POST or None, organisations=organisations)
    notice = None
    if request.method == "POST" and form.is_valid():
        try:
            if "preview" in request.POST:
                notice = services.mandate_notice_preview(
                    actor=_mediator(request), **form.cleaned_data
                )
            else:
                started = services.mandate_start(actor=_mediator(request), **form.cleaned_data)
                return _mandate_started(request, started)
        except CivicError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    context = {"form": form, "notice": notice}
    return render(request, "assist/mandate_new.html", context, status=400 if form.errors else 200)


def _request(request: HttpRequest, request_id: Any) -> MandateRequest:
    try:
        return selectors.request_for_mediator(_user(request), request_id)
    except NotFound as exc:
        raise Http404 from exc


@mediator_required
@never_cache
def mandate_request(request: HttpRequest, request_id: Any) -> HttpResponse:
    """Type in the code the resident received. The page is the same whoever the address is."""
    asked = _request(request, request_id)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mandate = services.mandate_confirm_code(
                actor=_mediator(request), request=asked, code=form.cleaned_data["code"]
            )
        except CivicError as exc:
            form.add_error("code" if exc.field == "code" else None, exc.message)
        else:
            messages.success(request, _("The mandate is confirmed: you can act for the resident."))
            return redirect(_detail_url(mandate))
    return render(
        request,
        "assist/mandate_request.html",
        {"asked": asked, "form": form, "code_minutes": CODE_MINUTES},
        status=400 if form.errors else 200,
    )


@mediator_required
@require_POST
def mandate_request_resend(request: HttpRequest, request_id: Any) -> HttpResponse:
    asked = _request(request, request_id)
    try:
        services.mandate_request_resend(actor=_mediator(request), request=asked)
    except CivicError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("If the address has an account, a new code is on its way."))
    return redirect("assist:mandate_request", asked.pk)


@mediator_required
@never_cache
def mandate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    mandate = _mandate(request, pk)
    context: dict[str, Any] = {
        "mandate": mandate,
        "current": mandate.is_current(),
        "to_tell": mandate.to_tell(),
    }
    if mandate.is_current():
        services.mandate_view_record(actor=_mediator(request), mandate=mandate)
        acting = Actor(
            channel=Channel.MEDIATOR,
            user=_user(request),
            on_behalf_of=mandate.resident,
            mandate=mandate.as_ref(),
        )
        if CONSENT_SCOPE in mandate.scopes:
            state = consent_selectors.consent_state(
                consent_selectors.subject_of_user(mandate.resident)
            )
            context["purposes"] = [
                {"purpose": purpose, "latest": state.get(purpose.code)}
                for purpose in consent_selectors.purposes_for_choice()
            ]
            context["events"] = consent_selectors.my_consent_events(actor=acting).order_by("-seq")[
                :20
            ]
        if EXPORT_SCOPE in mandate.scopes:
            context["exports"] = consent_selectors.my_exports(actor=acting)[:5]
        if REPORTS_SCOPE in mandate.scopes:
            context["reports"] = reports_selectors.reports_of(mandate.resident)[:20]
        if ALERTS_MANDATE_SCOPE in mandate.scopes:
            context["alerts"] = reports_selectors.area_alerts_of(mandate.resident)
            context["districts"] = District.objects.order_by("name")
        if VOTE_SCOPE in mandate.scopes:
            context["vote_budgets"] = budgets_selectors.voting_budgets()
    return render(request, "assist/mandate_detail.html", context)


@mediator_required
@never_cache
def mandate_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The mandate as a form to print and sign: the notice, its fingerprint, signature lines.

    Once revoked or ended, only that: a stale printout must not carry the person's details."""
    mandate = _mandate(request, pk)
    if mandate.is_over():
        return render(request, "assist/mandate_void.html", {"mandate": mandate}, status=410)
    return render(request, "assist/mandate_print.html", {"mandate": mandate})


def _mandate_step(
    request: HttpRequest, pk: int, step: Callable[..., Any], done: str
) -> HttpResponse:
    """Run a service step on a mandate and go back to its page, saying how it went."""
    mandate = _mandate(request, pk)
    try:
        step(actor=_mediator(request), mandate=mandate)
    except NotAllowed as exc:
        return _refused(request, exc, back=_detail_url(mandate))
    except CivicError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect(_detail_url(mandate))


@mediator_required
@require_POST
def mandate_confirm_paper(request: HttpRequest, pk: int) -> HttpResponse:
    return _mandate_step(
        request,
        pk,
        services.mandate_confirm_paper,
        _("The mandate is confirmed: you can act for the resident."),
    )


@mediator_required
@require_POST
def mandate_told(request: HttpRequest, pk: int) -> HttpResponse:
    return _mandate_step(
        request, pk, services.mandate_told, _("Noted: the resident has been shown the mandate.")
    )


@mediator_required
@require_POST
def mandate_consent(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    mandate = _mandate(request, pk)
    purpose = get_object_or_404(Purpose, code=code)
    try:
        event = services.consent_choice_on_behalf(
            actor=_mediator(request),
            mandate=mandate,
            purpose=purpose,
            action=request.POST.get("action", ""),
            language=get_language(),
        )
    except NotAllowed as exc:
        return _refused(request, exc, back=_detail_url(mandate))
    except CivicError as exc:
        messages.error(request, exc.message)
        return redirect(_detail_url(mandate, "consents"))
    messages.success(
        request,
        _("The resident's choice is recorded: %(kind)s — %(purpose)s.")
        % {"kind": event.get_kind_display(), "purpose": purpose.title},
    )
    return redirect(_detail_url(mandate, "consents"))


@mediator_required
@never_cache
def mandate_receipt(request: HttpRequest, pk: int, seq: int) -> HttpResponse:
    mandate = _mandate(request, pk)
    if not mandate.allows(CONSENT_SCOPE):
        return _refused(
            request,
            NotAllowed(_("This mandate does not allow it: nothing was done.")),
            back=_detail_url(mandate),
        )
    acting = Actor(
        channel=Channel.MEDIATOR,
        user=_user(request),
        on_behalf_of=mandate.resident,
        mandate=mandate.as_ref(),
    )
    try:
        event = consent_selectors.my_consent_event(actor=acting, seq=seq)
    except NotFound as exc:
        raise Http404 from exc
    return render(
        request,
        "assist/receipt.html",
        {"event": event, "back": _detail_url(mandate, "consents"), "qr": None},
    )


@mediator_required
@require_POST
def mandate_export(request: HttpRequest, pk: int) -> HttpResponse:
    mandate = _mandate(request, pk)
    try:
        _archive, created = services.export_request_on_behalf(
            actor=_mediator(request), mandate=mandate
        )
    except NotAllowed as exc:
        return _refused(request, exc, back=_detail_url(mandate))
    except CivicError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The export is being prepared. Reload this page in a moment to download it.")
            if created
            else _("An export is already being prepared: one at a time."),
        )
    return redirect(_detail_url(mandate, "export"))


@mediator_required
@never_cache
def mandate_export_download(request: HttpRequest, pk: int, archive_id: str) -> HttpResponseBase:
    """Served only to a mediator whose organisation holds a current export mandate; logged."""
    mandate = _mandate(request, pk)
    try:
        archive = services.export_download_on_behalf(
            actor=_mediator(request), mandate=mandate, archive_id=str(archive_id)
        )
    except NotFound as exc:
        raise Http404 from exc
    except CivicError as exc:
        return _refused(request, exc, back=_detail_url(mandate, "export"))
    response = FileResponse(
        archive.file.open("rb"),
        as_attachment=True,
        filename=f"data-{archive.ready_at:%Y-%m-%d}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@mediator_required
@never_cache
def mandate_report_new(request: HttpRequest, pk: int) -> HttpResponse:
    """File a report in the resident's name (the report form, without photos or contact)."""
    mandate = _mandate(request, pk)
    form = ReportForm(request.POST or None, user=mandate.resident)
    category = form.category_object() if request.method == "POST" and form.is_valid() else None
    if category is not None:
        try:
            report = services.report_file_on_behalf(
                actor=_mediator(request), mandate=mandate, **form.submission(category)
            )
        except NotAllowed as exc:
            return _refused(request, exc, back=_detail_url(mandate))
        except CivicError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                _("Report no. %(number)s is filed in the resident's name.") % {"number": report.pk},
            )
            return redirect(_detail_url(mandate, "reports"))
    context = {"mandate": mandate, "form": form}
    status = 400 if form.errors else 200
    return render(request, "assist/mandate_report_new.html", context, status=status)


@mediator_required
@require_POST
def mandate_alerts(request: HttpRequest, pk: int) -> HttpResponse:
    """Start an area alert of a district for the resident, or stop one of theirs."""
    mandate = _mandate(request, pk)
    stop = request.POST.get("stop", "")
    district = District.objects.filter(pk=request.POST.get("district") or 0).first()
    try:
        services.area_alert_on_behalf(
            actor=_mediator(request),
            mandate=mandate,
            district=district,
            stop=int(stop) if stop.isdigit() else None,
        )
    except NotAllowed as exc:
        return _refused(request, exc, back=_detail_url(mandate))
    except CivicError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The resident's area alerts are updated."))
    return redirect(_detail_url(mandate, "alerts"))


def _vote_mandate(request: HttpRequest, pk: int) -> Mandate:
    """The mediator's current mandate with the vote scope (else not found: nothing to show)."""
    mandate = _mandate(request, pk)
    if not mandate.is_current() or VOTE_SCOPE not in mandate.scopes:
        raise Http404
    return mandate


def _voted_headings(voter: Voter) -> list[tuple[Heading, bool]]:
    """Where the resident votes, each with whether their ballot is in."""
    return [
        (h, budgets_selectors.own_ballot(voter=voter, heading=h) is not None)
        for h in budgets_selectors.voter_headings(voter)
    ]


@mediator_required
@never_cache
def mandate_vote(request: HttpRequest, pk: int, budget_id: int) -> HttpResponse:
    """Vote for the resident: check their right to vote once, then their ballot per heading."""
    mandate = _vote_mandate(request, pk)
    budget = get_object_or_404(budgets_selectors.voting_budgets(), pk=budget_id)
    voter = budgets_selectors.voter_of(user=mandate.resident, budget=budget)
    form = VoterCheckForm(request.POST or None) if voter is None else None
    if form is not None and form.is_valid():
        try:
            services.budget_voter_verify_on_behalf(
                actor=_mediator(request), mandate=mandate, budget=budget, **form.cleaned_data
            )
        except NotAllowed as exc:
            return _refused(request, exc, back=_detail_url(mandate))
        except CivicError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect("assist:mandate_vote", mandate.pk, budget.pk)
    headings = _voted_headings(voter) if voter is not None else []
    context = {"mandate": mandate, "budget": budget, "form": form, "headings": headings}
    status = 400 if form is not None and form.errors else 200
    return render(request, "assist/mandate_vote.html", context, status=status)


@mediator_required
@never_cache
def mandate_ballot(request: HttpRequest, pk: int, heading_id: int) -> HttpResponse:
    """The resident's ballot in a heading, cast by the mediator under the mandate."""
    mandate = _vote_mandate(request, pk)
    headings = Heading.objects.filter(budget__in=budgets_selectors.voting_budgets())
    heading = get_object_or_404(headings.select_related("budget"), pk=heading_id)
    voter = budgets_selectors.voter_of(user=mandate.resident, budget=heading.budget)
    if voter is None:
        return redirect("assist:mandate_vote", mandate.pk, heading.budget_id)
    chosen = budgets_selectors.own_ballot(voter=voter, heading=heading)
    error = None
    if request.method == "POST":
        chosen = {int(p) for p in request.POST.getlist("projects") if p.isdigit()}
        try:
            services.budget_ballot_cast_on_behalf(
                actor=_mediator(request), mandate=mandate, heading=heading, project_ids=chosen
            )
        except CivicError as exc:
            error = exc.message
        else:
            messages.success(request, _("The resident's ballot is recorded."))
            return redirect("assist:mandate_vote", mandate.pk, heading.budget_id)
    context: dict[str, Any] = {"mandate": mandate, "heading": heading, "budget": heading.budget}
    context |= {"projects": heading.projects.all(), "chosen": chosen or set(), "error": error}
    return render(request, "assist/mandate_ballot.html", context, status=400 if error else 200)


@mediator_required
@require_POST
def mandate_kiosk_code(request: HttpRequest, pk: int) -> HttpResponse:
    """A one-time code to My data at a kiosk, printed for the resident (shown once)."""
    mandate = _mandate(request, pk)
    try:
        issued, code = services.kiosk_code_print(actor=_mediator(request), mandate=mandate)
    except NotAllowed as exc:
        return _refused(request, exc, back=_detail_url(mandate))
    context = {"mandate": mandate, "issued": issued, "code": code, "minutes": KIOSK_CODE_MINUTES}
    response = render(request, "assist/kiosk_code_print.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


@mediator_required
@require_POST
def mandate_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    mandate = _mandate(request, pk)
    try:
        services.mandate_revoke(actor=_mediator(request), mandate=mandate)
    except CivicError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The mandate is revoked."))
    return redirect(_detail_url(mandate))


# --- Residents: confirming and revoking their mandates ---------------------------------------


@never_cache
def mandate_confirm_link(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: shows the notice; a POST confirms (a link preview never does)."""
    try:
        asked = services.mandate_request_by_link(token=token)
    except NotFound as exc:
        return render(request, "assist/link_expired.html", {"message": exc.message}, status=404)
    if request.method == "POST":
        try:
            mandate = services.mandate_confirm_link(token=token)
        except CivicError as exc:
            return render(request, "assist/link_expired.html", {"message": exc.message}, status=404)
        return render(request, "assist/mandate_confirmed.html", {"mandate": mandate})
    return render(request, "assist/mandate_confirm.html", {"asked": asked})


@login_required
@never_cache
def my_mandates(request: HttpRequest) -> HttpResponse:
    return render(
        request, "assist/my_mandates.html", {"mandates": selectors.my_mandates(_user(request))}
    )


@login_required
@require_POST
def my_mandate_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """One click: the resident ends a mandate, whatever its state."""
    try:
        mandate = selectors.my_mandate(_user(request), pk)
    except NotFound as exc:
        raise Http404 from exc
    try:
        services.mandate_revoke(actor=Actor.from_request(request), mandate=mandate)
    except CivicError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _(
                "The mandate of %(organisation)s is revoked: "
                "its mediators can no longer act for you."
            )
            % {"organisation": mandate.organisation.name},
        )
    return redirect("assist:my_mandates")


@login_required
@require_POST
def my_mandate_seen(request: HttpRequest, pk: int) -> HttpResponse:
    """The resident keeps a mandate shown to them after signing in: the banner goes away."""
    try:
        mandate = selectors.my_mandate(_user(request), pk)
        services.mandate_seen(actor=Actor.from_request(request), mandate=mandate)
    except NotFound as exc:
        raise Http404 from exc
    except CivicError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Noted: you keep this mandate. You can revoke it at any time."))
    return redirect("assist:my_mandates")


# --- Kiosk terminals -------------------------------------------------------------------------


def _terminal(request: HttpRequest) -> KioskTerminal | None:
    return getattr(request, "kiosk_terminal", None)


def kiosk_required(view: View) -> View:
    """Kiosk pages exist only on a registered terminal; elsewhere they lead to the usual pages."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if _terminal(request) is None:
            return redirect("consent:my_data" if request.user.is_authenticated else "home")
        return view(request, *args, **kwargs)

    return wrapper


@kiosk_required
def kiosk_home(request: HttpRequest) -> HttpResponse:
    context = {"cleared": "cleared" in request.GET, "kiosk_tiles": kiosk_tiles()}
    return render(request, "assist/kiosk_home.html", context)


def help_places(request: HttpRequest) -> HttpResponse:
    """The mediation places and their hours: a public page, the kiosks' "get help" tile."""
    return render(request, "assist/help_places.html", {"places": selectors.help_places()})


def _my_data_page(
    request: HttpRequest, form: KioskCodeForm, ask: KioskCodeRequestForm, *, status: int = 200
) -> HttpResponse:
    context = {"form": form, "ask": ask, "minutes": KIOSK_CODE_MINUTES}
    return render(request, "assist/kiosk_my_data.html", context, status=status)


@kiosk_required
@never_cache
def kiosk_my_data(request: HttpRequest) -> HttpResponse:
    """My data at a kiosk: signed in, straight there; else a password, or a one-time code."""
    if request.user.is_authenticated:
        return redirect("consent:my_data")
    form = KioskCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.kiosk_code_use(actor=Actor.from_request(request), **form.cleaned_data)
        except CivicError as exc:
            form.add_error("code", exc.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            request.session[CODE_SESSION] = _terminal(request).pk  # type: ignore[union-attr]
            return redirect("consent:my_data")
    return _my_data_page(request, form, KioskCodeRequestForm(), status=400 if form.errors else 200)


@kiosk_required
@require_POST
def kiosk_code_send(request: HttpRequest) -> HttpResponse:
    """Email a code; the same answer whether or not the address has an account."""
    ask = KioskCodeRequestForm(request.POST)
    if not ask.is_valid():
        return _my_data_page(request, KioskCodeForm(), ask, status=400)
    services.kiosk_code_email(actor=Actor.from_request(request), email=ask.cleaned_data["email"])
    messages.success(
        request,
        _("If this address has an account, a code is on its way: it works for %(n)s minutes.")
        % {"n": KIOSK_CODE_MINUTES},
    )
    return redirect("assist:kiosk_my_data")


@kiosk_required
@login_required
def kiosk_consents(request: HttpRequest) -> HttpResponse:
    subject = consent_selectors.subject_of_user(_user(request))
    state = consent_selectors.consent_state(subject)
    purposes = [
        {"purpose": purpose, "latest": state.get(purpose.code)}
        for purpose in consent_selectors.purposes_for_choice()
    ]
    return render(request, "assist/kiosk_consents.html", {"purposes": purposes})


CONSENT_CHOICES = {
    "give": consent_services.consent_give,
    "withdraw": consent_services.consent_withdraw,
    "object": consent_services.consent_object,
}


@kiosk_required
@login_required
@require_POST
def kiosk_consent_choice(request: HttpRequest, code: str) -> HttpResponse:
    purpose = get_object_or_404(Purpose, code=code)
    action = CONSENT_CHOICES.get(request.POST.get("action", ""))
    if action is None:
        messages.error(request, _("Unknown choice."))
        return redirect("assist:kiosk_consents")
    try:
        # Actor.from_request: the kiosk channel and the terminal, from KioskMiddleware.
        event = action(actor=Actor.from_request(request), purpose=purpose, language=get_language())
    except CivicError as exc:
        messages.error(request, exc.message)
        return redirect("assist:kiosk_consents")
    return redirect("assist:kiosk_receipt", seq=event.seq)


@kiosk_required
@login_required
def kiosk_receipt(request: HttpRequest, seq: int) -> HttpResponse:
    """Printable, with a QR code of the receipt's address to find it again from a phone."""
    try:
        event: ConsentEvent = consent_selectors.my_consent_event(
            actor=Actor.from_request(request), seq=seq
        )
    except NotFound as exc:
        raise Http404 from exc
    url = request.build_absolute_uri(reverse("consent:receipt", args=[event.seq]))
    return render(
        request,
        "assist/receipt.html",
        {
            "event": event,
            "qr": qr_svg(url),
            "receipt_url": url,
            "back": reverse("assist:kiosk_consents"),
        },
    )


@require_POST
def kiosk_finish(request: HttpRequest) -> HttpResponse:
    """Sign out and forget everything: session, then the browser's cache and storage."""
    logout(request)  # flushes the session
    response = redirect(reverse("assist:kiosk_home") + "?cleared=1")
    # Not "cookies": the terminal's own cookie must stay.
    response["Clear-Site-Data"] = '"cache", "storage"'
    return response


@kiosk_required
def kiosk_ping(request: HttpRequest) -> HttpResponse:
    """The idle script's "I am still here": a request that keeps the session alive."""
    return HttpResponse(status=204)


@staff_member_required
@never_cache
def kiosk_activate(request: HttpRequest, pk: int) -> HttpResponse:
    """Make this browser the terminal: sets its cookie, then signs the staff member out."""
    if not request.user.has_perm("assist.change_kioskterminal"):
        raise PermissionDenied
    terminal = get_object_or_404(KioskTerminal, pk=pk)
    if request.method == "POST":
        try:
            token = services.kiosk_activate(actor=Actor.from_request(request), terminal=terminal)
        except CivicError as exc:
            messages.error(request, exc.message)
            return redirect("admin:assist_kioskterminal_change", terminal.pk)
        logout(request)  # the terminal must not stay signed in as staff
        response = redirect("assist:kiosk_home")
        set_terminal_cookie(response, terminal, token)
        return response
    return render(request, "assist/kiosk_activate.html", {"terminal": terminal})
