"""The demo city's core: districts, departments, staff and residents (``manage.py seed_demo``)."""

from __future__ import annotations

import secrets
from typing import IO, Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction

from civic.city import city
from civic.models import Department, District, User

DEPARTMENTS = [
    ("voirie", "Voirie", "voirie@civic.example"),
    ("eclairage", "Éclairage public", "eclairage@civic.example"),
    ("proprete", "Propreté et déchets", "proprete@civic.example"),
    ("espaces-verts", "Espaces verts", "espaces-verts@civic.example"),
    ("eau", "Eau et assainissement", "eau@civic.example"),
    ("mobilites", "Mobilités", "mobilites@civic.example"),
]

# A 3 x 2 grid of districts around the map centre, each about 2.2 km x 2.2 km.
DISTRICTS = [
    ("vieux-port", "Vieux-Port", 14200),
    ("les-halles", "Les Halles", 18900),
    ("gare", "Gare", 11300),
    ("plaisance", "Plaisance", 9800),
    ("les-coteaux", "Les Coteaux", 7600),
    ("saint-martin", "Saint-Martin", None),
]
CELL_LAT, CELL_LON = 0.02, 0.03

# (key, email, display name, staff, role group, department code, superuser)
PEOPLE = [
    ("admin", "admin@civic.example", "Camille Admin", True, None, None, True),
    ("triager", "triage@civic.example", "Théo Triage", True, "triager", None, False),
    (
        "agent",
        "agent.voirie@civic.example",
        "Inès Voirie",
        True,
        "department_agent",
        "voirie",
        False,
    ),
    ("resident", "alice@civic.example", "Alice Martin", False, None, None, False),
    ("resident2", "bob@civic.example", "Bob Durand", False, None, None, False),
]


def district_boundary(row: int, col: int) -> dict[str, Any]:
    lat0, lon0 = city().map_center
    south = lat0 - CELL_LAT + row * CELL_LAT
    west = lon0 - 1.5 * CELL_LON + col * CELL_LON
    ring = [
        [west, south],
        [west + CELL_LON, south],
        [west + CELL_LON, south + CELL_LAT],
        [west, south + CELL_LAT],
        [west, south],
    ]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


def _read_credentials() -> dict[str, str]:
    path = settings.CIVIC_DEMO_CREDENTIALS_FILE
    known: dict[str, str] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) >= 3 and "@" in parts[1]:
                known[parts[1]] = parts[2]
    return known


@transaction.atomic
def seed_city(*, stdout: IO[str]) -> None:
    for code, name, email in DEPARTMENTS:
        Department.objects.update_or_create(code=code, defaults={"name": name, "email": email})
    for index, (code, name, population) in enumerate(DISTRICTS):
        District.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "population": population,
                "boundary": district_boundary(index // 3, index % 3),
            },
        )

    known = _read_credentials()
    lines = [
        f"# Demo accounts of {city().name} (generated; kept between runs of seed_demo)",
        "# role email password",
    ]
    for key, email, name, staff, group, department, superuser in PEOPLE:
        password = known.get(email) or secrets.token_urlsafe(9)
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User(email=email)
        user.display_name = name
        user.is_staff = staff
        user.is_superuser = superuser
        user.department = Department.objects.get(code=department) if department else None
        user.set_password(password)
        user.save()
        if group:
            user.groups.set([Group.objects.get(name=group)])
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        lines.append(f"{key} {email} {password}")
    path = settings.CIVIC_DEMO_CREDENTIALS_FILE
    # Other apps' seed steps add their own accounts' lines (assist: a mediator): keep them.
    ours = {key for key, *_rest in PEOPLE}
    if path.exists():
        lines += [
            line
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.split() and line[0] != "#" and line.split()[0] not in ours
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)
    stdout.write(
        f"Demo city: {District.objects.count()} districts, "
        f"{Department.objects.count()} departments; accounts in {path}\n"
    )
