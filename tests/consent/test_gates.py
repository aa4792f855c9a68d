"""Consent choices change what the city does: every purpose resting on consent or open to
objection names the processing it gates, and each gated processing asks the ledger before it
runs. Here each purpose is objected to (or withdrawn) on the web, at a kiosk and through a
mediator: its processing stops, then resumes when the choice is reversed.

The cases come from the registry: a gate point declared without a case below fails."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from civic.actors import Actor, Channel, Ref
from consent import registry
from consent.models import LegalBasis, Purpose
from consent.services import consent_give, consent_object, consent_withdraw, purposes_sync
from tests.conftest import make_person

pytestmark = pytest.mark.django_db

ASKABLE = {LegalBasis.CONSENT, LegalBasis.PUBLIC_TASK, LegalBasis.LEGITIMATE_INTEREST}


def test_it_every_askable_purpose_gates_some_processing_and_nothing_else_is_asked() -> None:
    for spec in registry.purpose_specs():
        if spec.legal_basis in ASKABLE:
            assert spec.gates, f"{spec.code} is asked but gates nothing"
    purposes_sync(actor=Actor.system())
    asked = set(
        Purpose.objects.filter(is_active=True, legal_basis__in=ASKABLE).values_list(
            "code", flat=True
        )
    )
    assert asked == {spec.code for spec in registry.purpose_specs() if spec.legal_basis in ASKABLE}


def test_it_deactivates_a_purpose_no_app_declares_without_deleting_it() -> None:
    newsletter = Purpose.objects.create(
        code="newsletter", title_fr="Lettre", title_en="Newsletter", legal_basis=LegalBasis.CONSENT
    )
    assert purposes_sync(actor=Actor.system())["deactivated"] == ["newsletter"]
    newsletter.refresh_from_db()
    assert newsletter.is_active is False


# --- One case per gate point: run the processing for a person, count the emails they get -------


class Harness:
    """Runs a processing as the platform would: on-commit callbacks, then the queued tasks."""

    def __init__(self, tasks: Any, run_on_commit: Any) -> None:
        self.tasks, self.run_on_commit = tasks, run_on_commit

    def emails_to(self, person: Any, processing: Callable[[], Any]) -> int:
        mail.outbox.clear()
        with self.run_on_commit():
            processing()
        self.tasks.run()
        return sum(1 for message in mail.outbox if person.email in message.to)


def _category() -> Any:
    from civic.models import Department
    from reports.models import Category

    department, _ = Department.objects.get_or_create(code="voirie", defaults={"name": "Voirie"})
    category, _ = Category.objects.get_or_create(
        service_code="gates", defaults={"name": "Voirie", "department": department}
    )
    return category


def _someone_else() -> tuple[Any, bool]:
    from civic.models import User

    existing = User.objects.filter(email="author@example.org").first()
    return (existing, False) if existing else (make_person("author@example.org"), True)


def _report(user: Any, harness: Harness, **extra: Any) -> Any:
    from reports.services import report_submit
    from tests.reports.conftest import INSIDE

    reports: list[Any] = []
    harness.emails_to(
        user or make_person("nobody@example.org"),
        lambda: reports.append(
            report_submit(
                actor=Actor(channel=Channel.WEB, user=user),
                category=_category(),
                description="Lampadaire éteint",
                lat=INSIDE[0],
                lon=INSIDE[1],
                **extra,
            )
        ),
    )
    return reports[0]


def _status_email(person: Any, harness: Harness) -> int:
    from reports.models import Status, Subscription
    from reports.services import report_change_status

    author, _ = _someone_else()
    report = _report(author, harness)
    Subscription.objects.get_or_create(report=report, user=person)
    staff = make_person(f"agent{report.pk}@example.org", staff=True, group="triager")
    return harness.emails_to(
        person,
        lambda: report_change_status(
            actor=Actor(channel=Channel.STAFF, user=staff),
            report=report,
            status=Status.ACKNOWLEDGED,
        ),
    )


def _fixed_question_email(person: Any, harness: Harness) -> int:
    from reports.models import Report
    from reports.services import fixed_question_sweep

    report = _report(person, harness)
    Report.objects.filter(pk=report.pk).update(confirmed_at=timezone.now() - timedelta(days=40))
    return harness.emails_to(person, fixed_question_sweep)


def _area_digest_email(person: Any, harness: Harness) -> int:
    from reports.models import AreaAlert, Report
    from reports.services import area_alert_create, area_alerts_digest
    from tests.reports.conftest import INSIDE

    AreaAlert.objects.filter(user=person).delete()
    alert = area_alert_create(
        actor=Actor(channel=Channel.WEB, user=person), lat=INSIDE[0], lon=INSIDE[1], radius_m=500
    )
    AreaAlert.objects.filter(pk=alert.pk).update(last_sent_at=timezone.now() - timedelta(days=2))
    report = _report(_someone_else()[0], harness)
    Report.objects.filter(pk=report.pk).update(confirmed_at=timezone.now() - timedelta(hours=1))
    return harness.emails_to(person, area_alerts_digest)


def _sensor_alert_email(person: Any, harness: Harness) -> int:
    from sensors.alerts import alerts_evaluate
    from sensors.models import Alert, AlertRule, AlertSubscription, Sensor
    from sensors.storage import readings_write
    from tests.sensors.conftest import make_device

    river = Sensor.objects.filter(device_id="river-gates").first()
    if river is None:
        river = make_device("river-gates", "native", "water_level").sensor
        AlertRule.objects.create(
            name="Crue",
            quantity="water_level",
            threshold=300,
            scope=AlertRule.Scope.KIND,
            kind="water_level",
        )
    AlertSubscription.objects.get_or_create(user=person, kind="water_level")
    Alert.objects.all().delete()  # each run opens a fresh alert
    now = timezone.now().replace(second=0, microsecond=0)
    readings_write([(river.pk, "water_level", now - timedelta(minutes=1), 340.0)])
    return harness.emails_to(person, lambda: alerts_evaluate(now=now))


def _budget_phase_email(person: Any, harness: Harness) -> int:
    from budgets.models import Budget, Subscription
    from budgets.services import phase_set

    budget = Budget.objects.create(title="Budget des portes")
    Subscription.objects.create(budget=budget, user=person)
    return harness.emails_to(
        person,
        lambda: phase_set(actor=Actor.system(), budget=budget, phase=Budget.Phase.PROPOSALS),
    )


def _budget_tracking_email(person: Any, harness: Harness) -> int:
    from decimal import Decimal

    from budgets.models import Budget, Heading, Project, Proposal, Subscription, Support
    from budgets.services import milestone_add

    budget = Budget.objects.create(title="Budget des portes", phase=Budget.Phase.IMPLEMENTATION)
    heading = Heading.objects.create(budget=budget, name="Ville", amount=Decimal(1000))
    project = Project.objects.create(heading=heading, pabulib_id="1", title="Bancs", cost=500)
    proposal = Proposal.objects.create(
        budget=budget, title="Bancs", description="Des bancs", estimated_cost=500, project=project
    )
    Support.objects.create(proposal=proposal, user=person)
    Subscription.objects.create(budget=budget, user=person)
    return harness.emails_to(
        person,
        lambda: milestone_add(
            actor=Actor.system(),
            project=project,
            date=timezone.localdate(),
            title="Travaux lancés",
            status="in_progress",
            progress=10,
        ),
    )


CASES: dict[str, Callable[[Any, Harness], int]] = {
    "reports.status-email": _status_email,
    "reports.fixed-question-email": _fixed_question_email,
    "reports.area-digest-email": _area_digest_email,
    "sensors.alert-email": _sensor_alert_email,
    "budgets.phase-email": _budget_phase_email,
    "budgets.tracking-email": _budget_tracking_email,
}


def test_it_every_gate_point_has_a_case_here() -> None:
    assert set(registry.gate_points()) == set(CASES)


def _actor_on(channel: str, person: Any) -> Actor:
    if channel == "web":
        return Actor(channel=Channel.WEB, user=person)
    if channel == "kiosk":
        terminal = Ref(type="assist.kioskterminal", id="1", label="Mairie")
        return Actor(channel=Channel.KIOSK, user=person, terminal=terminal)
    mediator = make_person(f"mediator-{person.pk}@example.org")
    mandate = Ref(type="assist.mandate", id="1", label="Maison des services")
    return Actor(channel=Channel.MEDIATOR, user=mediator, on_behalf_of=person, mandate=mandate)


@pytest.mark.parametrize("channel", ["web", "kiosk", "mediator"])
@pytest.mark.parametrize("gate", sorted(CASES))
def test_it_a_choice_stops_the_processing_it_gates_and_reversing_it_resumes_it(
    gate: str, channel: str, districts: Any, tasks: Any, run_on_commit: Any
) -> None:
    harness = Harness(tasks, run_on_commit)
    purposes_sync(actor=Actor.system())
    person = make_person(f"person-{channel}@example.org")
    purpose = Purpose.objects.get(code=registry.gate_points()[gate])
    actor = _actor_on(channel, person)
    run = CASES[gate]

    assert run(person, harness) == 1, "the processing runs before any choice"
    if purpose.legal_basis == LegalBasis.CONSENT:
        consent_give(actor=actor, purpose=purpose)
        assert run(person, harness) == 1
        consent_withdraw(actor=actor, purpose=purpose)
        assert run(person, harness) == 0
        consent_give(actor=actor, purpose=purpose)
    else:
        consent_object(actor=actor, purpose=purpose)
        assert run(person, harness) == 0, f"{gate} ran after an objection through the {channel}"
        consent_withdraw(actor=actor, purpose=purpose)
    assert run(person, harness) == 1, f"{gate} did not resume through the {channel}"
