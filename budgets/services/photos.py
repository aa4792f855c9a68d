"""Photos of proposals and milestones, through the core pipeline (``civic.photos``): kept with a
form between attempts, anonymised by a task on the photos queue, swept when left pending."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.files.base import ContentFile

from budgets.models import Milestone, Photo, Proposal
from civic.outbox import task_send, task_send_on_commit
from civic.photos import CleanPhoto, anonymise

MAX_PHOTOS = 3


def photo_store_draft(*, clean: CleanPhoto, draft: str, position: int = 0) -> Photo:
    """Keep a cleaned upload (unblurred, in private storage) for a form until it is sent."""
    photo = Photo(draft=draft, width=clean.width, height=clean.height, position=position)
    photo.original.save(f"budgets/{secrets.token_hex(16)}.jpg", ContentFile(clean.jpeg), save=False)
    photo.save()
    return photo


def draft_photos(draft: str) -> list[Photo]:
    if not draft:
        return []
    return list(
        Photo.objects.filter(draft=draft, proposal=None, milestone=None).order_by("position", "id")
    )


def photo_discard(photo: Photo) -> None:
    photo.original.delete(save=False)
    photo.image.delete(save=False)
    photo.thumbnail.delete(save=False)
    photo.delete()


def photos_attach(
    photos: Iterable[Photo], *, proposal: Proposal | None = None, milestone: Milestone | None = None
) -> None:
    """Attach a form's photos; each is blurred and published once the transaction commits."""
    from budgets.tasks import photo_anonymise_task

    owner: Proposal | Milestone | None = proposal or milestone
    start = owner.photos.count() if owner is not None else 0
    for offset, photo in enumerate(photos):
        photo.proposal, photo.milestone, photo.draft = proposal, milestone, ""
        photo.position = start + offset
        photo.save(update_fields=["proposal", "milestone", "draft", "position"])
        task_send_on_commit(photo_anonymise_task, photo.pk)


def photo_anonymise(*, photo_id: int) -> Photo | None:
    """Pixelate faces and publish the photo. Idempotent: a public photo is left as it is."""
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None or photo.state == Photo.State.READY or not photo.original:
        return photo
    with photo.original.open("rb") as handle:
        jpeg = handle.read()
    public, thumb, count = anonymise(jpeg)
    name = secrets.token_hex(16)
    photo.image.save(f"budgets/photos/{name}.jpg", ContentFile(public), save=False)
    photo.thumbnail.save(f"budgets/photos/{name}-thumb.jpg", ContentFile(thumb), save=False)
    published = Photo.objects.filter(pk=photo.pk, state=Photo.State.PENDING).update(
        image=photo.image.name, thumbnail=photo.thumbnail.name, faces=count, state=Photo.State.READY
    )
    if not published:  # another run (the sweep racing the first send) got there first
        photo.image.delete(save=False)
        photo.thumbnail.delete(save=False)
    photo.refresh_from_db()
    return photo


def photos_sweep(*, now: datetime, older_than: timedelta = timedelta(minutes=5)) -> int:
    """Send again the anonymisation of attached photos left pending (broker down, worker lost)."""
    from budgets.tasks import photo_anonymise_task

    pending = (
        Photo.objects.filter(state=Photo.State.PENDING, created_at__lt=now - older_than)
        .exclude(proposal=None, milestone=None)
        .order_by("created_at")
        .values_list("pk", flat=True)[:200]
    )
    return sum(task_send(photo_anonymise_task, photo_id) for photo_id in pending)


def draft_photos_purge(*, now: datetime, older_than: timedelta = timedelta(days=1)) -> int:
    """Photos of a form never sent: gone after a day."""
    stale = Photo.objects.filter(proposal=None, milestone=None, created_at__lt=now - older_than)
    count = 0
    for photo in stale:
        photo_discard(photo)
        count += 1
    return count
