"""The foundation's personal data: account, email addresses, MFA, sessions, admin log.

``civic`` and allauth cannot register themselves (the core imports no app, allauth knows nothing
of us), so ``consent`` registers their data from its own ``ready()``, and its own data beside it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from consent.registry import register

if TYPE_CHECKING:
    from civic.actors import Actor
    from civic.models import User

FOUNDATION_MODELS = (
    "civic.user",
    "account.emailaddress",
    "account.emailconfirmation",  # reached through the email address (cascade on delete)
    "mfa.authenticator",
    "admin.logentry",
    # No relation to the user: the user id sits inside the encoded data, so it is listed here.
    "sessions.session",
    # Machine clients: an organisation or device, never a person. Listed so the review shows;
    # they declare no personal field, so their admin needs no access log.
    "civic.apiclient",
    # Emails waiting to go out (deleted once sent): the address and the body name a person.
    "civic.outboxemail",
)

FOUNDATION_PERSONAL_FIELDS = {
    # Not date_joined, is_staff, language: needed to manage accounts in lists, and not
    # identifying on their own.
    "civic.user": ("email", "display_name", "password", "last_login"),
    "account.emailaddress": ("email",),
    "account.emailconfirmation": ("key", "email_address"),
    "mfa.authenticator": ("data",),
    # The repr and message of an admin action may name a person.
    "admin.logentry": ("object_repr", "change_message"),
    "sessions.session": ("session_data",),
    "civic.outboxemail": ("to", "subject", "text", "html", "headers"),
}


def _outbox_for(user: User) -> list[Any]:
    from allauth.account.models import EmailAddress

    from civic.models import OutboxEmail

    addresses = {
        user.email,
        *EmailAddress.objects.filter(user=user).values_list("email", flat=True),
    }
    addresses.discard(None)
    addresses.discard("")
    # Few rows (sent ones are deleted): read them rather than rely on JSON lookups SQLite lacks.
    return [email for email in OutboxEmail.objects.all() if addresses & set(email.to)]


def _sessions_of(user: User) -> list[Session]:
    return [
        session
        for session in Session.objects.filter(expire_date__gte=timezone.now())
        if session.get_decoded().get("_auth_user_id") == str(user.pk)
    ]


def _admin_log_about(user: User) -> Any:
    """Admin log entries about the person: on their account row, or naming them (an email or
    their public name in the entry's title or message)."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Q

    from consent.selectors import verified_emails

    about = Q(content_type=ContentType.objects.get_for_model(user), object_id=str(user.pk))
    names = {*verified_emails(user), (user.email or "").lower()}
    if len(user.display_name or "") >= 3:
        names.add(user.display_name)
    for name in sorted(filter(None, names)):
        about |= Q(object_repr__icontains=name) | Q(change_message__icontains=name)
    return LogEntry.objects.filter(about)


def _admin_log_pseudonymise(user: User) -> int:
    """Keep who did what and when (the staff member's accountability), not who it was about."""
    return _admin_log_about(user).update(object_repr=gettext("an erased person"), change_message="")


def _outbox_scrub(user: User) -> None:
    """Emails queued to others (a department told of a new report) lose the person's name and
    addresses; those to the person are dropped (``_outbox_for``)."""
    from civic.models import OutboxEmail
    from consent.registry import scrub
    from consent.selectors import verified_emails

    identifiers = {*verified_emails(user), user.email or "", user.display_name or ""}
    for email in OutboxEmail.objects.all():  # few rows: sent ones are deleted
        fields = {
            name: scrub(getattr(email, name), identifiers) for name in ("subject", "text", "html")
        }
        if any(fields[name] != getattr(email, name) for name in fields):
            OutboxEmail.objects.filter(pk=email.pk).update(**fields)


def export_account(user: User) -> dict[str, Any]:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from django.contrib.admin.models import LogEntry

    return {
        "account": {
            "email": user.email,
            "public_name": user.display_name,
            "language": user.language,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "is_staff": user.is_staff,
            "department": str(user.department) if user.department_id else None,
            "roles": sorted(user.groups.values_list("name", flat=True)),
        },
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("id")
        ],
        # Never the secrets themselves.
        "two_factor": [
            {
                "type": authenticator.type,
                "created_at": authenticator.created_at.isoformat(),
                "last_used_at": authenticator.last_used_at.isoformat()
                if authenticator.last_used_at
                else None,
            }
            for authenticator in Authenticator.objects.filter(user=user).order_by("id")
        ],
        "active_sessions": len(_sessions_of(user)),
        "emails_waiting": [
            {"subject": email.subject, "created_at": email.created_at.isoformat()}
            for email in _outbox_for(user)
        ],
        "admin_actions": LogEntry.objects.filter(user=user).count(),
    }


def erase_account(user: User, *, actor: Actor) -> dict[str, Any]:
    """Residents' accounts are deleted; staff accounts are deactivated (their acts stay).
    Emails not yet sent to the person are dropped either way, and the admin log forgets them."""
    pseudonymised = _admin_log_pseudonymise(user)
    _outbox_scrub(user)
    for email in _outbox_for(user):
        email.delete()
    sessions = _sessions_of(user)
    for session in sessions:
        session.delete()
    if user.is_staff:
        from allauth.mfa.models import Authenticator

        Authenticator.objects.filter(user=user).delete()
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["is_active", "password"])
        return {
            "deleted": [
                gettext("sessions"),
                gettext("two-factor devices"),
                gettext("password"),
                *_admin_log_receipt(pseudonymised),
            ],
            "kept": [
                {
                    "what": gettext("staff account and admin action log"),
                    "why": gettext("accountability of acts done for the city (public task)"),
                    "until": gettext("the end of the archive period of the acts"),
                }
            ],
        }
    user.delete()  # cascades to email addresses, confirmations, MFA devices, group links
    return {
        "deleted": [
            gettext("account"),
            gettext("email addresses"),
            gettext("two-factor devices"),
            gettext("sessions"),
            *_admin_log_receipt(pseudonymised),
        ],
        "kept": [],
    }


def _admin_log_receipt(count: int) -> list[str]:
    if not count:
        return []
    return [
        ngettext(
            "your name in %(count)d entry of the staff site's log",
            "your name in %(count)d entries of the staff site's log",
            count,
        )
        % {"count": count}
    ]


def account_retention(*, now: Any) -> int:
    from civic.mail import outbox_purge

    deleted, _by_model = Session.objects.filter(expire_date__lt=now).delete()
    return deleted + outbox_purge(now=now, days=settings.CIVIC_OUTBOX_FAILED_RETENTION_DAYS)


def export_consent(user: User) -> dict[str, Any]:
    from consent.models import AccessLog, ConsentEvent, PrivateMode
    from consent.selectors import subject_of_user, subjects_of_user

    subject = subject_of_user(user)
    subjects = subjects_of_user(user)
    if subject is None and not subjects:
        return {"subject": None, "consents": [], "accesses": [], "private_mode": False}
    return {
        "subject": str(subject.id) if subject is not None else None,
        "consents": [
            {
                "seq": event.seq,
                "purpose": event.purpose.code,
                "kind": event.kind,
                "notice_sha256": event.notice_sha256,
                "language": event.language,
                "channel": event.channel,
                "role": event.actor_role,
                "at": event.at.isoformat(),
                "hash": event.hash,
            }
            for event in ConsentEvent.objects.filter(subject__in=subjects).select_related("purpose")
        ],
        # Roles and departments, never staff names.
        "accesses": [
            {
                "at": entry.at.isoformat(),
                "role": entry.actor_role,
                "department": entry.actor_department,
                "channel": entry.channel,
                "what": entry.what,
                "why": entry.reason_text,
            }
            for entry in AccessLog.objects.filter(subject__in=subjects).select_related("reason")
        ],
        "private_mode": PrivateMode.objects.filter(user=user, enabled=True).exists(),
    }


def erase_consent(user: User, *, actor: Actor) -> dict[str, Any]:
    from consent.models import AccessReason, ExportArchive, PrivateMode, Subject
    from consent.selectors import subject_of_user, subjects_of_user
    from consent.services import subject_unlink

    subjects = subjects_of_user(user)
    # Reasons are free text that may quote the person: deleted; the chain keeps their hash.
    AccessReason.objects.filter(access__subject__in=subjects).delete()
    Subject.objects.filter(pk__in=[s.pk for s in subjects if s.user_id is None]).update(
        email_key="", unlinked_at=timezone.now()
    )
    for archive in ExportArchive.objects.filter(user=user):
        if archive.file:
            archive.file.delete(save=False)
        archive.delete()
    PrivateMode.objects.filter(user=user).delete()
    subject = subject_of_user(user)
    if subject is not None:
        subject_unlink(subject=subject)
    return {
        "deleted": [
            gettext("the link between you and your pseudonymous identifier"),
            gettext("your data exports"),
            gettext("your private mode setting"),
            gettext("the reasons staff gave for accessing your data"),
        ],
        "kept": [
            {
                "what": gettext("consent ledger entries, without any link to you"),
                "why": gettext("proof that consent was given or withdrawn (GDPR art. 7(1))"),
                "until": gettext("the end of the ledger's retention period"),
            },
            {
                "what": gettext("access log entries, without any link to you"),
                "why": gettext("accountability of staff access to personal data"),
                "until": gettext("the end of the access log's retention period"),
            },
        ],
    }


def consent_retention(*, now: Any) -> int:
    from consent.services import access_log_retention, export_retention

    return access_log_retention(now=now) + export_retention(now=now)


ACCOUNT_LABELS = {
    "account": _("Account"),
    "email": _("Email address"),
    "public_name": _("Public name"),
    "language": _("Language"),
    "date_joined": _("Account created"),
    "last_login": _("Last sign-in"),
    "is_staff": _("City staff"),
    "department": _("Department"),
    "roles": _("Roles"),
    "email_addresses": _("Email addresses"),
    "verified": _("Verified"),
    "primary": _("Primary"),
    "two_factor": _("Two-factor authentication"),
    "type": _("Type"),
    "created_at": _("Created"),
    "last_used_at": _("Last used"),
    "active_sessions": _("Signed-in devices"),
    "admin_actions": _("Actions in the staff site"),
    "emails_waiting": _("Emails waiting to be sent to you"),
    "subject": _("Subject"),
}

CONSENT_LABELS = {
    "subject": _("Pseudonymous identifier"),
    "consents": _("Consents and objections"),
    "seq": _("Ledger entry"),
    "purpose": _("Purpose"),
    "kind": _("Choice"),
    "notice_sha256": _("Notice hash"),
    "language": _("Language"),
    "channel": _("Channel"),
    "role": _("Role"),
    "at": _("When"),
    "hash": _("Entry hash"),
    "accesses": _("Accesses to your data"),
    "department": _("Department"),
    "what": _("What"),
    "why": _("Why"),
    "private_mode": _("Private mode"),
}


def register_foundation() -> None:
    register(
        "civic",
        summary=_(
            "Your account: email address, public name, language, sign-in and two-factor settings."
        ),
        exporter=export_account,
        eraser=erase_account,
        retention=account_retention,
        models=FOUNDATION_MODELS,
        personal_fields=FOUNDATION_PERSONAL_FIELDS,
        order=1000,  # last: deleting the user row cascades to what the others left
        purposes=("account",),
        labels=ACCOUNT_LABELS,
    )
    register(
        "consent",
        summary=_("Your consents and objections, and who accessed your data."),
        exporter=export_consent,
        eraser=erase_consent,
        retention=consent_retention,
        order=900,
        purposes=("consent-records", "access-log"),
        labels=CONSENT_LABELS,
    )
