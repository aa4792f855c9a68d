"""Writes of the assist app: mandates (ask, record, confirm, revoke), acts on a resident's
behalf, and kiosk terminals.

Every act on behalf checks the mandate *inside* the transaction that writes, with the mandate row
locked: a mandate revoked a moment earlier lets nothing through. Each act leaves an entry in the
resident's access log (consent.AccessLog), attributed to the mandate — whose label is the
organisation's name, never the mediator's.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assist.models import (
    CODE_MINUTES,
    CONFIRMATION_LINK_DAYS,
    KIOSK_CODE_MINUTES,
    MANDATE_MAX_DAYS,
    REQUEST_SENDS,
    REQUESTS_PER_DAY,
    KioskCode,
    KioskTerminal,
    Mandate,
    MandateRequest,
    Organisation,
    code_hash,
    kiosk_code_hash,
    new_code,
    new_reference,
    new_token,
    sha256_text,
    token_hash,
)
from assist.registrations import CONSENT_SCOPE, EXPORT_SCOPE
from assist.selectors import mediator_organisations
from civic.actors import Actor, Channel
from civic.city import absolute_url, city
from civic.errors import Conflict, InvalidInput, NotAllowed, NotFound
from civic.registry import mandate_scopes
from consent.models import AccessLog, ConsentEvent, ExportArchive, Purpose

if TYPE_CHECKING:
    from civic.models import User

# Bump when the wording of templates/assist/mandate_notice.txt changes in substance.
# 2: a resident who cannot sign in is told how they reach My data (a kiosk code, a mediator).
MANDATE_NOTICE_VERSION = 2


# --- Mandates --------------------------------------------------------------------------------


def mandate_notice_render(
    *,
    resident_name: str,
    organisation: Organisation,
    scope_codes: Iterable[str],
    starts_at: Any,
    ends_at: Any,
    language: str,
    can_sign_in: bool = True,
) -> str:
    """The notice the resident reads and signs, in their language. Its SHA-256 is kept.

    A resident who cannot sign in (no email, no password) is told how they reach "My data" —
    at a kiosk with a code a mediator prints, or through a mediator — never "one click" away."""
    chosen = [scope for scope in mandate_scopes() if scope.code in set(scope_codes)]
    with translation.override(language):
        return render_to_string(
            "assist/mandate_notice.txt",
            {
                "version": MANDATE_NOTICE_VERSION,
                "resident_name": resident_name or _("the undersigned"),
                "organisation": organisation,
                "scopes": chosen,
                "starts_at": timezone.localtime(starts_at),
                "ends_at": timezone.localtime(ends_at),
                "city": city(),
                "can_sign_in": can_sign_in,
            },
        ).strip()


def _check_member(actor: Actor, organisation: Organisation) -> User:
    user = actor.user
    if user is None or not mediator_organisations(user).filter(pk=organisation.pk).exists():
        raise NotAllowed(_("Only a mediator of this organisation can do this."))
    return user


def _mandate_actor(*, mediator: User, mandate: Mandate) -> Actor:
    return Actor(
        channel=Channel.MEDIATOR,
        user=mediator,
        on_behalf_of=mandate.resident,
        mandate=mandate.as_ref(),
    )


def _notify_new(mandate: Mandate) -> None:
    """Tell a resident with an email what their new mandate allows, until when, how to revoke."""
    from civic.mail import email_send_templated

    if not mandate.resident.email:
        return  # shown to them on screen instead (banner after sign-in, the mediator's page)
    email_send_templated(
        to=mandate.resident.email,
        template_prefix="assist/email/mandate_new",
        context={
            "mandate": mandate,
            "ends_at": timezone.localtime(mandate.ends_at),
            "revoke_url": absolute_url(reverse("assist:my_mandates")),
        },
        language=mandate.resident.language or mandate.notice_language,
    )


def representable(user: User) -> bool:
    """Whether a mandate may be given over this account: never one that holds powers itself.

    Staff, superusers, members of any role (staff roles and the mediator role alike) or of any
    group granting permissions, holders of a permission of their own, and mediators, even of an
    inactive organisation, are refused: a mediator acting "as" them would borrow those powers,
    or act for a colleague.
    """
    from assist.models import Membership
    from civic.roles import ROLES

    return not (
        user.is_staff
        or user.is_superuser
        or user.groups.filter(Q(name__in=list(ROLES)) | Q(permissions__isnull=False)).exists()
        or user.user_permissions.exists()
        or Membership.objects.filter(user=user).exists()
    )


def _check_representable(user: User) -> None:
    if not representable(user):
        raise NotAllowed(
            _("Staff and mediator accounts cannot be represented: nothing was recorded.")
        )


def _check_terms(*, organisation: Organisation, scopes: Iterable[str], days: int) -> list[str]:
    codes = sorted(set(scopes))
    known = {scope.code for scope in mandate_scopes()}
    if not codes:
        raise InvalidInput(_("Choose at least one thing the mandate allows."), field="scopes")
    if not set(codes) <= known:
        raise InvalidInput(_("This mandate asks for something unknown."), field="scopes")
    if not 1 <= days <= MANDATE_MAX_DAYS:
        raise InvalidInput(_("A mandate lasts between one day and one year."), field="days")
    return codes


def _notice(
    *, resident: User, organisation: Organisation, codes: list[str], days: int
) -> tuple[str, str, Any, Any]:
    now = timezone.now()
    ends_at = now + timedelta(days=days)
    language = resident.language or settings.LANGUAGE_CODE
    text = mandate_notice_render(
        resident_name=resident.display_name,
        organisation=organisation,
        scope_codes=codes,
        starts_at=now,
        ends_at=ends_at,
        language=language,
        can_sign_in=bool(resident.email or resident.has_usable_password()),
    )
    return language, text, now, ends_at


@transaction.atomic
def resident_create(*, actor: Actor, display_name: str, language: str) -> User:
    """An account for a resident without email, created by a mediator beside them.

    It has no password and no email: nobody can sign in to it; it exists so that the resident's
    choices and the acts done for them are recorded and can be exported or erased.
    """
    from civic.models import User

    if actor.user is None or not mediator_organisations(actor.user).exists():
        raise NotAllowed(_("Only a mediator can create an account for a resident."))
    if not display_name.strip():
        raise InvalidInput(_("Write the resident's name."), field="display_name")
    if language not in dict(settings.LANGUAGES):
        raise InvalidInput(_("Choose a language."), field="language")
    return User.objects.create_user(
        email=None, password=None, display_name=display_name.strip(), language=language
    )


@transaction.atomic
def mandate_record(
    *,
    actor: Actor,
    organisation: Organisation,
    resident: User,
    scopes: Iterable[str],
    days: int,
) -> Mandate:
    """Record a paper mandate for a resident without email, waiting for their signature.

    A resident with an email address confirms what is emailed to them instead
    (``mandate_request``): the mediator's word that they signed is not enough when they can
    be asked directly.
    """
    mediator = _check_member(actor, organisation)
    codes = _check_terms(organisation=organisation, scopes=scopes, days=days)
    if resident.pk == mediator.pk:
        raise NotAllowed(_("A mediator cannot record a mandate for themselves."))
    _check_representable(resident)
    if not resident.is_active:
        raise InvalidInput(_("This account is closed."), field="email")
    if resident.email:
        raise InvalidInput(
            _("This resident has an email address: they confirm with the code sent to it."),
            field="who",
        )
    language, text, now, ends_at = _notice(
        resident=resident, organisation=organisation, codes=codes, days=days
    )
    mandate = Mandate.objects.create(
        resident=resident,
        organisation=organisation,
        recorded_by=mediator,
        scopes=codes,
        starts_at=now,
        ends_at=ends_at,
        notice_version=MANDATE_NOTICE_VERSION,
        notice_language=language,
        notice_text=text,
        notice_sha256=sha256_text(text),
        confirmation=Mandate.Confirmation.PAPER,
    )
    AccessLog.record(
        actor=_mandate_actor(mediator=mediator, mandate=mandate),
        subject=_subject(resident),
        what=gettext_lazy("mandate recorded by a mediator, waiting for your confirmation"),
        obj=mandate,
    )
    return mandate


@transaction.atomic
def mandate_record_for_new_resident(
    *,
    actor: Actor,
    organisation: Organisation,
    display_name: str,
    language: str,
    scopes: Iterable[str],
    days: int,
) -> Mandate:
    """Create the account of a resident without email and record their mandate, or neither."""
    resident = resident_create(actor=actor, display_name=display_name, language=language)
    return mandate_record(
        actor=actor, organisation=organisation, resident=resident, scopes=scopes, days=days
    )


def _pending(mandate: Mandate) -> Mandate:
    if mandate.revoked_at is not None:
        raise Conflict(_("This mandate was revoked."))
    if mandate.confirmed_at is not None:
        raise Conflict(_("This mandate is already confirmed."))
    if mandate.ends_at <= timezone.now():
        raise Conflict(_("This mandate has ended."))
    return mandate


@transaction.atomic
def mandate_confirm_paper(*, actor: Actor, mandate: Mandate) -> Mandate:
    """The mediator attests that the resident signed the printed notice (kept on file)."""
    mandate = Mandate.objects.select_for_update().get(pk=mandate.pk)
    mediator = _check_member(actor, mandate.organisation)
    _pending(mandate)
    if mandate.confirmation != Mandate.Confirmation.PAPER:
        raise Conflict(_("This mandate is confirmed by the resident, not on paper."))
    mandate.confirmed_at = timezone.now()
    mandate.save(update_fields=["confirmed_at"])
    AccessLog.record(
        actor=_mandate_actor(mediator=mediator, mandate=mandate),
        subject=_subject(mandate.resident),
        what=gettext_lazy("mandate confirmed on a signed paper form"),
        obj=mandate,
    )
    return mandate


@transaction.atomic
def mandate_told(*, actor: Actor, mandate: Mandate) -> Mandate:
    """The mediator showed a paper mandate to the resident, who chose to keep it."""
    mandate = Mandate.objects.select_for_update().get(pk=mandate.pk)
    _check_member(actor, mandate.organisation)
    if mandate.resident_informed_at is None:
        mandate.resident_informed_at = timezone.now()
        mandate.save(update_fields=["resident_informed_at"])
    return mandate


@transaction.atomic
def mandate_seen(*, actor: Actor, mandate: Mandate) -> Mandate:
    """The resident saw a mandate on their own screen and keeps it (the banner goes away)."""
    mandate = Mandate.objects.select_for_update().get(pk=mandate.pk)
    if actor.user is None or actor.user.pk != mandate.resident_id or actor.on_behalf_of:
        raise NotAllowed(_("Only the resident can do this."))
    if mandate.resident_informed_at is None:
        mandate.resident_informed_at = timezone.now()
        mandate.save(update_fields=["resident_informed_at"])
    return mandate


def mandate_start(
    *,
    actor: Actor,
    organisation: Organisation,
    who: str,
    scopes: Iterable[str],
    days: int,
    email: str = "",
    display_name: str = "",
    language: str = "",
) -> Mandate | MandateRequest:
    """The mandate form's one step: ask the holder of an email address (a request, confirmed by
    the code or link emailed), or create the account of a resident without email and record the
    mandate they will sign on paper (``who`` is ``"account"`` or ``"new"``)."""
    if who == "new":
        return mandate_record_for_new_resident(
            actor=actor,
            organisation=organisation,
            display_name=display_name,
            language=language,
            scopes=scopes,
            days=days,
        )
    return mandate_request(
        actor=actor, organisation=organisation, email=email, scopes=scopes, days=days
    )


def mandate_notice_preview(
    *,
    actor: Actor,
    organisation: Organisation,
    who: str,
    scopes: Iterable[str],
    days: int,
    display_name: str = "",
    language: str = "",
    **_unused: Any,
) -> str:
    """The notice as the resident will sign it, before anything is recorded. For the holder of
    an email address it names nobody and is in the page's language: whether the address has an
    account, and its name, never show."""
    _check_member(actor, organisation)
    codes = _check_terms(organisation=organisation, scopes=scopes, days=days)
    now = timezone.now()
    new = who == "new"
    return mandate_notice_render(
        resident_name=display_name.strip() if new else "",
        organisation=organisation,
        scope_codes=codes,
        starts_at=now,
        ends_at=now + timedelta(days=days),
        language=(language if new else "") or translation.get_language() or settings.LANGUAGE_CODE,
        can_sign_in=not new,
    )


# --- Mandates confirmed by email: a request, then a code or a link ---------------------------


def _find_account(email: str) -> User | None:
    from civic.models import User

    return User.objects.filter(email__iexact=email.strip(), is_active=True).first()


def _send_request(request: MandateRequest, *, email: str | None) -> None:
    """New code and link (the old ones die); emailed when there is someone to email."""
    from civic.mail import email_send_templated

    code, link = new_code(), new_token()
    now = timezone.now()
    request.code_hash = code_hash(request.id, code)
    request.code_expires_at = now + timedelta(minutes=CODE_MINUTES)
    request.attempts = 0
    request.link_hash = token_hash(link)
    request.link_expires_at = now + timedelta(days=CONFIRMATION_LINK_DAYS)
    request.save()
    if request.resident is None or not email:
        return  # no account, or one that cannot be represented: nothing leaves, same page
    email_send_templated(
        to=email,
        template_prefix="assist/email/mandate_confirm",
        context={
            "request": request,
            "code": code,
            "code_minutes": CODE_MINUTES,
            "link_days": CONFIRMATION_LINK_DAYS,
            "url": absolute_url(reverse("assist:mandate_confirm_link", args=[link])),
        },
        language=request.notice_language,
    )


def _refusal_email(*, email: str, organisation: Organisation, user: User) -> None:
    """The holder of a staff or mediator account asked for learns why nothing happened."""
    from civic.mail import email_send_templated

    email_send_templated(
        to=email,
        template_prefix="assist/email/mandate_refused",
        context={"organisation": organisation},
        language=user.language,
    )


@transaction.atomic
def mandate_request(
    *, actor: Actor, organisation: Organisation, email: str, scopes: Iterable[str], days: int
) -> MandateRequest:
    """Ask the holder of ``email`` for a mandate: a code and a link go to them, if anyone.

    The answer is the same whether the address has an account, has one that cannot be
    represented, or has none: the mediator learns of the account only when the resident beside
    them reads out the code they received.
    """
    mediator = _check_member(actor, organisation)
    codes = _check_terms(organisation=organisation, scopes=scopes, days=days)
    since = timezone.now() - timedelta(days=1)
    if MandateRequest.objects.filter(recorded_by=mediator, created_at__gte=since).count() >= (
        REQUESTS_PER_DAY
    ):
        # The same refusal whatever the address: emails to residents are not to be sprayed.
        raise Conflict(_("You asked for many mandates today: try again tomorrow."))
    if not email.strip():
        raise InvalidInput(_("Write the resident's email address."), field="email")
    account = _find_account(email)
    resident = None
    if account is not None and account.pk != mediator.pk:
        if representable(account):
            resident = account
        else:
            _refusal_email(email=email.strip(), organisation=organisation, user=account)
    now = timezone.now()
    request = MandateRequest(
        organisation=organisation,
        recorded_by=mediator,
        resident=resident,
        scopes=codes,
        days=days,
        starts_at=now,
        ends_at=now + timedelta(days=days),
    )
    if resident is not None:
        language, text, request.starts_at, request.ends_at = _notice(
            resident=resident, organisation=organisation, codes=codes, days=days
        )
        request.notice_version = MANDATE_NOTICE_VERSION
        request.notice_language = language
        request.notice_text = text
    _send_request(request, email=resident.email if resident is not None else None)
    return request


@transaction.atomic
def mandate_request_resend(*, actor: Actor, request: MandateRequest) -> MandateRequest:
    """A new code and link for the same request (the resident did not get the first ones)."""
    request = (
        MandateRequest.objects.select_for_update(of=("self",))
        .select_related("resident")
        .get(pk=request.pk)
    )
    _check_member(actor, request.organisation)
    if not request.is_open():
        raise Conflict(_("This request is closed: record a new mandate."))
    if request.sends >= REQUEST_SENDS:
        raise Conflict(_("A code was sent too many times: record a new mandate."))
    request.sends += 1
    _send_request(request, email=request.resident.email if request.resident else None)
    return request


def _mandate_from_request(
    request: MandateRequest, *, how: str, mediator: User | None = None
) -> Mandate:
    """Record the mandate the resident just confirmed (inside the caller's transaction).

    ``mediator``: who typed the code in, beside the resident; none when the resident opened the
    link themselves (their own act, no access to their data).
    """
    resident = request.resident
    if resident is None:
        raise NotFound(_("This request does not exist."))
    _check_representable(resident)  # they may have become staff since
    now = timezone.now()
    mandate = Mandate.objects.create(
        resident=resident,
        organisation=request.organisation,
        recorded_by=mediator or request.recorded_by,
        scopes=request.scopes,
        starts_at=request.starts_at,  # as the notice says; it acts from its confirmation
        ends_at=request.ends_at,
        notice_version=request.notice_version,
        notice_language=request.notice_language,
        notice_text=request.notice_text,
        notice_sha256=sha256_text(request.notice_text),
        confirmation=how,
        confirmed_at=now,
        resident_informed_at=now,  # they read it in their email, and are emailed it again
    )
    request.mandate = mandate
    request.code_hash = request.link_hash = ""
    request.save(update_fields=["mandate", "code_hash", "link_hash"])
    if mediator is not None:
        AccessLog.record(
            actor=_mandate_actor(mediator=mediator, mandate=mandate),
            subject=_subject(resident),
            what=gettext_lazy("mandate confirmed with the code emailed to you"),
            obj=mandate,
        )
    _notify_new(mandate)
    return mandate


WRONG_CODE = gettext_lazy(
    "This code is not the one sent, or it has expired. Check it with the resident, "
    "or send a new code."
)


def mandate_confirm_code(*, actor: Actor, request: MandateRequest, code: str) -> Mandate:
    """The mediator types in the code the resident received: the mandate is recorded.

    A wrong code counts against the request's few attempts, and the count is kept even though
    the call fails (hence two transactions). A request to an address without an account fails
    the same way: its code was never sent to anyone.
    """
    with transaction.atomic():
        request = (
            MandateRequest.objects.select_for_update(of=("self",))
            .select_related("resident", "organisation")
            .get(pk=request.pk)
        )
        mediator = _check_member(actor, request.organisation)
        if not request.is_open():
            raise Conflict(_("This request is closed: record a new mandate."))
        digits = "".join(ch for ch in code if not ch.isspace())
        if request.code_usable() and request.code_matches(digits) and request.resident_id:
            return _mandate_from_request(request, how=Mandate.Confirmation.CODE, mediator=mediator)
        if request.code_usable():
            request.attempts += 1
            request.save(update_fields=["attempts"])
    raise InvalidInput(str(WRONG_CODE), field="code")


def mandate_request_by_link(*, token: str) -> MandateRequest:
    """The request an emailed link confirms, while the link is valid."""
    request = (
        MandateRequest.objects.select_related("organisation", "resident")
        .filter(link_hash=token_hash(token))
        .exclude(link_hash="")
        .first()
    )
    if request is None or not request.link_usable():
        raise NotFound(_("This link does not work any more. Ask the mediator for a new one."))
    return request


@transaction.atomic
def mandate_confirm_link(*, token: str) -> Mandate:
    """The resident confirms by the emailed link: possession of the address is the proof."""
    found = mandate_request_by_link(token=token)
    request = (
        MandateRequest.objects.select_for_update(of=("self",))
        .select_related("resident", "organisation")
        .get(pk=found.pk)
    )
    if not request.link_usable() or request.link_hash != token_hash(token):
        raise NotFound(_("This link does not work any more. Ask the mediator for a new one."))
    return _mandate_from_request(request, how=Mandate.Confirmation.EMAIL)


@transaction.atomic
def mandate_revoke(*, actor: Actor, mandate: Mandate) -> Mandate:
    """End a mandate now: by the resident (one click), a mediator of its organisation, or staff."""
    mandate = Mandate.objects.select_for_update().select_related("organisation").get(pk=mandate.pk)
    user = actor.user
    if user is None:
        raise NotAllowed(_("Sign in to revoke a mandate."))
    if user.pk == mandate.resident_id and actor.on_behalf_of is None:
        role = "resident"
    elif mediator_organisations(user).filter(pk=mandate.organisation_id).exists():
        role = "mediator"
    elif user.is_staff and user.has_perm("assist.change_mandate"):
        role = "staff"
    else:
        raise NotAllowed(_("You cannot revoke this mandate."))
    if mandate.revoked_at is not None:
        raise Conflict(_("This mandate is already revoked."))
    mandate.revoked_at = timezone.now()
    mandate.revoked_by = user
    mandate.revoked_by_role = role
    mandate.save(update_fields=["revoked_at", "revoked_by", "revoked_by_role"])
    if role != "resident":  # the resident's own revocation is no access to their data
        AccessLog.record(
            actor=_mandate_actor(mediator=user, mandate=mandate) if role == "mediator" else actor,
            subject=_subject(mandate.resident),
            what=gettext_lazy("mandate revoked"),
            obj=mandate,
        )
    return mandate


# --- Acting on behalf ------------------------------------------------------------------------


def _subject(user: User) -> Any:
    from consent.services import subject_for

    return subject_for(user)


def _acting(*, actor: Actor, mandate: Mandate, scope: str | None) -> tuple[Mandate, Actor]:
    """Lock the mandate and check it allows ``scope`` (None: any) now; returns it and the Actor.

    Call inside the transaction that writes: the lock holds off a revocation until commit.
    """
    mediator = actor.user
    mandate = (
        Mandate.objects.select_for_update(of=("self",))
        .select_related("organisation", "resident")
        .get(pk=mandate.pk)
    )
    if (
        mediator is None
        or not mediator_organisations(mediator).filter(pk=mandate.organisation_id).exists()
    ):
        raise NotAllowed(_("Only a mediator of this organisation can act under this mandate."))
    status = mandate.status()
    if status != Mandate.Status.ACTIVE:
        raise NotAllowed(
            _("This mandate is not in force (%(status)s): nothing was done.")
            % {"status": Mandate.Status(status).label}
        )
    if scope is not None and scope not in mandate.scopes:
        raise NotAllowed(_("This mandate does not allow it: nothing was done."))
    return mandate, _mandate_actor(mediator=mediator, mandate=mandate)


@transaction.atomic
def mandate_view_record(*, actor: Actor, mandate: Mandate) -> Mandate:
    """A mediator opens the resident's page under a current mandate: logged, or refused."""
    mandate, acting = _acting(actor=actor, mandate=mandate, scope=None)
    shown = {
        CONSENT_SCOPE: _("consent choices"),
        EXPORT_SCOPE: _("data exports"),
        "reports": _("reports"),
        "report-alerts": _("area alerts"),
        "budget-vote": _("budget votes"),
    }
    with translation.override(settings.LANGUAGE_CODE):
        what = _("your page viewed by a mediator: %(shown)s") % {
            "shown": ", ".join(str(shown[code]) for code in mandate.scopes if code in shown) or "—"
        }
    AccessLog.record(actor=acting, subject=_subject(mandate.resident), what=what, obj=mandate)
    return mandate


@transaction.atomic
def consent_choice_on_behalf(
    *, actor: Actor, mandate: Mandate, purpose: Purpose, action: str, language: str | None = None
) -> ConsentEvent:
    """Give, withdraw or object for the resident, under a current mandate with the consent scope.

    The ledger entry carries the mediator channel and the mandate; the access log says what
    changed, so the resident sees it under "Who accessed my data".
    """
    from consent import services as consent_services

    mandate, acting = _acting(actor=actor, mandate=mandate, scope=CONSENT_SCOPE)
    record = {
        "give": consent_services.consent_give,
        "withdraw": consent_services.consent_withdraw,
        "object": consent_services.consent_object,
    }.get(action)
    if record is None:
        raise InvalidInput(_("Unknown choice."))
    event = record(actor=acting, purpose=purpose, language=language)
    with translation.override(settings.LANGUAGE_CODE):
        what = _("consent choice recorded for you: %(kind)s — %(purpose)s") % {
            "kind": event.get_kind_display(),
            "purpose": purpose.title,
        }
    AccessLog.record(actor=acting, subject=event.subject, what=what, obj=mandate)
    return event


@transaction.atomic
def export_request_on_behalf(*, actor: Actor, mandate: Mandate) -> tuple[ExportArchive, bool]:
    """Ask for the resident's export (consent's service logs the request in their access log)."""
    from consent import services as consent_services

    _mandate, acting = _acting(actor=actor, mandate=mandate, scope=EXPORT_SCOPE)
    return consent_services.export_request(actor=acting)


@transaction.atomic
def export_download_on_behalf(*, actor: Actor, mandate: Mandate, archive_id: str) -> ExportArchive:
    """The resident's ready export, for a mediator with a current export mandate; logged."""
    from consent.selectors import my_export

    mandate, acting = _acting(actor=actor, mandate=mandate, scope=EXPORT_SCOPE)
    archive = my_export(actor=acting, archive_id=archive_id)  # NotFound: not the resident's
    if not archive.is_downloadable():
        raise Conflict(_("This export has expired or is not ready."))
    AccessLog.record(
        actor=acting,
        subject=_subject(mandate.resident),
        what=gettext_lazy("export of your data downloaded"),
        obj=archive,
    )
    return archive


# --- Kiosk terminals -------------------------------------------------------------------------


@transaction.atomic
def kiosk_activate(*, actor: Actor, terminal: KioskTerminal) -> str:
    """Give the terminal a new device token (the old one stops working); returns it, once.

    Only the token's SHA-256 is stored: the browser's signed cookie is the one copy.
    """
    user = actor.user
    if user is None or not user.is_staff or not user.has_perm("assist.change_kioskterminal"):
        raise NotAllowed(_("Only staff can activate a kiosk terminal."))
    terminal = KioskTerminal.objects.select_for_update().get(pk=terminal.pk)
    if not terminal.is_active:
        raise Conflict(_("This terminal is switched off: switch it on first."))
    token = new_token()
    terminal.token_hash = token_hash(token)
    terminal.activated_at = timezone.now()
    terminal.save(update_fields=["token_hash", "activated_at"])
    return token


# --- Mediators' role -------------------------------------------------------------------------

MEDIATOR_GROUP = "mediator"


def mediator_role_sync(*, user: User) -> bool:
    """Give the mediator role to a member of an organisation, take it from a former one."""
    from django.contrib.auth.models import Group

    from assist.models import Membership

    member = Membership.objects.filter(user=user, is_active=True).exists()
    group = Group.objects.filter(name=MEDIATOR_GROUP).first()
    if group is None:
        return False
    if member:
        user.groups.add(group)
    else:
        user.groups.remove(group)
    return member


# --- One-time codes to My data at a kiosk ----------------------------------------------------


def _kiosk_code_new(
    *, user: User, delivery: str, mandate: Mandate | None = None
) -> tuple[KioskCode, str]:
    """A fresh code for the resident; any earlier one still unused dies."""
    now = timezone.now()
    KioskCode.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).update(
        expires_at=now
    )
    code = new_code()
    issued = KioskCode(
        user=user,
        reference=new_reference(),
        delivery=delivery,
        mandate=mandate,
        created_at=now,
        expires_at=now + timedelta(minutes=KIOSK_CODE_MINUTES),
    )
    issued.code_hash = kiosk_code_hash(issued.id, code)
    issued.save()
    return issued, code


@transaction.atomic
def kiosk_code_email(*, actor: Actor, email: str) -> None:
    """Email a code to the holder of this address, if it has an account a code may open.

    Says nothing either way: the kiosk shows the same page whether or not an email left."""
    from civic.mail import email_send_templated

    user = _find_account(email)
    if user is None or not user.email or not representable(user):
        return
    issued, code = _kiosk_code_new(user=user, delivery=KioskCode.Delivery.EMAIL)
    email_send_templated(
        to=user.email,
        template_prefix="assist/email/kiosk_code",
        context={"code": code, "reference": issued.reference, "minutes": KIOSK_CODE_MINUTES},
        language=user.language,
    )


@transaction.atomic
def kiosk_code_print(*, actor: Actor, mandate: Mandate) -> tuple[KioskCode, str]:
    """A mediator prints a code for the resident of a current mandate (logged in their history)."""
    mandate, acting = _acting(actor=actor, mandate=mandate, scope=None)
    issued, code = _kiosk_code_new(
        user=mandate.resident, delivery=KioskCode.Delivery.PRINTED, mandate=mandate
    )
    with translation.override(settings.LANGUAGE_CODE):
        what = _("a one-time code to My data at a kiosk, printed by a mediator")
    AccessLog.record(actor=acting, subject=_subject(mandate.resident), what=what, obj=mandate)
    return issued, code


def _normal_reference(identifier: str) -> str:
    return "".join(c for c in identifier.upper() if c.isalnum())


def kiosk_code_use(*, actor: Actor, identifier: str, code: str) -> User:
    """The resident whose code this is, once: the code is then spent. A wrong code counts as one
    of its five tries; whatever is wrong, the same message (nothing tells what exists)."""
    refused = InvalidInput(
        _("This code does not open anything: it may be mistyped, already used or expired."),
        field="code",
    )
    terminal = None
    if actor.terminal is not None:
        terminal = KioskTerminal.objects.filter(pk=actor.terminal.id).first()
    if terminal is None:
        raise NotAllowed(_("A code opens My data only at a city kiosk."))
    identifier = identifier.strip()
    with transaction.atomic():
        codes = KioskCode.objects.select_for_update().select_related("user")
        if "@" in identifier:
            codes = codes.filter(user__email__iexact=identifier)
        else:
            codes = codes.filter(reference=_normal_reference(identifier))
        issued = codes.filter(used_at__isnull=True).order_by("-created_at").first()
        if issued is None or not issued.usable():
            raise refused
        if not issued.matches("".join(c for c in code if c.isdigit())):
            issued.attempts += 1
            issued.save(update_fields=["attempts"])
        else:
            issued.used_at = timezone.now()
            issued.used_on = terminal
            issued.save(update_fields=["used_at", "used_on"])
            return issued.user
    raise refused


# --- Reports filed for the resident (the reports app declares the scope) ---------------------


@transaction.atomic
def report_file_on_behalf(*, actor: Actor, mandate: Mandate, **submission: Any) -> Any:
    """File a report in the resident's name under a mandate that allows it: the report is theirs
    (channel "mediator", the mandate in its journal), and the act is in their access history."""
    from reports.registrations import MANDATE_SCOPE
    from reports.services import report_submit

    mandate, acting = _acting(actor=actor, mandate=mandate, scope=MANDATE_SCOPE)
    report = report_submit(actor=acting, language=mandate.resident.language, **submission)
    with translation.override(settings.LANGUAGE_CODE):
        what = _("report no. %(number)s filed in your name by a mediator") % {"number": report.pk}
    AccessLog.record(actor=acting, subject=_subject(mandate.resident), what=what, obj=mandate)
    return report


# --- Area alerts for the resident (the reports app declares the scope) -----------------------


@transaction.atomic
def area_alert_on_behalf(
    *, actor: Actor, mandate: Mandate, district: Any = None, stop: int | None = None
) -> Any:
    """Start an area alert of a district for the resident, or ``stop`` one of theirs."""
    from reports.registrations import ALERTS_MANDATE_SCOPE
    from reports.services import area_alert_create, area_alert_delete

    mandate, acting = _acting(actor=actor, mandate=mandate, scope=ALERTS_MANDATE_SCOPE)
    with translation.override(settings.LANGUAGE_CODE):
        if stop is not None:
            done: Any = area_alert_delete(actor=acting, alert_id=stop)
            what = _("an area alert stopped for you by a mediator")
        else:
            done = area_alert_create(actor=acting, district=district)
            what = _("an area alert started for you by a mediator")
    AccessLog.record(actor=acting, subject=_subject(mandate.resident), what=what, obj=mandate)
    return done


# --- A participatory budget vote for the resident (the budgets app declares the scope) ---------


@transaction.atomic
def budget_voter_verify_on_behalf(
    *, actor: Actor, mandate: Mandate, budget: Any, birth_year: int, district: Any
) -> Any:
    """Check the resident may vote in ``budget`` (year of birth, district), as their mediator."""
    from budgets.models import Voter
    from budgets.registrations import VOTE_SCOPE
    from budgets.services.voting import voter_verify

    mandate, acting = _acting(actor=actor, mandate=mandate, scope=VOTE_SCOPE)
    voter = voter_verify(
        actor=acting,
        budget=budget,
        user=mandate.resident,
        birth_year=birth_year,
        district=district,
        how=Voter.Verification.MEDIATOR,
    )
    with translation.override(settings.LANGUAGE_CODE):
        what = _("your right to vote in %(budget)s checked by a mediator") % {
            "budget": budget.title
        }
    AccessLog.record(actor=acting, subject=_subject(mandate.resident), what=what, obj=mandate)
    return voter


@transaction.atomic
def budget_ballot_cast_on_behalf(
    *, actor: Actor, mandate: Mandate, heading: Any, project_ids: Iterable[int]
) -> Any:
    """Cast, or change, the resident's ballot in ``heading`` (channel "mediator"); logged."""
    from budgets.registrations import VOTE_SCOPE
    from budgets.selectors import voter_of
    from budgets.services.voting import ballot_cast

    mandate, acting = _acting(actor=actor, mandate=mandate, scope=VOTE_SCOPE)
    voter = voter_of(user=mandate.resident, budget=heading.budget)
    if voter is None:
        raise NotAllowed(_("Check the resident's right to vote first."))
    ballot = ballot_cast(actor=acting, voter=voter, heading=heading, project_ids=project_ids)
    with translation.override(settings.LANGUAGE_CODE):
        what = _("your ballot in %(heading)s cast by a mediator") % {"heading": heading.name}
    AccessLog.record(actor=acting, subject=_subject(mandate.resident), what=what, obj=mandate)
    return ballot
