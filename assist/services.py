"""Writes of the assist app: mandates (record, confirm, revoke), acts on a resident's behalf, and
kiosk terminals.

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
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assist.models import (
    MANDATE_MAX_DAYS,
    KioskTerminal,
    Mandate,
    Organisation,
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
MANDATE_NOTICE_VERSION = 1


# --- Mandates --------------------------------------------------------------------------------


def mandate_notice_render(
    *,
    resident_name: str,
    organisation: Organisation,
    scope_codes: Iterable[str],
    starts_at: Any,
    ends_at: Any,
    language: str,
) -> str:
    """The notice the resident reads and signs, in their language. Its SHA-256 is kept."""
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


def _send_confirmation(mandate: Mandate) -> None:
    from civic.mail import email_send_templated

    token = new_token()
    mandate.confirmation_token_hash = token_hash(token)
    mandate.confirmation_sent_at = timezone.now()
    mandate.save(update_fields=["confirmation_token_hash", "confirmation_sent_at"])
    email_send_templated(
        to=mandate.resident.email,  # type: ignore[arg-type]
        template_prefix="assist/email/mandate_confirm",
        context={
            "mandate": mandate,
            "url": absolute_url(reverse("assist:mandate_confirm_link", args=[token])),
        },
        language=mandate.notice_language,
    )


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
    confirmation: str,
) -> Mandate:
    """Record a mandate, waiting for the resident's confirmation (signed paper or email link)."""
    mediator = _check_member(actor, organisation)
    codes = sorted(set(scopes))
    known = {scope.code for scope in mandate_scopes()}
    if not codes:
        raise InvalidInput(_("Choose at least one thing the mandate allows."), field="scopes")
    if not set(codes) <= known:
        raise InvalidInput(_("This mandate asks for something unknown."), field="scopes")
    if not 1 <= days <= MANDATE_MAX_DAYS:
        raise InvalidInput(_("A mandate lasts between one day and one year."), field="days")
    if resident.pk == mediator.pk:
        raise NotAllowed(_("A mediator cannot record a mandate for themselves."))
    if not resident.is_active:
        raise InvalidInput(_("This account is closed."), field="email")
    if confirmation not in Mandate.Confirmation.values:
        raise InvalidInput(_("Choose how the resident confirms."), field="confirmation")
    if confirmation == Mandate.Confirmation.EMAIL and not resident.email:
        raise InvalidInput(
            _("This resident has no email address: print the form for them to sign."),
            field="confirmation",
        )
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
        confirmation=confirmation,
    )
    AccessLog.record(
        actor=_mandate_actor(mediator=mediator, mandate=mandate),
        subject=_subject(resident),
        what=gettext_lazy("mandate recorded by a mediator, waiting for your confirmation"),
        obj=mandate,
    )
    if confirmation == Mandate.Confirmation.EMAIL:
        _send_confirmation(mandate)
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
        actor=actor,
        organisation=organisation,
        resident=resident,
        scopes=scopes,
        days=days,
        confirmation=Mandate.Confirmation.PAPER,
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
def mandate_confirmation_resend(*, actor: Actor, mandate: Mandate) -> Mandate:
    """Email a fresh confirmation link (the earlier one stops working)."""
    mandate = Mandate.objects.select_for_update().select_related("resident").get(pk=mandate.pk)
    _check_member(actor, mandate.organisation)
    _pending(mandate)
    if not mandate.resident.email:
        raise InvalidInput(
            _("This resident has no email address: print the form for them to sign.")
        )
    mandate.confirmation = Mandate.Confirmation.EMAIL
    mandate.save(update_fields=["confirmation"])
    _send_confirmation(mandate)
    return mandate


@transaction.atomic
def mandate_confirm_paper(*, actor: Actor, mandate: Mandate) -> Mandate:
    """The mediator attests that the resident signed the printed notice (kept on file)."""
    mandate = Mandate.objects.select_for_update().get(pk=mandate.pk)
    mediator = _check_member(actor, mandate.organisation)
    _pending(mandate)
    mandate.confirmation = Mandate.Confirmation.PAPER
    mandate.confirmation_token_hash = ""  # an emailed link, if any, no longer confirms
    mandate.confirmed_at = timezone.now()
    mandate.save(update_fields=["confirmation", "confirmation_token_hash", "confirmed_at"])
    AccessLog.record(
        actor=_mandate_actor(mediator=mediator, mandate=mandate),
        subject=_subject(mandate.resident),
        what=gettext_lazy("mandate confirmed on a signed paper form"),
        obj=mandate,
    )
    return mandate


def mandate_by_link(*, token: str) -> Mandate:
    """The mandate an emailed link confirms, while the link is valid."""
    mandate = (
        Mandate.objects.select_related("organisation", "resident")
        .filter(confirmation_token_hash=token_hash(token))
        .first()
    )
    if mandate is None or not mandate.confirmation_link_valid():
        raise NotFound(_("This link does not work any more. Ask the mediator for a new one."))
    return mandate


@transaction.atomic
def mandate_confirm_link(*, token: str) -> Mandate:
    """The resident confirms by the emailed link: possession of the address is the proof."""
    mandate = mandate_by_link(token=token)
    mandate = Mandate.objects.select_for_update().get(pk=mandate.pk)
    if not mandate.confirmation_link_valid():
        raise NotFound(_("This link does not work any more. Ask the mediator for a new one."))
    mandate.confirmed_at = timezone.now()
    mandate.confirmation_token_hash = ""
    mandate.save(update_fields=["confirmed_at", "confirmation_token_hash"])
    return mandate


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
    mandate.confirmation_token_hash = ""
    mandate.save(
        update_fields=["revoked_at", "revoked_by", "revoked_by_role", "confirmation_token_hash"]
    )
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
