"""One person seeded across every app and channel: erased, nothing of theirs is left in any text
or JSON column of any table (found from the database's own catalogue, not listed by hand) nor in
the media and private folders, except what the erasure receipt says is kept and why; exported,
everything is in the archive."""

from __future__ import annotations

import io
import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.db import connection
from django.test import Client

from civic.actors import Actor, Channel, Ref
from civic.models import ApiClient
from consent.models import AccessLog, ExportArchive
from consent.services import export_request, subject_for
from tests.conftest import make_person

pytestmark = pytest.mark.django_db

EMAIL = "zoe.quintal@example.org"
NAME = "Zoe Quintal"
PHONE = "+33 6 98 76 54 32"
NEEDLES = (EMAIL, "Quintal", PHONE, "698765432")
INSIDE = (47.375, 0.66)

# Columns whose values may still name the person after erasure, with the receipt's words for it.
KEPT: dict[tuple[str, str], str] = {}

TEXT_KINDS = {"CharField", "TextField", "JSONField", "EmailField", "SlugField"}


def on_commit() -> Any:
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


@pytest.fixture
def seeded(
    client: Client,
    districts: Any,
    department: Any,
    triager: Any,
    dpo: Any,
    mediator: Any,
    organisation: Any,
    kiosk_terminal: Any,
    consent_purpose: Any,
    tasks: Any,
) -> dict[str, Any]:
    """Zoe, on every channel: by email before signing up, on the web, through a partner app, at
    a kiosk, through a mediator; a home sensor and its alerts, budgets (a proposal with a photo,
    a support, a followed budget, a ballot), favourite lines, staff looking at her."""
    from assist import services as assist
    from civic.models import OutboxEmail
    from reports.models import Category, Report, Status
    from reports.services import area_alert_create, report_submit
    from sensors.models import AlertSubscription
    from sensors.services import sensor_register

    category = Category.objects.create(
        service_code="nid-de-poule", name="Nid-de-poule", group="Voirie", department=department
    )
    where = {"category": category, "lat": INSIDE[0], "lon": INSIDE[1]}
    emailed = report_submit(
        actor=Actor(channel=Channel.WEB),
        description="Trou devant chez moi",
        contact_email=EMAIL.upper(),
        contact_name=NAME,
        contact_phone=PHONE,
        show_name=True,
        **where,
    )
    Report.objects.filter(pk=emailed.pk).update(status=Status.OPEN)

    zoe = make_person(EMAIL, name=NAME, language="fr")
    web = Actor(channel=Channel.WEB, user=zoe)
    on_web = report_submit(
        actor=web, description="Lampadaire", contact_phone=PHONE, show_name=True, **where
    )
    area_alert_create(actor=web, district=districts[0])

    key = ApiClient.new_key()
    ApiClient.objects.create(
        name="App", key_hash=ApiClient.hash_key(key), key_prefix=key[:10], scopes=["reports"]
    )
    response = client.post(
        "/api/reports/",
        {
            "category": category.service_code,
            "lat": INSIDE[0],
            "lon": INSIDE[1],
            "description": f"Signalé par {NAME}",
            "email": EMAIL,
            "name": NAME,
            "phone": PHONE,
        },
        HTTP_AUTHORIZATION=f"Api-Key {key}",
    )
    assert response.status_code == 201, response.content
    by_api = Report.objects.get(pk=response.json()["id"])

    terminal = Ref(type="assist.kioskterminal", id=str(kiosk_terminal.pk), label="Mairie")
    at_kiosk = report_submit(
        actor=Actor(channel=Channel.KIOSK, user=zoe, terminal=terminal),
        description="Banc cassé",
        **where,
    )

    acting = Actor(channel=Channel.MEDIATOR, user=mediator)
    request = assist.mandate_request(
        actor=acting,
        organisation=organisation,
        email=EMAIL,
        scopes=("consent", "export"),
        days=30,
    )
    text = OutboxEmail.objects.filter(to=[EMAIL]).latest("pk").text
    code = re.search(r"^ {4}(\d{8})$", text, re.M)
    assert code is not None, text
    mandate = assist.mandate_confirm_code(actor=acting, request=request, code=code.group(1))
    assist.consent_choice_on_behalf(
        actor=acting, mandate=mandate, purpose=consent_purpose, action="give"
    )
    with on_commit():
        assist.export_request_on_behalf(actor=acting, mandate=mandate)
    with on_commit():
        tasks.run()  # the archive (in the private folder)
    tasks.run()  # its email

    sensor, _secret = sensor_register(
        actor=Actor.system(),
        device_id="esp8266-999",
        device_format="airrohr",
        kind="air_quality",
        latitude=47.37654,
        longitude=0.66321,
        owner=zoe,
        name=f"Capteur de {NAME}",
    )
    AlertSubscription.objects.create(user=zoe, district=districts[0])
    _budgets(zoe, districts=districts, staff=dpo)
    tasks.run()  # her proposal's photo, blurred and published
    _favourite_line(zoe)

    staff = Actor(channel=Channel.STAFF, user=dpo)
    AccessLog.record(
        actor=staff,
        subject=subject_for(zoe),
        what="export",
        why=f"{NAME} a écrit le 3 mai ({PHONE})",
    )
    staff_client = Client()
    staff_client.force_login(triager)
    assert staff_client.get(f"/admin/reports/report/{on_web.pk}/change/").status_code == 200
    LogEntry.objects.create(
        user=triager,
        action_flag=CHANGE,
        object_repr=f"abonnement de {EMAIL}",
        change_message=f"Appel de {NAME}",
    )
    return {
        "zoe": zoe,
        "reports": [emailed.pk, on_web.pk, by_api.pk, at_kiosk.pk],
        "sensor": sensor.device_id,
        "mandate": mandate.pk,
    }


def _budgets(zoe: Any, *, districts: Any, staff: Any) -> None:
    """A proposal with a photo, her support for it, the budget followed; a ballot in another."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from budgets.models import Budget, Heading, Project, Voter
    from budgets.services import budget_follow, proposal_submit, support_add
    from budgets.services.photos import photo_store_draft
    from budgets.services.voting import ballot_cast
    from civic.photos import photo_clean
    from tests.budgets._cycle import jpeg_with_gps

    web = Actor(channel=Channel.WEB, user=zoe)
    proposing = Budget.objects.create(title="Budget 2027", phase=Budget.Phase.PROPOSALS)
    upload = SimpleUploadedFile("p.jpg", jpeg_with_gps(), content_type="image/jpeg")
    photo = photo_store_draft(
        clean=photo_clean(upload, name="p.jpg", size=upload.size), draft="z" * 24
    )
    with on_commit():
        proposal = proposal_submit(
            actor=web,
            budget=proposing,
            title=f"Des bancs, par {NAME}",
            description=f"Écrivez-moi : {EMAIL}, {PHONE}",
            estimated_cost=Decimal("5000"),
            district=districts[0],
            photos=[photo],
        )
    support_add(actor=web, proposal=proposal)
    budget_follow(actor=web, budget=proposing, follow=True)

    voting = Budget.objects.create(title="Budget 2026", phase=Budget.Phase.VOTING)
    city = Heading.objects.create(budget=voting, name="Toute la ville", amount=100_000)
    parc = Project.objects.create(heading=city, pabulib_id="1", title="Parc", cost=60_000)
    voter = Voter.objects.create(
        budget=voting,
        user=zoe,
        district=districts[0],
        birth_year=1990,
        verified_how=Voter.Verification.IN_PERSON,
        verified_at=timezone.now(),
        verified_by=staff,
    )
    ballot_cast(actor=web, voter=voter, heading=city, project_ids=[parc.pk])


def _favourite_line(zoe: Any) -> None:
    from density.models import Agency, Feed, Route
    from density.services import favourite_line_set

    feed = Feed.objects.create(code="fil-bleu", name="Fil Bleu")
    agency = Agency.objects.create(
        feed=feed, name="Fil Bleu", url="https://example.org", timezone="Europe/Paris"
    )
    route = Route.objects.create(
        feed=feed, gtfs_id="T1", agency=agency, short_name="T1", long_name="Tram", route_type=0
    )
    favourite_line_set(actor=Actor(channel=Channel.WEB, user=zoe), route=route, favourite=True)


def _database_hits() -> dict[tuple[str, str], int]:
    """Every text and JSON column of every table, from the database's catalogue."""
    hits = {}
    patterns = [f"%{needle}%" for needle in NEEDLES]
    introspection = connection.introspection
    with connection.cursor() as cursor:
        for table in introspection.table_names(cursor):
            for column in introspection.get_table_description(cursor, table):
                try:
                    kind = introspection.get_field_type(column.type_code, column)
                except KeyError:
                    continue
                if kind not in TEXT_KINDS:
                    continue
                name = connection.ops.quote_name(column.name)
                cursor.execute(
                    f"SELECT count(*) FROM {connection.ops.quote_name(table)} "  # noqa: S608
                    f"WHERE {name}::text ILIKE ANY(%s)",
                    [patterns],
                )
                (count,) = cursor.fetchone()
                if count:
                    hits[(table, column.name)] = count
    return hits


def _file_hits() -> list[str]:
    """Every file of the media and private folders, and every member of the zips among them."""
    needles = [needle.lower().encode() for needle in NEEDLES]
    hits = []
    for key in ("default", "private"):
        options: dict[str, Any] = settings.STORAGES[key]["OPTIONS"]  # type: ignore[index]
        root = Path(options["location"])
        for path in sorted(root.rglob("*")) if root.exists() else []:
            if not path.is_file():
                continue
            content = path.read_bytes()
            parts = [content]
            if zipfile.is_zipfile(path):
                with zipfile.ZipFile(path) as zipped:
                    parts = [zipped.read(name) for name in zipped.namelist()]
            if any(needle in part.lower() for part in parts for needle in needles):
                hits.append(str(path.relative_to(root)))
    return hits


def test_it_leaves_nothing_of_the_person_after_erasure(seeded: dict[str, Any]) -> None:
    from budgets.models import Ballot, Photo, Proposal
    from consent.services import account_erase

    before = _database_hits()
    assert ("reports_report", "contact_email") in before  # the walk does find her
    assert ("budgets_proposal", "description") in before
    photos = [f for photo in Photo.objects.all() for f in (photo.original, photo.image) if f]
    assert len(photos) == 2 and all(f.storage.exists(f.name) for f in photos)
    assert _file_hits()  # her export archive

    receipt = account_erase(actor=Actor(channel=Channel.WEB, user=seeded["zoe"]))

    assert not Proposal.objects.exists() and not Photo.objects.exists()
    assert Ballot.objects.count() == 1  # counted, and linked to nobody
    assert not any(f.storage.exists(f.name) for f in photos)

    left = {place: count for place, count in _database_hits().items() if place not in KEPT}
    assert left == {}
    assert _file_hits() == []
    kept = json.dumps(receipt, ensure_ascii=False)
    for why in KEPT.values():
        assert why in kept


def test_it_exports_everything_the_person_has_on_every_channel(
    seeded: dict[str, Any], tasks: Any
) -> None:
    ExportArchive.objects.filter(user=seeded["zoe"]).delete()  # the mediator's, built earlier
    with on_commit():
        archive, _created = export_request(actor=Actor(channel=Channel.WEB, user=seeded["zoe"]))
    with on_commit():
        tasks.run()
    archive = ExportArchive.objects.get(pk=archive.pk, status="ready")
    with archive.file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as zipped:
        document = json.loads(zipped.read("data.json"))
    data = document["data"]
    assert sorted(item["id"] for item in data["reports"]["reports"]) == sorted(seeded["reports"])
    assert data["reports"]["area_alerts"]
    assert [s["device_id"] for s in data["sensors"]["hosted_sensors"]] == [seeded["sensor"]]
    assert data["sensors"]["alert_subscriptions"]
    assert [m["id"] for m in data["assist"]["mandates"]] == [seeded["mandate"]]
    budgets = data["budgets"]
    assert [(b["budget"], b["has_voted"]) for b in budgets["budgets"]] == [("Budget 2026", True)]
    assert [p["title"] for p in budgets["proposals"]] == [f"Des bancs, par {NAME}"]
    assert budgets["supports"] == [{"budget": "Budget 2027", "proposal": f"Des bancs, par {NAME}"}]
    assert budgets["following"] == ["Budget 2027"]
    assert [f["line"] for f in data["density"]["favourite_lines"]] == ["T1 - Tram"]
    assert data["consent"]["consents"] and data["consent"]["accesses"]
    assert data["civic"]["account"]["email"] == EMAIL
