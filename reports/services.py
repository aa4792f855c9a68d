"""Writes on reports. Each service takes a keyword-only ``actor`` and owns its invariants."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civic.actors import Actor, Channel
from civic.city import absolute_url
from civic.errors import InvalidInput, NotAllowed, NotFound
from civic.mail import email_send_templated
from civic.models import Department, District
from civic.outbox import task_send, task_send_on_commit
from civic.photos import CleanPhoto, anonymise
from consent.selectors import private_mode_is_on
from reports.models import (
    HIDDEN_REASON_HELD_BACK,
    HIDDEN_REASON_WITHDRAWN,
    OPEN311_OPEN,
    Abuser,
    AreaAlert,
    Category,
    Photo,
    Report,
    RoutingRule,
    Status,
    Subscription,
    Support,
    Update,
)
from reports.tiles import cell_of, tiles_invalidate

if TYPE_CHECKING:
    from civic.models import User

MAX_PHOTOS = 5
MAX_DESCRIPTION = 5000
EDIT_WINDOW_MINUTES = 30
_CONFIRM_SALT = "reports.confirm"
_MANAGE_SALT = "reports.manage"


# --- Tokens in emailed links -------------------------------------------------------------------


def confirm_token(report: Report) -> str:
    return signing.dumps(report.pk, salt=_CONFIRM_SALT)


def manage_token(report: Report) -> str:
    return signing.dumps(report.pk, salt=_MANAGE_SALT)


def report_for_token(token: str, *, manage: bool = False) -> Report:
    salt = _MANAGE_SALT if manage else _CONFIRM_SALT
    max_age = None if manage else 7 * 24 * 3600
    try:
        pk = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:
        raise NotFound(_("This link is invalid or has expired.")) from None
    report = Report.objects.filter(pk=pk).first()
    if report is None:
        raise NotFound(_("This link is invalid or has expired."))
    return report


# --- Checks -----------------------------------------------------------------------------------


def _locate(
    *,
    lat: float | None,
    lon: float | None,
    address: str,
    district: District | None,
    district_required: bool = True,
) -> District | None:
    if lat is not None or lon is not None:
        if lat is None or lon is None:
            raise InvalidInput(_("Give both the latitude and the longitude."), field="lat")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise InvalidInput(_("These coordinates do not exist."), field="lat")
        found = District.containing(lat, lon)
        if found is None:
            raise InvalidInput(
                _(
                    "This place is outside the city: we can only deal with problems within "
                    "its districts. Check the pin, or describe the place and pick a district."
                ),
                field="lat",
                code="outside_city",
            )
        return found
    if not address.strip() or (district is None and district_required):
        raise InvalidInput(
            _("Say where the problem is: set a point, or describe the place and pick a district."),
            field="address",
            code="location_required",
        )
    return district


def route(*, category: Category, district: District | None) -> Department:
    """Which department deals with a category in a district."""
    if district is not None:
        rule = RoutingRule.objects.filter(category=category, district=district).first()
        if rule is not None:
            return rule.department
    return category.department


def _clean_answers(category: Category, answers: dict[str, Any] | None) -> dict[str, Any]:
    answers = answers or {}
    cleaned: dict[str, Any] = {}
    for question in category.localized_questions():
        code = str(question.get("code"))
        value = answers.get(code, "")
        value = value.strip() if isinstance(value, str) else value
        if question.get("required") and value in ("", None, []):
            raise InvalidInput(
                _("Please answer: %(question)s") % {"question": question["label"]},
                field=f"attribute[{code}]",
            )
        values = [str(option.get("key")) for option in question.get("values", [])]
        if values and value not in ("", None) and str(value) not in values:
            raise InvalidInput(
                _("Choose one of the answers offered for: %(question)s")
                % {"question": question["label"]},
                field=f"attribute[{code}]",
            )
        if value not in ("", None):
            cleaned[code] = value
    return cleaned


# --- Photos -----------------------------------------------------------------------------------


def photo_store_draft(*, clean: CleanPhoto, draft: str, position: int = 0) -> Photo:
    """Keep a cleaned upload (unblurred, in private storage) for a form until it is sent."""
    photo = Photo(draft=draft, width=clean.width, height=clean.height, position=position)
    photo.original.save(f"reports/{secrets.token_hex(16)}.jpg", ContentFile(clean.jpeg), save=False)
    photo.save()
    return photo


def draft_photos(draft: str) -> list[Photo]:
    if not draft:
        return []
    return list(Photo.objects.filter(draft=draft, report=None).order_by("position", "id"))


def photo_anonymise(*, photo_id: int) -> Photo | None:
    """Pixelate faces and publish the photo. Idempotent: a public photo is left as it is."""
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None or photo.state == Photo.State.READY or not photo.original:
        return photo
    with photo.original.open("rb") as handle:
        jpeg = handle.read()
    public, thumb, count = anonymise(jpeg)
    name = secrets.token_hex(16)
    photo.image.save(f"reports/photos/{name}.jpg", ContentFile(public), save=False)
    photo.thumbnail.save(f"reports/photos/{name}-thumb.jpg", ContentFile(thumb), save=False)
    photo.faces = count
    photo.state = Photo.State.READY
    # Published only if no other run (the sweep racing the first send) got there first.
    published = Photo.objects.filter(pk=photo.pk, state=Photo.State.PENDING).update(
        image=photo.image.name, thumbnail=photo.thumbnail.name, faces=count, state=photo.state
    )
    if not published:
        photo.image.delete(save=False)
        photo.thumbnail.delete(save=False)
        photo.refresh_from_db()
    return photo


def photos_sweep(*, now: datetime, older_than: timedelta = timedelta(minutes=5)) -> int:
    """Send again the anonymisation of photos left pending (broker down, worker lost)."""
    from reports.tasks import photo_anonymise_task

    pending = (
        Photo.objects.filter(
            state=Photo.State.PENDING, report__isnull=False, created_at__lt=now - older_than
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:200]
    )
    return sum(task_send(photo_anonymise_task, photo_id) for photo_id in pending)


def _photos_attach(report: Report, photos: Iterable[Photo]) -> None:
    from reports.tasks import photo_anonymise_task

    for position, photo in enumerate(photos):
        photo.report = report
        photo.draft = ""
        photo.position = position
        photo.save(update_fields=["report", "draft", "position"])
        task_send_on_commit(photo_anonymise_task, photo.pk)


# --- Submission -------------------------------------------------------------------------------


def report_for_idempotency_key(key: str) -> Report | None:
    """A report already filed with this key (API header, or the web form's token)."""
    if not key:
        return None
    return Report.objects.filter(idempotency_key=idempotency_hash(key)).first()


def idempotency_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def report_submit(
    *,
    actor: Actor,
    category: Category,
    description: str,
    lat: float | None = None,
    lon: float | None = None,
    address: str = "",
    district: District | None = None,
    district_required: bool = True,
    answers: dict[str, Any] | None = None,
    contact_email: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    show_name: bool = False,
    photos: Iterable[Photo] = (),
    client_media_url: str = "",
    idempotency_key: str = "",
    language: str | None = None,
) -> Report:
    """File a report. Published at once when a signed-in resident or an API client sends it,
    or when nobody is named in a category that takes anonymous reports; with an email but no
    account it waits (``unconfirmed``) until the emailed link is followed.

    A person in private mode (consent) is never named publicly and does not follow the report
    automatically."""
    photos = list(photos)
    description = (description or "").strip()
    if not category.is_active:
        raise InvalidInput(_("This category is no longer in use."), field="category")
    if not description:
        raise InvalidInput(_("Describe the problem in a few words."), field="description")
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(
            _("The description is too long (at most %(n)s characters).") % {"n": MAX_DESCRIPTION},
            field="description",
        )
    if len(photos) > MAX_PHOTOS:
        raise InvalidInput(_("Send at most 5 photos."), field="photos")
    found = _locate(
        lat=lat, lon=lon, address=address, district=district, district_required=district_required
    )
    cleaned_answers = _clean_answers(category, answers)
    user = actor.subject_user
    private = private_mode_is_on(user)
    if private:
        show_name = False
    contact_email = (contact_email or "").strip().lower()
    if user is None and actor.api_client is None and not contact_email:
        if contact_name.strip() or contact_phone.strip():
            raise InvalidInput(
                _("Give an email address too, so we can confirm the report."),
                field="email",
            )
        if not category.anonymous_allowed:
            raise InvalidInput(
                _("This category needs an email address, so the city can reach you."),
                field="email",
            )
    if user is not None or actor.api_client is not None or not contact_email:
        status = Status.OPEN
    else:
        status = Status.UNCONFIRMED
    sender = (user.email if user is not None and user.email else contact_email) or ""
    held_back = bool(sender) and Abuser.objects.filter(email__iexact=sender).exists()
    if held_back:
        status = Status.HIDDEN
    now = timezone.now()
    report = Report.objects.create(
        category=category,
        lat=lat,
        lon=lon,
        cell=cell_of(lat, lon),
        district=found,
        address=address.strip(),
        description=description,
        answers=cleaned_answers,
        status=status,
        channel=actor.channel,
        department=route(category=category, district=found),
        reporter=user,
        contact_email="" if user is not None and user.email else contact_email,
        contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(),
        show_name=show_name,
        language=language or (user.language if user else settings.LANGUAGE_CODE),
        api_client=actor.api_client,
        idempotency_key=idempotency_hash(idempotency_key) if idempotency_key else "",
        client_media_url=client_media_url,
        confirmed_at=now if status == Status.OPEN else None,
        hidden_reason=HIDDEN_REASON_HELD_BACK if held_back else "",
    )
    _photos_attach(report, photos)
    if user is not None and not private:
        Subscription.objects.get_or_create(report=report, user=user)
    if status == Status.HIDDEN:
        return report  # looks sent to its sender; staff review it in the admin
    if status == Status.UNCONFIRMED:
        email_send_templated(
            to=contact_email,
            template_prefix="reports/email/confirm",
            context={
                "report": report,
                "url": absolute_url(reverse("reports:confirm", args=[confirm_token(report)])),
            },
            language=report.language,
        )
    else:
        _published(report)
        tiles_invalidate((report.lat, report.lon))
    return report


@transaction.atomic
def report_open_for_staff(
    *, actor: Actor, service_code: str, lat: float, lon: float, description: str
) -> Report:
    """An ``open`` report filed by an automatic process (a sensor alert) for staff to handle,
    in the category of ``service_code`` whether or not it takes anonymous reports; routed as
    usual. Nobody is named or subscribed."""
    if actor.channel != Channel.SYSTEM and not (actor.user is not None and actor.user.is_staff):
        raise NotAllowed(_("Only staff or the system may open a report this way."))
    category = Category.objects.filter(service_code=service_code, is_active=True).first()
    if category is None:
        raise NotFound(_("No active category has this service code."), field="service_code")
    description = description.strip()[:MAX_DESCRIPTION]
    if not description:
        raise InvalidInput(_("Describe the problem in a few words."), field="description")
    found = _locate(lat=lat, lon=lon, address="", district=None)
    report = Report.objects.create(
        category=category,
        lat=lat,
        lon=lon,
        cell=cell_of(lat, lon),
        district=found,
        description=description,
        status=Status.OPEN,
        channel=actor.channel,
        department=route(category=category, district=found),
        language=settings.LANGUAGE_CODE,
        confirmed_at=timezone.now(),
    )
    _published(report)
    tiles_invalidate((report.lat, report.lon))
    return report


def _published(report: Report) -> None:
    """Tell the department; give an author without an account their private manage link."""
    if report.department.email:
        email_send_templated(
            to=report.department.email,
            template_prefix="reports/email/department_new",
            context={
                "report": report,
                "url": absolute_url(reverse("admin:reports_report_change", args=[report.pk])),
            },
            language=settings.LANGUAGE_CODE,
        )
    if report.reporter is None and report.contact_email:
        email_send_templated(
            to=report.contact_email,
            template_prefix="reports/email/manage",
            context={
                "report": report,
                "url": absolute_url(reverse("reports:manage", args=[manage_token(report)])),
            },
            language=report.language,
        )


@transaction.atomic
def report_confirm(*, actor: Actor, report: Report) -> Report:
    """The emailed link was followed: publish. Following it again changes nothing."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.status != Status.UNCONFIRMED:
        return report
    report.status = Status.OPEN
    report.confirmed_at = timezone.now()
    report.save(update_fields=["status", "confirmed_at", "updated_at"])
    _published(report)
    tiles_invalidate((report.lat, report.lon))
    return report


# --- Staff ------------------------------------------------------------------------------------

_STAMPS = {
    Status.ACKNOWLEDGED: "acknowledged_at",
    Status.FIXED: "fixed_at",
    Status.CLOSED: "closed_at",
    Status.NOT_RESPONSIBLE: "closed_at",
    Status.DUPLICATE: "closed_at",
}


def _recipients(report: Report, *, exclude: User | None) -> list[tuple[str, str]]:
    """(email, language) of the author and followers, each once, never the one acting.

    Paused follows (private mode) are skipped, and so is an author in private mode."""
    seen: dict[str, str] = {}
    if report.reporter is not None:
        if report.reporter.email and not private_mode_is_on(report.reporter):
            seen[report.reporter.email] = report.reporter.language
    elif report.contact_email:
        seen[report.contact_email] = report.language
    for subscription in report.subscriptions.filter(paused=False).select_related("user"):
        if subscription.user.email and subscription.user.is_active:
            seen.setdefault(subscription.user.email, subscription.user.language)
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
    if report.department.email:
        email_send_templated(
            to=report.department.email,
            template_prefix="reports/email/department_new",
            context={
                "report": report,
                "url": absolute_url(reverse("admin:reports_report_change", args=[report.pk])),
            },
            language=settings.LANGUAGE_CODE,
        )
    return report


@transaction.atomic
def report_place(
    *, actor: Actor, report: Report, lat: float, lon: float
) -> Report:  # triage of a report sent with an address only
    report = Report.objects.select_for_update().get(pk=report.pk)
    district = _locate(lat=lat, lon=lon, address="", district=None)
    old = (report.lat, report.lon)
    report.lat, report.lon, report.district = lat, lon, district
    report.cell = cell_of(lat, lon)
    report.department = route(category=report.category, district=district)
    report.save(update_fields=["lat", "lon", "cell", "district", "department", "updated_at"])
    tiles_invalidate(old, (lat, lon))
    return report


@transaction.atomic
def report_assign(*, actor: Actor, report: Report, assignee: User | None) -> Report:
    if assignee is not None and not assignee.is_staff:
        raise InvalidInput(_("Only city staff can be assigned a report."), field="assignee")
    Report.objects.filter(pk=report.pk).update(assignee=assignee, updated_at=timezone.now())
    report.assignee = assignee
    return report


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


def _is_author(actor: Actor, report: Report, *, manage_token_ok: bool) -> bool:
    user = actor.subject_user
    return manage_token_ok or (user is not None and report.reporter_id == user.pk)


@transaction.atomic
def report_withdraw(*, actor: Actor, report: Report, manage_token_ok: bool = False) -> Report:
    """The author takes back a report while it is open: it is hidden, not deleted."""
    if not _is_author(actor, report, manage_token_ok=manage_token_ok):
        raise NotAllowed(_("Only the author can withdraw this report."))
    if report.status not in (Status.OPEN, Status.UNCONFIRMED):
        raise InvalidInput(
            _("The city is already dealing with this report: it can't be withdrawn.")
        )
    return report_hide(
        actor=actor, report=report, reason=HIDDEN_REASON_WITHDRAWN, kind=Update.Kind.WITHDRAWN
    )


@transaction.atomic
def report_name_hide(*, actor: Actor, report: Report, manage_token_ok: bool = False) -> Report:
    if not _is_author(actor, report, manage_token_ok=manage_token_ok):
        raise NotAllowed(_("Only the author can change this."))
    Report.objects.filter(pk=report.pk).update(show_name=False)
    report.show_name = False
    return report


# --- Residents around a report ----------------------------------------------------------------


def report_follow(*, actor: Actor, report: Report) -> Subscription:
    user = actor.subject_user
    if user is None:
        raise NotAllowed(_("Sign in to follow a report."))
    if not report.is_public:
        raise NotFound(_("This report does not exist."))
    subscription, _created = Subscription.objects.get_or_create(report=report, user=user)
    if subscription.paused:  # following again, even in private mode, is the person's choice
        Subscription.objects.filter(pk=subscription.pk).update(paused=False)
        subscription.paused = False
    return subscription


def report_unfollow(*, actor: Actor, report: Report) -> None:
    user = actor.subject_user
    if user is not None:
        Subscription.objects.filter(report=report, user=user).delete()


def report_support(*, actor: Actor, report: Report) -> Support:
    """ "Me too": counted for staff, and the supporter follows the report (unless in private
    mode, which pauses follows)."""
    user = actor.subject_user
    if user is None:
        raise NotAllowed(_("Sign in to support a report."))
    if not report.is_public or not report.is_open:
        raise InvalidInput(_("Only open reports can be supported."))
    with transaction.atomic():
        support, _created = Support.objects.get_or_create(report=report, user=user)
        if not private_mode_is_on(user):
            Subscription.objects.get_or_create(report=report, user=user)
    return support


def reports_visible_to(user: User) -> Q:
    """Department agents see their department's reports; triagers and admins see all."""
    if user.is_superuser or user.has_perm("reports.triage_all"):
        return Q()
    if user.department_id is None:
        return Q(pk__in=[])
    return Q(department_id=user.department_id)


# --- "Is it fixed?" ---------------------------------------------------------------------------

FIXED_QUESTION_AFTER_DAYS = 28
_QUESTION_SALT = "reports.fixed-question"
SWEEP_BATCH = 500


def fixed_question_token(report: Report) -> str:
    return signing.dumps(report.pk, salt=_QUESTION_SALT)


def report_for_question_token(token: str) -> Report:
    try:
        pk = signing.loads(token, salt=_QUESTION_SALT, max_age=60 * 24 * 3600)
    except signing.BadSignature:
        raise NotFound(_("This link is invalid or has expired.")) from None
    report = Report.objects.public().filter(pk=pk).first()
    if report is None:
        raise NotFound(_("This link is invalid or has expired."))
    return report


def fixed_question_sweep(*, now: Any = None) -> int:
    """Ask authors of reports published four weeks ago whether the problem is fixed. Database
    state, swept by beat: each report is asked once, whatever the worker restarts."""
    now = now or timezone.now()
    due = (
        Report.objects.public()
        .exclude(status=Status.DUPLICATE)
        .filter(
            fixed_question_at=None,
            confirmed_at__lte=now - timedelta(days=FIXED_QUESTION_AFTER_DAYS),
        )
        .filter(Q(reporter__isnull=False) | ~Q(contact_email=""))
        .select_related("reporter", "category")
        .order_by("confirmed_at")[:SWEEP_BATCH]
    )
    asked = 0
    for report in due:
        with transaction.atomic():
            claimed = Report.objects.filter(pk=report.pk, fixed_question_at=None).update(
                fixed_question_at=now
            )
            if not claimed or not report.sender_email:
                continue
            language = report.reporter.language if report.reporter else report.language
            email_send_templated(
                to=report.sender_email,
                template_prefix="reports/email/fixed_question",
                context={
                    "report": report,
                    "url": absolute_url(
                        reverse("reports:fixed_question", args=[fixed_question_token(report)])
                    ),
                },
                language=language,
            )
            asked += 1
    return asked


@transaction.atomic
def fixed_question_answer(*, actor: Actor, report: Report, fixed: bool) -> Report:
    """The author's answer: fixed closes an open report; not fixed reopens a closed one."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    if fixed and report.status in OPEN311_OPEN:
        report_change_status(
            actor=actor, report=report, status=Status.FIXED, kind=Update.Kind.FIXED_BY_AUTHOR
        )
    elif not fixed and report.status in (Status.FIXED, Status.CLOSED):
        report_change_status(
            actor=actor, report=report, status=Status.OPEN, kind=Update.Kind.REOPENED_BY_AUTHOR
        )
    report.refresh_from_db()
    return report


# --- The author's changes -------------------------------------------------------------------


@transaction.atomic
def report_edit(
    *, actor: Actor, report: Report, description: str, manage_token_ok: bool = False
) -> Report:
    """The author may correct the description for 30 minutes after sending."""
    if not _is_author(actor, report, manage_token_ok=manage_token_ok):
        raise NotAllowed(_("Only the author can change this."))
    if timezone.now() - report.created_at > timedelta(minutes=EDIT_WINDOW_MINUTES):
        raise InvalidInput(_("A report can be corrected for 30 minutes after sending only."))
    description = description.strip()
    if not description:
        raise InvalidInput(_("Describe the problem in a few words."), field="description")
    Report.objects.filter(pk=report.pk).update(
        description=description[:MAX_DESCRIPTION], updated_at=timezone.now()
    )
    report.refresh_from_db()
    return report


# --- Area alerts ------------------------------------------------------------------------------


def area_alert_create(
    *,
    actor: Actor,
    district: District | None = None,
    lat: float | None = None,
    lon: float | None = None,
    radius_m: int = 500,
) -> AreaAlert:
    user = actor.subject_user
    if user is None or not user.email:
        raise NotAllowed(_("Sign in to receive alerts."))
    if district is None and (lat is None or lon is None):
        raise InvalidInput(_("Choose a district, or a point and a radius."), field="district")
    if district is None and not 50 <= radius_m <= 5000:
        raise InvalidInput(_("The radius must be between 50 m and 5 km."), field="radius_m")
    return AreaAlert.objects.create(
        user=user,
        district=district,
        lat=None if district else lat,
        lon=None if district else lon,
        radius_m=radius_m,
        last_sent_at=timezone.now(),
    )


def area_alerts_digest(*, now: Any = None) -> int:
    """Once a day (beat): each alert's new public reports since its last digest, one email."""
    from reports.selectors import distance_m

    now = now or timezone.now()
    sent = 0
    alerts = AreaAlert.objects.select_related("user", "district").filter(
        user__is_active=True, paused=False, last_sent_at__lt=now - timedelta(hours=20)
    )
    for alert in alerts.iterator(chunk_size=200):
        new = Report.objects.public().filter(
            confirmed_at__gt=alert.last_sent_at, confirmed_at__lte=now
        )
        if alert.district_id:
            found = list(new.filter(district_id=alert.district_id).select_related("category"))
        else:
            dlat = alert.radius_m / 111_320
            box = new.filter(
                lat__range=(alert.lat - dlat, alert.lat + dlat),  # type: ignore[operator]
                lon__range=(alert.lon - 2 * dlat, alert.lon + 2 * dlat),  # type: ignore[operator]
            ).select_related("category")
            found = [
                r
                for r in box
                if distance_m(alert.lat, alert.lon, r.lat, r.lon) <= alert.radius_m  # type: ignore[arg-type]
            ]
        AreaAlert.objects.filter(pk=alert.pk).update(last_sent_at=now)
        if found and alert.user.email:
            email_send_templated(
                to=alert.user.email,
                template_prefix="reports/email/area_digest",
                context={
                    "alert": alert,
                    "reports": [
                        (report, absolute_url(report.get_absolute_url())) for report in found[:50]
                    ],
                    "count": len(found),
                },
                language=alert.user.language,
            )
            sent += 1
    return sent
