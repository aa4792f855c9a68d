"""The purposes the apps declare, with their notices (French and English), and a few choices
of the demo residents."""

from __future__ import annotations

import dataclasses
from typing import IO

from django.db import transaction

from civic.actors import Actor, Channel
from civic.models import User
from consent.models import ConsentEvent, Purpose
from consent.registry import purpose_specs
from consent.services import consent_give, consent_withdraw, purpose_notice_publish


@transaction.atomic
def seed_consent(*, stdout: IO[str]) -> None:
    system = Actor.system()
    for spec in purpose_specs():
        fields = {
            key: value
            for key, value in dataclasses.asdict(spec).items()
            if key not in {"code", "notice_fr", "notice_en"}
        }
        purpose, _created = Purpose.objects.update_or_create(code=spec.code, defaults=fields)
        notice = purpose.current_notice()
        if notice is None or (notice.text_fr, notice.text_en) != (spec.notice_fr, spec.notice_en):
            purpose_notice_publish(
                actor=system, purpose=purpose, text_fr=spec.notice_fr, text_en=spec.notice_en
            )
    alice = User.objects.filter(email="alice@civic.example").first()
    bob = User.objects.filter(email="bob@civic.example").first()
    if alice is not None and not ConsentEvent.objects.filter(subject__user=alice).exists():
        actor = Actor(channel=Channel.WEB, user=alice)
        consent_give(actor=actor, purpose=Purpose.objects.get(code="newsletter"))
        consent_give(actor=actor, purpose=Purpose.objects.get(code="crowd-density"))
    if bob is not None and not ConsentEvent.objects.filter(subject__user=bob).exists():
        actor = Actor(channel=Channel.WEB, user=bob)
        newsletter = Purpose.objects.get(code="newsletter")
        consent_give(actor=actor, purpose=newsletter)
        consent_withdraw(actor=actor, purpose=newsletter)
    stdout.write(
        f"Consent: {Purpose.objects.count()} purposes, "
        f"{ConsentEvent.objects.count()} ledger entries\n"
    )
