"""Photos of reports: drafts kept with a form, anonymised by a task, swept when left pending."""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from civic.errors import InvalidInput
from civic.outbox import task_send, task_send_on_commit
from civic.photos import CleanPhoto, DecodeBudget, anonymise, photo_clean
from reports.models import (
    Photo,
    Report,
)


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


MAX_PHOTOS = 5


@dataclass
class DraftPhotos:
    """A form's photos after an attempt: those kept, what was refused, and the GPS position one
    of the new photos carried (read before its metadata was dropped, offered to the sender)."""

    photos: list[Photo]
    errors: list[str] = field(default_factory=list)
    gps: tuple[float, float] | None = None


def draft_photos_update(
    *, draft: str, remove: Collection[int], uploads: Iterable[tuple[IO[bytes], str, int | None]]
) -> DraftPhotos:
    """Drop the photos the sender ticked, then clean and keep the new ``(file, name, size)``
    uploads with the earlier ones, at most ``MAX_PHOTOS``, within one request's decoding budget."""
    result = DraftPhotos(photos=[])
    for photo in draft_photos(draft):
        if photo.pk in remove:
            photo.original.delete(save=False)
            photo.delete()
        else:
            result.photos.append(photo)
    budget = DecodeBudget()
    for upload, name, size in uploads:
        if len(result.photos) >= MAX_PHOTOS:
            result.errors.append(_("Send at most 5 photos."))
            break
        try:
            clean = photo_clean(upload, name=name, size=size, budget=budget)
        except InvalidInput as exc:
            result.errors.append(exc.message)
            continue
        result.gps = result.gps or clean.gps
        position = len(result.photos)
        result.photos.append(photo_store_draft(clean=clean, draft=draft, position=position))
    return result


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


def photos_attach(report: Report, photos: Iterable[Photo]) -> None:
    from reports.tasks import photo_anonymise_task

    for position, photo in enumerate(photos):
        photo.report = report
        photo.draft = ""
        photo.position = position
        photo.save(update_fields=["report", "draft", "position"])
        task_send_on_commit(photo_anonymise_task, photo.pk)
