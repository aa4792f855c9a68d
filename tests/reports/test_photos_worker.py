"""The real `photos` queue: a report's photo goes through Redis to a `celery worker` that listens
to that queue only, on this test's PostgreSQL database, and becomes public once blurred."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from civic.celery import app as celery_app
from civic.photos import faces_find
from reports.models import Photo, Report
from tests.civic.test_worker import shared_database_url
from tests.conftest import require_postgres, require_redis
from tests.reports.conftest import INSIDE, face_image, jpeg_with_gps

pytestmark = [
    pytest.mark.real_worker,
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]

WAIT_SECONDS = 30
PHOTOS_QUEUE = f"{settings.CELERY_QUEUE_PREFIX}-photos"


@pytest.fixture
def photos_worker(tmp_path: Path) -> Iterator[Callable[[], tuple[subprocess.Popen[bytes], Path]]]:
    """Starts, when called, a `celery worker -Q <photos>` on the real broker and this test's
    database. Its var/ is tmp_path, so its media and private storages are this test's."""
    redis_url = require_redis()
    require_postgres()
    celery_app.control.purge()  # nothing left over from an earlier run of this checkout
    started: list[subprocess.Popen[bytes]] = []
    log = tmp_path / "worker.log"

    def start() -> tuple[subprocess.Popen[bytes], Path]:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp_path),
            "CIVIC_VAR_DIR": str(tmp_path),
            "CIVIC_CHECKOUT_ID": settings.CHECKOUT_ID,
            "DATABASE_URL": shared_database_url(),
            "REDIS_URL": redis_url,
        }
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "civic", "worker", "-Q", PHOTOS_QUEUE,
                 "--pool=solo", "--without-gossip", "--without-mingle", "--without-heartbeat",
                 "--loglevel=INFO"],
                cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        started.append(process)
        return process, log

    try:
        yield start
    finally:
        for process in started:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        celery_app.control.purge()  # the department's email, for a default worker never started


def wait_for(check: Callable[[], bool], worker: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if check():
            return
        if worker.poll() is not None:
            pytest.fail(f"the worker exited with {worker.returncode}:\n{log.read_text()}")
        time.sleep(0.2)
    pytest.fail(
        f"the photo was not blurred within {WAIT_SECONDS} s; worker log:\n{log.read_text()}"
    )


def test_it_publishes_a_photo_only_once_the_photos_worker_has_blurred_the_face(
    photos_worker: Callable[[], tuple[subprocess.Popen[bytes], Path]],
    client: Client,
    resident: Any,
    category: Any,
    districts: Any,
) -> None:
    started = time.monotonic()
    face = face_image(600)
    (box,) = faces_find(face)
    client.force_login(resident)
    upload = SimpleUploadedFile("rue.jpg", jpeg_with_gps(face), content_type="image/jpeg")
    response = client.post(
        "/reports/new/",
        {
            "category": category.pk,
            "description": "Une affiche arrachée",
            "lat": INSIDE[0],
            "lon": INSIDE[1],
            "photos": [upload],
        },
    )
    assert response.status_code == 200  # the confirmation
    report = Report.objects.get()
    photo = Photo.objects.get(report=report)

    # Sent to the photos queue, and no worker yet: published report, photo not public.
    assert photo.state == Photo.State.PENDING
    assert client.get(f"/reports/photos/{photo.pk}/image.jpg").status_code == 404
    assert client.get(f"/reports/photos/{photo.pk}/thumb.jpg").status_code == 404
    assert "/reports/photos/" not in client.get(f"/reports/{report.pk}/").content.decode()

    worker, log = photos_worker()
    wait_for(
        lambda: Photo.objects.filter(pk=photo.pk, state=Photo.State.READY).exists(), worker, log
    )
    assert PHOTOS_QUEUE in log.read_text()
    assert "reports.tasks.photo_anonymise_task" in log.read_text()

    assert (
        f"/reports/photos/{photo.pk}/thumb.jpg"
        in client.get(report.get_absolute_url()).content.decode()
    )
    response = client.get(f"/reports/photos/{photo.pk}/image.jpg")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert b"Secret Camera" not in body and b"taken at home" not in body
    with Image.open(io.BytesIO(body)) as public:
        assert not public.getexif()
        assert not public.getexif().get_ifd(0x8825)  # no GPS
        assert "exif" not in public.info and "xmp" not in public.info
        assert public.size == face.size
        assert faces_find(public) == []
        pixels = np.asarray(public.convert("L"), dtype=float)
    drawn = np.asarray(face.convert("L"), dtype=float)
    x, y, w, h = box
    region, before = pixels[y : y + h, x : x + w], drawn[y : y + h, x : x + w]
    # Pixelated: blocks of one colour, far fewer levels than the drawn face, the eyes gone;
    # the background, away from the face, is as it was (JPEG aside).
    assert len(np.unique(region.round(-1))) < len(np.unique(before.round(-1)))
    assert np.abs(region - before).mean() > 5
    assert np.abs(pixels[:40, :40] - drawn[:40, :40]).mean() < 5
    assert time.monotonic() - started < 30
