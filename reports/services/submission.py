"""Sending a report: checks, routing, idempotency, publication, confirmation."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civic.actors import Actor, Channel
from civic.city import absolute_url
from civic.errors import InvalidInput, NotAllowed, NotFound
from civic.mail import email_send_templated
from civic.models import Department, District
from consent.selectors import private_mode_is_on
from reports.attributes import answers_parse, field_name, has_control_characters
from reports.models import (
    HIDDEN_REASON_HELD_BACK,
    Abuser,
    Category,
    Photo,
    Report,
    RoutingRule,
    Status,
    Subscription,
)
from reports.services.photos import MAX_PHOTOS, photos_attach
from reports.services.tokens import confirm_token, manage_token
from reports.tiles import cell_of, tiles_invalidate

MAX_DESCRIPTION = 5000


def locate(
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
    if has_control_characters(description):
        # Whatever the channel: such a character (a pasted vertical tab) would break feeds.
        raise InvalidInput(
            _("The description holds characters that are not allowed (control characters)."),
            field="description",
        )
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(
            _("The description is too long (at most %(n)s characters).") % {"n": MAX_DESCRIPTION},
            field="description",
        )
    if len(photos) > MAX_PHOTOS:
        raise InvalidInput(_("Send at most 5 photos."), field="photos")
    found = locate(
        lat=lat, lon=lon, address=address, district=district, district_required=district_required
    )
    # The same rules whichever way the answers came (web form, API, Open311): one parser.
    cleaned_answers = answers_parse(
        {field_name(code): value for code, value in (answers or {}).items()}, category
    )
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
        # A public terminal asks no email: the city's own kiosk vouches for the report.
        if not category.anonymous_allowed and actor.terminal is None:
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
    photos_attach(report, photos)
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
    found = locate(lat=lat, lon=lon, address="", district=None)
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


def department_notify(report: Report) -> None:
    """Tell the department in charge of a report (newly published, or sent to it)."""
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


def _published(report: Report) -> None:
    """Tell the department; give an author without an account their private manage link."""
    department_notify(report)
    if report.reporter is None and report.contact_email:
        email_send_templated(
            to=report.contact_email,
            template_prefix="reports/email/manage",
            context={
                "report": report,
                "url": absolute_url(reverse("reports:manage", args=[manage_token(report)])),
                "links_url": absolute_url(reverse("reports:manage_links")),
                "days": settings.CIVIC_REPORTS_MANAGE_LINK_DAYS,
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


def _rate_cache_key(key: str) -> str:
    return f"reports:web:{key}"


def report_sending_refusal(*, honeypot: str, rate_key: str) -> tuple[int, str] | None:
    """(HTTP status, message) when a web sending is refused whatever the form says: a robot
    filled the hidden field, or the sender used their hourly quota. Checked before any photo is
    decoded, so a robot or a flood costs no image work."""
    if honeypot:
        return 400, _("This report could not be sent.")
    if report_rate_limited(rate_key):
        return 429, _("You have sent many reports in the last hour: try again later.")
    return None


def report_rate_limited(key: str) -> bool:
    """Has ``key`` (a person, or an address for anonymous senders) sent their hourly quota?"""
    return int(cache.get(_rate_cache_key(key), 0)) >= settings.CIVIC_REPORTS_WEB_PER_HOUR


def report_rate_count(key: str) -> None:
    if not cache.add(_rate_cache_key(key), 1, 3600):
        cache.incr(_rate_cache_key(key))
