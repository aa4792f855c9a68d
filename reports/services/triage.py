"""Staff triage: status, public and internal updates, re-categorisation, place, assignment,
duplicates, hiding; notifying followers in their language; a staff edit as one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civic.actors import Actor, Channel
from civic.city import absolute_url
from civic.errors import InvalidInput, NotAllowed
from civic.mail import email_send_templated
from consent.selectors import private_mode_is_on, processing_allowed
from reports.models import (
    OPEN311_OPEN,
    Category,
    Report,
    ResponseTemplate,
    Status,
    Subscription,
    Support,
    Update,
)
from reports.services.submission import department_notify, locate, route
from reports.tiles import cell_of, tiles_invalidate

if TYPE_CHECKING:
    from civic.models import User

# Gate points (consent.registry.PurposeSpec.gates), declared in reports/registrations.py.
STATUS_EMAIL = "reports.status-email"

_STAMPS = {
    Status.ACKNOWLEDGED: "acknowledged_at",
    Status.FIXED: "fixed_at",
    Status.CLOSED: "closed_at",
    Status.NOT_RESPONSIBLE: "closed_at",
    Status.DUPLICATE: "closed_at",
}


def _recipients(report: Report, *, exclude: User | None) -> list[tuple[str, str]]:
    """(email, language) of the author and followers, each once, never the one acting.

    Paused follows (private mode) are skipped, and so is an author in private mode, and anyone
    who objected to follow-up emails (consent's ledger, gate ``STATUS_EMAIL``)."""
    seen: dict[str, str] = {}
    if report.reporter is not None:
        reporter = report.reporter
        if (
            reporter.email
            and not private_mode_is_on(reporter)
            and processing_allowed(reporter, STATUS_EMAIL)
        ):
            seen[reporter.email] = reporter.language
    elif report.contact_email:
        seen[report.contact_email] = report.language
    for subscription in report.subscriptions.filter(paused=False).select_related("user"):
        follower = subscription.user
        if follower.email and follower.is_active and processing_allowed(follower, STATUS_EMAIL):
            seen.setdefault(follower.email, follower.language)
    if exclude is not None and exclude.email:
        seen.pop(exclude.email, None)
    return list(seen.items())


def _notify(report: Report, update: Update, *, actor: Actor) -> None:
    if not update.is_public or report.status not in {*OPEN311_OPEN, *_STAMPS}:
        return
    url = absolute_url(report.get_absolute_url())
    for email, language in _recipients(report, exclude=actor.user):
        email_send_templated(
            to=email,
            template_prefix="reports/email/updated",
            context={"report": report, "update": update, "url": url},
            language=language,
        )


@transaction.atomic
def report_change_status(
    *,
    actor: Actor,
    report: Report,
    status: str,
    text: str = "",
    is_public: bool = True,
    kind: str = "",
) -> Update:
    """Move a report to a state, with an optional answer; the author and followers are told.
    ``kind`` instead of ``text``: the system's words, shown in each reader's language."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    status = Status(status)
    if status in (Status.UNCONFIRMED, Status.HIDDEN, Status.DUPLICATE):
        raise InvalidInput(
            _("Use the dedicated action to hide a report or mark it as a duplicate."),
            field="status",
        )
    if report.status in (Status.UNCONFIRMED, Status.HIDDEN) and actor.channel != Channel.STAFF:
        raise NotAllowed(_("This report is not public."))
    previous = report.status
    report.status = status
    fields = ["status", "updated_at"]
    stamp = _STAMPS.get(status)
    if stamp and getattr(report, stamp) is None:
        setattr(report, stamp, timezone.now())
        fields.append(stamp)
    report.save(update_fields=fields)
    update = Update.objects.create(
        report=report,
        author=actor.user,
        is_public=is_public,
        **(Update.system(kind) if kind else {"text": text.strip()}),
        status_from=previous if previous != status else "",
        status_to=status if previous != status else "",
    )
    _notify(report, update, actor=actor)
    tiles_invalidate((report.lat, report.lon))
    return update


@transaction.atomic
def report_add_update(*, actor: Actor, report: Report, text: str, is_public: bool) -> Update:
    """A public answer (notified) or an internal note (staff only), without a change of state."""
    text = text.strip()
    if not text:
        raise InvalidInput(_("Write the text of the update."), field="text")
    update = Update.objects.create(report=report, author=actor.user, is_public=is_public, text=text)
    Report.objects.filter(pk=report.pk).update(updated_at=timezone.now())
    _notify(report, update, actor=actor)
    return update


@transaction.atomic
def report_recategorise(*, actor: Actor, report: Report, category: Category) -> Report:
    """A new category re-routes the report to its department (district rules apply)."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.category_id == category.pk:
        return report
    previous = report.category
    report.category = category
    report.department = route(category=category, district=report.district)
    report.save(update_fields=["category", "department", "updated_at"])
    tiles_invalidate((report.lat, report.lon))
    # Public, on the timeline and the feed (the report's title changes), but not emailed.
    Update.objects.create(
        report=report,
        author=actor.user,
        is_public=True,
        **Update.system(
            Update.Kind.RECATEGORISED,
            old=previous.names(),
            new=category.names(),
            department=report.department.name,
        ),
    )
    department_notify(report)
    return report


@transaction.atomic
def report_place(
    *, actor: Actor, report: Report, lat: float, lon: float
) -> Report:  # triage of a report sent with an address only
    report = Report.objects.select_for_update().get(pk=report.pk)
    district = locate(lat=lat, lon=lon, address="", district=None)
    old = (report.lat, report.lon)
    report.lat, report.lon, report.district = lat, lon, district
    report.cell = cell_of(lat, lon)
    report.department = route(category=report.category, district=district)
    report.save(update_fields=["lat", "lon", "cell", "district", "department", "updated_at"])
    tiles_invalidate(old, (lat, lon))
    return report


def assignable_to(report: Report) -> QuerySet[User]:
    """The colleagues a report may be given to: active staff of its department, and triagers."""
    triage_all = Q(
        groups__permissions__codename="triage_all",
        groups__permissions__content_type__app_label="reports",
    )
    return (
        get_user_model()
        .objects.filter(is_staff=True, is_active=True)
        .filter(Q(department_id=report.department_id) | triage_all | Q(is_superuser=True))
        .distinct()
        .order_by("display_name", "email")
    )


def staff_name(user: User) -> str:
    return user.display_name or user.email or str(user.pk)


@transaction.atomic
def report_assign(*, actor: Actor, report: Report, assignee: User | None) -> Report:
    """Give the report to a colleague (or to no one): journaled as an internal update, and the
    new assignee told by email (unless they assigned it to themselves)."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    if assignee is not None and not assignable_to(report).filter(pk=assignee.pk).exists():
        raise InvalidInput(
            _("Choose a colleague of the department in charge of the report."), field="assignee"
        )
    if report.assignee_id == (assignee.pk if assignee else None):
        return report
    Report.objects.filter(pk=report.pk).update(assignee=assignee, updated_at=timezone.now())
    report.assignee = assignee
    Update.objects.create(
        report=report,
        author=actor.user,
        is_public=False,
        **(
            Update.system(Update.Kind.ASSIGNED, name=staff_name(assignee))
            if assignee is not None
            else Update.system(Update.Kind.UNASSIGNED)
        ),
    )
    if assignee is not None and assignee != actor.user and assignee.email:
        email_send_templated(
            to=assignee.email,
            template_prefix="reports/email/assigned",
            context={
                "report": report,
                "by": staff_name(actor.user) if actor.user else "",
                "url": absolute_url(reverse("admin:reports_report_change", args=[report.pk])),
            },
            language=assignee.language,
        )
    return report


def report_language(report: Report) -> str:
    """The language the report's author reads: their account's, or the one they wrote in."""
    language = report.reporter.language if report.reporter is not None else report.language
    return (language or "fr").split("-")[0]


def response_text(template: ResponseTemplate, report: Report) -> str:
    """A response template's text in the author's language, when the template has one
    (per-language fields ``text_fr``/``text_en``), else its text as written."""
    return str(getattr(template, f"text_{report_language(report)}", "") or template.text)


@transaction.atomic
def report_mark_duplicate(*, actor: Actor, report: Report, original: Report) -> Report:
    """Close as a duplicate; its followers and supports move to the original."""
    if original.pk == report.pk:
        raise InvalidInput(_("A report cannot duplicate itself."), field="duplicate_of")
    if original.duplicate_of_id == report.pk or not original.is_public:
        raise InvalidInput(_("Choose a public report that is not a duplicate of this one."))
    report = Report.objects.select_for_update().get(pk=report.pk)
    previous = report.status
    report.status = Status.DUPLICATE
    report.duplicate_of = original
    report.closed_at = report.closed_at or timezone.now()
    report.save(update_fields=["status", "duplicate_of", "closed_at", "updated_at"])
    tiles_invalidate((report.lat, report.lon))
    for model in (Subscription, Support):
        existing = set(model.objects.filter(report=original).values_list("user_id", flat=True))
        rows = model.objects.filter(report=report)
        rows.exclude(user_id__in=existing).update(report=original)
        rows.filter(report=report).delete()
    if report.reporter is not None and not private_mode_is_on(report.reporter):
        Subscription.objects.get_or_create(report=original, user=report.reporter)
    update = Update.objects.create(
        report=report,
        author=actor.user,
        **Update.system(Update.Kind.DUPLICATE, id=original.pk),
        status_from=previous,
        status_to=Status.DUPLICATE,
    )
    _notify(report, update, actor=actor)
    return report


@transaction.atomic
def report_hide(*, actor: Actor, report: Report, reason: str, kind: str = "") -> Report:
    """Hide with a reason (for staff); ``kind`` marks a reason the system gives (see
    ``SYSTEM_HIDDEN_REASONS``), shown in the reader's language."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Say why the report is hidden."), field="hidden_reason")
    report = Report.objects.select_for_update().get(pk=report.pk)
    previous = report.status
    report.status = Status.HIDDEN
    report.hidden_reason = reason
    report.save(update_fields=["status", "hidden_reason", "updated_at"])
    tiles_invalidate((report.lat, report.lon))
    written = Update.system(kind) if kind else {"text": reason}
    Update.objects.create(
        report=report,
        author=actor.user,
        is_public=False,
        status_from=previous,
        status_to=Status.HIDDEN,
        **written,
    )
    return report


def reports_visible_to(user: User) -> Q:
    """Department agents see their department's reports; triagers and admins see all."""
    if user.is_superuser or user.has_perm("reports.triage_all"):
        return Q()
    if user.department_id is None:
        return Q(pk__in=[])
    return Q(department_id=user.department_id)


@dataclass(frozen=True)
class StaffEdit:
    """What a staff member changed on a report's page, beyond its plain fields."""

    category: Category | None = None  # a new category (re-routed)
    place: tuple[float, float] | None = None  # a new position (lat, lon)
    duplicate_of: Report | None = None
    status: str = ""  # a new status, answered with ``public_text``
    public_text: str = ""
    internal_note: str = ""
    hide_reason: str = ""
    assign: bool = False  # give the report to ``assignee`` (None: to no one)
    assignee: User | None = None


@transaction.atomic
def report_staff_edit(*, actor: Actor, report: Report, edit: StaffEdit) -> Report:
    """A staff edit as one transaction: the plain fields already set on ``report`` and every
    change with side effects. If any step refuses, nothing is saved and no email goes out
    (the emails wait in the outbox of this transaction)."""
    previous = Report.objects.select_for_update().get(pk=report.pk)
    report.save()
    if edit.category is not None and edit.category != previous.category:
        report_recategorise(actor=actor, report=report, category=edit.category)
    if edit.place is not None:
        report_place(actor=actor, report=report, lat=edit.place[0], lon=edit.place[1])
    if edit.assign:
        report_assign(actor=actor, report=report, assignee=edit.assignee)
    if edit.duplicate_of is not None and edit.duplicate_of != previous.duplicate_of:
        report_mark_duplicate(actor=actor, report=report, original=edit.duplicate_of)
    if edit.status and edit.status != previous.status:
        report_change_status(actor=actor, report=report, status=edit.status, text=edit.public_text)
    elif edit.public_text:
        report_add_update(actor=actor, report=report, text=edit.public_text, is_public=True)
    if edit.internal_note:
        report_add_update(actor=actor, report=report, text=edit.internal_note, is_public=False)
    if edit.hide_reason:
        report_hide(actor=actor, report=report, reason=edit.hide_reason)
    return report
