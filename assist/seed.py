"""Demo mediation: one organisation, one mediator (credentials beside the others), one kiosk."""

from __future__ import annotations

import secrets
from typing import IO

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction

from assist.models import KioskTerminal, Membership, Organisation
from assist.services import mediator_role_sync
from civic.models import District, User

MEDIATOR = ("mediator", "mediateur@civic.example", "Maud Médiation")


def _credential_lines() -> list[str]:
    path = settings.CIVIC_DEMO_CREDENTIALS_FILE
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


@transaction.atomic
def seed_assist(*, stdout: IO[str]) -> None:
    district = District.objects.filter(code="les-halles").first()
    organisation, _created = Organisation.objects.update_or_create(
        code="france-services-les-halles",
        defaults={
            "name": "France Services — Les Halles",
            "district": district,
            "address": "12 rue des Halles",
            "email": "france-services@civic.example",
            "phone": "01 23 45 67 89",
            "opening_hours": (
                "Lundi au vendredi : 9 h à 12 h 30, 13 h 30 à 17 h\nSamedi : 9 h à 12 h"
            ),
        },
    )

    key, email, name = MEDIATOR
    lines = _credential_lines()
    known = {parts[1]: parts[2] for parts in (line.split() for line in lines) if len(parts) >= 3}
    password = known.get(email) or secrets.token_urlsafe(9)
    user = User.objects.filter(email=email).first() or User(email=email)
    user.display_name = name
    user.is_staff = False
    user.set_password(password)
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    Membership.objects.update_or_create(
        organisation=organisation, user=user, defaults={"is_active": True}
    )
    mediator_role_sync(user=user)

    KioskTerminal.objects.get_or_create(
        name="Borne de l'hôtel de ville",
        defaults={"location": "Hôtel de ville, hall d'accueil", "district": district},
    )

    # Beside the city's accounts, in the same format ("role email password").
    lines = [line for line in lines if not line.startswith(f"{key} ")]
    lines.append(f"{key} {email} {password}")
    path = settings.CIVIC_DEMO_CREDENTIALS_FILE
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)
    stdout.write(
        f"Assist: organisation {organisation.name}, mediator {email}, "
        f"{KioskTerminal.objects.count()} kiosk terminal(s) (activate from the staff site)\n"
    )
