"""Demo data: categories (all taking anonymous reports) and published reports of the last month."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from shapely.geometry import shape

from civic.actors import Actor, Channel
from civic.models import Department, District

CATEGORIES = [
    # service code, group, name, icon, department code, questions
    ("nid-de-poule", "Voirie", "Nid-de-poule", "🕳️", "voirie", []),
    ("trottoir", "Voirie", "Trottoir abîmé", "🚶", "voirie", []),
    ("signalisation", "Voirie", "Panneau ou feu", "🚦", "mobilites", []),
    ("eclairage", "Éclairage", "Lampadaire éteint", "💡", "eclairage", []),
    ("depot-sauvage", "Propreté", "Dépôt sauvage", "🗑️", "proprete", []),
    (
        "tag",
        "Propreté",
        "Tag ou graffiti",
        "🎨",
        "proprete",
        [
            {
                "code": "offensive",
                "label": "Message injurieux ?",
                "label_en": "Offensive message?",
                "datatype": "singlevaluelist",
                "values": [
                    {"key": "oui", "name": "Oui", "name_en": "Yes"},
                    {"key": "non", "name": "Non", "name_en": "No"},
                ],
            }
        ],
    ),
    ("arbre", "Espaces verts", "Arbre ou branche dangereux", "🌳", "espaces-verts", []),
    ("fuite", "Eau", "Fuite d'eau", "💧", "eau", []),
]

# service code: (group, name) in English
ENGLISH = {
    "nid-de-poule": ("Roads", "Pothole"),
    "trottoir": ("Roads", "Damaged pavement"),
    "signalisation": ("Roads", "Sign or traffic light"),
    "eclairage": ("Lighting", "Street light out"),
    "depot-sauvage": ("Cleanliness", "Fly-tipping"),
    "tag": ("Cleanliness", "Tag or graffiti"),
    "arbre": ("Parks and trees", "Dangerous tree or branch"),
    "fuite": ("Water", "Water leak"),
}

# service code: (description, description in English), shown under each choice on the form
ABOUT = {
    "nid-de-poule": (
        "Un trou dans la chaussée ou sur une piste cyclable.",
        "A hole in the road or a cycle lane.",
    ),
    "trottoir": (
        "Dalles soulevées, bordure cassée, trou dans le trottoir.",
        "Raised slabs, a broken kerb, a hole in the pavement.",
    ),
    "signalisation": (
        "Panneau tombé ou illisible, feu tricolore en panne.",
        "A fallen or unreadable sign, a broken traffic light.",
    ),
    "eclairage": (
        "Lampadaire éteint, qui clignote ou reste allumé le jour.",
        "A street light that is out, flickers or stays on by day.",
    ),
    "depot-sauvage": (
        "Déchets ou encombrants laissés sur la voie publique.",
        "Rubbish or bulky items left in a public place.",
    ),
    "tag": ("Tag, graffiti ou affichage sauvage.", "A tag, graffiti or fly-posting."),
    "arbre": (
        "Arbre ou branche qui menace de tomber, racines qui soulèvent le sol.",
        "A tree or branch that may fall, roots lifting the ground.",
    ),
    "fuite": (
        "Eau qui coule d'une bouche, d'une canalisation ou d'une fontaine.",
        "Water running from a hydrant, a pipe or a fountain.",
    ),
}

DESCRIPTIONS = [
    "Trou profond au milieu de la chaussée, dangereux pour les vélos.",
    "Le lampadaire ne s'allume plus depuis plusieurs soirs.",
    "Sacs et encombrants déposés au pied des conteneurs.",
    "Une branche pend au-dessus du trottoir après le coup de vent.",
    "Dalles soulevées devant l'école, on trébuche facilement.",
    "L'eau coule en continu depuis une bouche sous le trottoir.",
    "Panneau stop couché au carrefour.",
    "Tag sur la façade de la médiathèque.",
]


def seed_reports(*, stdout: IO[str] | Any = None) -> None:
    from reports.models import Category, Report, Status, Update
    from reports.services import report_submit

    departments = {d.code: d for d in Department.objects.all()}
    with transaction.atomic():
        for order, (code, group, name, icon, department, questions) in enumerate(CATEGORIES):
            if department not in departments:
                departments[department] = Department.objects.create(code=department, name=group)
            Category.objects.update_or_create(
                service_code=code,
                defaults={
                    "group": group,
                    "name": name,
                    "group_en": ENGLISH[code][0],
                    "name_en": ENGLISH[code][1],
                    "description": ABOUT[code][0],
                    "description_en": ABOUT[code][1],
                    "icon": icon,
                    "department": departments[department],
                    "anonymous_allowed": True,
                    "questions": questions,
                    "order": order,
                },
            )
    districts = list(District.objects.all())
    if not districts or Report.objects.public().count() >= 20:
        return
    rng = random.Random(4)  # the same demo every time
    categories = list(Category.objects.all())
    now = timezone.now()
    actor = Actor(channel=Channel.WEB)
    with transaction.atomic():
        for i in range(24):
            district = districts[i % len(districts)]
            minx, miny, maxx, maxy = shape(district.boundary).bounds
            lat = rng.uniform(miny + 0.001, maxy - 0.001)
            lon = rng.uniform(minx + 0.001, maxx - 0.001)
            category = categories[i % len(categories)]
            report = report_submit(
                actor=actor,
                category=category,
                description=DESCRIPTIONS[i % len(DESCRIPTIONS)],
                lat=lat,
                lon=lon,
                answers={"offensive": "non"} if category.questions else None,
            )
            created = now - timedelta(days=rng.uniform(0, 29), hours=rng.uniform(0, 12))
            status = [Status.OPEN, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.FIXED][i % 4]
            Report.objects.filter(pk=report.pk).update(
                created_at=created, confirmed_at=created, status=status
            )
            if status != Status.OPEN:
                Update.objects.create(
                    report=report,
                    text="Merci, nos équipes sont informées.",
                    status_from=Status.OPEN,
                    status_to=status,
                )
    if stdout is not None:
        stdout.write("  reports: 24 demo reports\n")
