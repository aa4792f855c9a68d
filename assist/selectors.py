"""Reads of the assist app. A mediator reaches a mandate only through their own organisations;
a resident reaches only their own mandates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from assist.models import Mandate, MandateRequest, Membership, Organisation
from civic.errors import NotFound

if TYPE_CHECKING:
    from civic.models import User

MEDIATOR_PERMISSION = "assist.act_for_resident"


def active_memberships(user: User | None) -> QuerySet[Membership]:
    if user is None or not user.is_authenticated or not user.is_active:
        return Membership.objects.none()
    return Membership.objects.filter(
        user=user, is_active=True, organisation__is_active=True
    ).select_related("organisation")


def mediator_organisations(user: User | None) -> QuerySet[Organisation]:
    """The organisations a person currently mediates for (none without the mediator role)."""
    if user is None or not user.is_authenticated or not user.has_perm(MEDIATOR_PERMISSION):
        return Organisation.objects.none()
    return Organisation.objects.filter(
        is_active=True, memberships__user=user, memberships__is_active=True
    ).distinct()


def help_places() -> QuerySet[Organisation]:
    """The mediation places residents can go to, for the kiosks' "get help" page."""
    return Organisation.objects.filter(is_active=True).select_related("district").order_by("name")


def is_mediator(user: User | None) -> bool:
    return mediator_organisations(user).exists()


def mandates_for_mediator(user: User, *, current_only: bool = False) -> QuerySet[Mandate]:
    """Mandates of the mediator's organisations, newest first (current ones, if asked)."""
    queryset = Mandate.objects.filter(organisation__in=mediator_organisations(user)).select_related(
        "organisation", "resident"
    )
    if current_only:
        now = timezone.now()
        queryset = queryset.filter(
            revoked_at__isnull=True, confirmed_at__isnull=False, starts_at__lte=now, ends_at__gt=now
        )
    return queryset


def current_mandates(user: User, *, search: str = "") -> QuerySet[Mandate]:
    """The mediator's mandates in force, those ending soonest first; ``search`` narrows them to
    residents whose name or email holds it (only residents the mediator already assists)."""
    queryset = mandates_for_mediator(user, current_only=True)
    search = search.strip()
    if search:
        queryset = queryset.filter(
            Q(resident__display_name__icontains=search) | Q(resident__email__icontains=search)
        )
    return queryset.order_by("ends_at", "pk")


def mandates_waiting(user: User) -> QuerySet[Mandate]:
    """Recorded mandates the resident has not confirmed yet (and that can still be)."""
    return mandates_for_mediator(user).filter(
        revoked_at__isnull=True, confirmed_at__isnull=True, ends_at__gt=timezone.now()
    )


def open_requests(user: User) -> QuerySet[MandateRequest]:
    """Requests of the mediator's organisations still waiting for a code (no resident named)."""
    return MandateRequest.objects.filter(
        organisation__in=mediator_organisations(user),
        mandate__isnull=True,
        cancelled_at__isnull=True,
        link_expires_at__gt=timezone.now(),
    ).select_related("organisation")


def request_for_mediator(user: User, request_id: Any) -> MandateRequest:
    request = open_requests(user).filter(pk=request_id).first()
    if request is None:
        raise NotFound("request not found")
    return request


def mandates_to_tell_for_mediator(user: User) -> QuerySet[Mandate]:
    """Paper mandates of the mediator's organisations their resident has not been shown yet."""
    return mandates_for_mediator(user).filter(
        resident_informed_at__isnull=True, revoked_at__isnull=True, ends_at__gt=timezone.now()
    )


def mandate_for_mediator(user: User, mandate_id: int) -> Mandate:
    """One of the mediator's organisations' mandates; another organisation's is not found."""
    mandate = mandates_for_mediator(user).filter(pk=mandate_id).first()
    if mandate is None:
        raise NotFound("mandate not found")
    return mandate


def my_mandates(user: User) -> QuerySet[Mandate]:
    """The resident's mandates, every state, newest first."""
    return Mandate.objects.filter(resident=user).select_related("organisation")


def my_mandate(user: User, mandate_id: int) -> Mandate:
    mandate = my_mandates(user).filter(pk=mandate_id).first()
    if mandate is None:
        raise NotFound("mandate not found")
    return mandate


def mandates_in_force_for(user: User) -> QuerySet[Mandate]:
    """The resident's mandates that are not revoked and not ended (confirmed or not)."""
    return my_mandates(user).filter(Q(revoked_at__isnull=True) & Q(ends_at__gt=timezone.now()))


def mandates_to_see(user: User) -> list[Mandate]:
    """The resident's mandates in force they have not seen on their own screen yet."""
    return list(mandates_in_force_for(user).filter(resident_informed_at__isnull=True))
