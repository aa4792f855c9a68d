"""The purposes the apps declare, with their notices (French and English), and a few choices
of the demo residents."""

from __future__ import annotations

from typing import IO

from django.db import transaction

from civic.actors import Actor, Channel
from civic.models import User
from consent.models import ConsentEvent, Purpose
from consent.services import consent_object, consent_withdraw, purposes_sync


@transaction.atomic
def seed_consent(*, stdout: IO[str]) -> None:
    purposes_sync(actor=Actor.system())
    alice = User.objects.filter(email="alice@civic.example").first()
    if alice is not None and not ConsentEvent.objects.filter(subject__user=alice).exists():
        # Alice objected to the area alerts once, then changed her mind: two ledger entries.
        actor = Actor(channel=Channel.WEB, user=alice)
        alerts = Purpose.objects.get(code="report-area-alerts")
        consent_object(actor=actor, purpose=alerts)
        consent_withdraw(actor=actor, purpose=alerts)
    stdout.write(
        f"Consent: {Purpose.objects.count()} purposes, "
        f"{ConsentEvent.objects.count()} ledger entries\n"
    )
