"""Nothing queued is lost: with the broker down when a report is sent, its photo and its emails
wait in the database, and go out once the broker is back — each email once, never twice."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from civic.mail import outbox_sweep
from civic.models import OutboxEmail
from reports.models import Photo, Report
from reports.services import photos_sweep
from tests.faults import Services, wait_until
from tests.reports.conftest import INSIDE, face_image, jpeg_with_gps

pytestmark = [
    pytest.mark.real_worker,
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]


def delivered(mail_dir: Path) -> list[str]:
    """The emails the worker's file backend wrote (one file per connection, one per email)."""
    return sorted(
        path.read_text(errors="replace") for path in mail_dir.glob("*.log") if path.is_file()
    )


def test_it_sends_the_photo_and_emails_once_the_broker_is_back(
    fault_services: Services,
    client: Client,
    resident: Any,
    category: Any,
    districts: Any,
    tmp_path: Path,
) -> None:
    client.force_login(resident)
    upload = SimpleUploadedFile(
        "rue.jpg", jpeg_with_gps(face_image(400)), content_type="image/jpeg"
    )
    started = time.monotonic()
    response = client.post(
        "/reports/new/",
        {
            "category": category.pk,
            "description": "Un lampadaire tombé sur le trottoir",
            "lat": INSIDE[0],
            "lon": INSIDE[1],
            "photos": [upload],
        },
    )

    # The broker is down: the resident is answered at once, and everything waits in the database.
    assert response.status_code == 200  # the confirmation
    assert time.monotonic() - started < 10
    report = Report.objects.get()
    photo = Photo.objects.get(report=report)
    assert photo.state == Photo.State.PENDING
    waiting = OutboxEmail.objects.count()
    assert waiting >= 1
    assert all(email.state == OutboxEmail.State.PENDING for email in OutboxEmail.objects.all())

    fault_services.redis_start()
    fault_services.worker_start()
    later = timezone.now() + timedelta(minutes=10)
    assert outbox_sweep(now=later) == waiting
    assert photos_sweep(now=later) == 1

    mail_dir = tmp_path / "mail"
    wait_until(
        lambda: not OutboxEmail.objects.exists() and len(delivered(mail_dir)) >= waiting,
        "the emails are sent",
        fault_services.logs,
    )
    wait_until(
        lambda: Photo.objects.filter(pk=photo.pk, state=Photo.State.READY).exists(),
        "the photo is blurred and published",
        fault_services.logs,
    )
    sent = delivered(mail_dir)
    assert any(f"/reports/report/{report.pk}/" in message for message in sent)
    assert all(message.count("Un lampadaire tombé sur le trottoir") == 1 for message in sent)

    # A second sweep finds nothing left: no email goes out twice.
    assert outbox_sweep(now=later) == 0
    assert photos_sweep(now=later) == 0
    time.sleep(1)
    assert delivered(mail_dir) == sent
