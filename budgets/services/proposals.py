"""Writes on proposals: residents propose and edit until review, and support others' ideas."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from budgets.models import Budget, Photo, Proposal, Support
from budgets.services.photos import MAX_PHOTOS, photo_discard, photos_attach
from civic.actors import Actor
from civic.errors import InvalidInput, NotAllowed

if TYPE_CHECKING:
    from civic.models import District, User

# While residents may still change their ideas; from review on, what is reviewed stays put.
EDITABLE_PHASES = (Budget.Phase.PROPOSALS, Budget.Phase.SUPPORTS)
SUPPORT_PHASES = (Budget.Phase.PROPOSALS, Budget.Phase.SUPPORTS)


def _resident(actor: Actor) -> User:
    user = actor.subject_user
    if user is None:
        raise NotAllowed(_("Sign in to take part."))
    return user


def _check(*, title: str, description: str, estimated_cost: Decimal) -> None:
    if not title.strip():
        raise InvalidInput(_("Give your proposal a title."), field="title")
    if not description.strip():
        raise InvalidInput(_("Describe your proposal."), field="description")
    if estimated_cost < 0:
        raise InvalidInput(_("The cost cannot be negative."), field="estimated_cost")


def proposal_can_edit(proposal: Proposal, user: User | None) -> bool:
    return (
        user is not None
        and proposal.proposer_id == user.pk
        and proposal.budget.phase in EDITABLE_PHASES
        and proposal.feasibility == Proposal.Feasibility.PENDING
        and proposal.merged_into_id is None
    )


@transaction.atomic
def proposal_submit(
    *,
    actor: Actor,
    budget: Budget,
    title: str,
    description: str,
    estimated_cost: Decimal,
    district: District | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    photos: Sequence[Photo] = (),
) -> Proposal:
    """A resident's proposal, published at once; its photos once their faces are blurred."""
    user = _resident(actor)
    if budget.phase != Budget.Phase.PROPOSALS:
        raise NotAllowed(_("This budget does not take proposals now."))
    _check(title=title, description=description, estimated_cost=estimated_cost)
    if len(photos) > MAX_PHOTOS:
        raise InvalidInput(_("Send at most 3 photos."), field="photos")
    proposal = Proposal.objects.create(
        budget=budget,
        proposer=user,
        title=title.strip(),
        description=description.strip(),
        estimated_cost=estimated_cost,
        district=district,
        latitude=latitude,
        longitude=longitude,
    )
    photos_attach(photos, proposal=proposal)
    return proposal


@transaction.atomic
def proposal_edit(
    *,
    actor: Actor,
    proposal: Proposal,
    title: str,
    description: str,
    estimated_cost: Decimal,
    district: District | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    photos: Sequence[Photo] = (),
    remove_photos: Sequence[Photo] = (),
) -> Proposal:
    """The proposer changes their proposal, until the review starts."""
    user = _resident(actor)
    proposal = Proposal.objects.select_for_update().select_related("budget").get(pk=proposal.pk)
    if not proposal_can_edit(proposal, user):
        raise NotAllowed(_("This proposal can no longer be changed."))
    _check(title=title, description=description, estimated_cost=estimated_cost)
    removing = {photo.pk for photo in remove_photos}
    if proposal.photos.exclude(pk__in=removing).count() + len(photos) > MAX_PHOTOS:
        raise InvalidInput(_("Send at most 3 photos."), field="photos")
    for photo in proposal.photos.filter(pk__in=removing):
        photo_discard(photo)
    proposal.title, proposal.description = title.strip(), description.strip()
    proposal.estimated_cost, proposal.district = estimated_cost, district
    proposal.latitude, proposal.longitude = latitude, longitude
    proposal.save()
    photos_attach(photos, proposal=proposal)
    return proposal


def support_add(*, actor: Actor, proposal: Proposal) -> bool:
    """One support per resident per proposal; supporting twice changes nothing (False)."""
    user = _resident(actor)
    if proposal.budget.phase not in SUPPORT_PHASES:
        raise NotAllowed(_("Supports are closed for this budget."))
    if proposal.merged_into_id is not None:
        raise NotAllowed(_("This proposal was merged into another one: support that one."))
    try:
        with transaction.atomic():
            Support.objects.create(proposal=proposal, user=user)
    except IntegrityError:
        return False
    return True


def support_remove(*, actor: Actor, proposal: Proposal) -> None:
    user = _resident(actor)
    if proposal.budget.phase not in SUPPORT_PHASES:
        raise NotAllowed(_("Supports are closed for this budget."))
    Support.objects.filter(proposal=proposal, user=user).delete()
