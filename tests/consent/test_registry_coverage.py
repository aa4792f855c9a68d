"""The personal-data registry: every model holding personal data is covered, and it works for a
data type that does not exist yet."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.test.utils import isolate_apps
from django.utils import timezone

from civic.actors import Actor, Channel
from consent import registry
from consent.checks import personal_data_check
from consent.models import ConsentEvent, Subject
from consent.selectors import subject_of_user
from consent.services import consent_give, personal_data_erase, retention_run
from tests.consent.conftest import web


def test_it_covers_every_installed_model_holding_personal_data() -> None:
    assert registry.uncovered_models() == []


def test_it_passes_its_system_checks() -> None:
    assert personal_data_check(None) == []


def test_it_covers_the_foundations_own_models() -> None:
    owners = {
        label: registry.registration_for(label).app_label  # type: ignore[union-attr]
        for label in (
            "civic.User",
            "account.EmailAddress",
            "account.EmailConfirmation",
            "mfa.Authenticator",
            "admin.LogEntry",
            "sessions.Session",
            "civic.ApiClient",
            "consent.Subject",
        )
    }
    assert set(owners.values()) == {"civic", "consent"}
    assert "email" in registry.personal_fields(_model("civic.User"))
    assert "user" in registry.personal_fields(_model("account.EmailAddress"))


def _model(label: str) -> Any:
    from django.apps import apps

    return apps.get_model(label)


@pytest.mark.usefixtures("saved_registry")
def test_it_names_the_models_left_uncovered() -> None:
    registry.unregister("civic")

    missing = registry.uncovered_models()

    # The user's many-to-many tables follow the user; Permission, Group, ContentType hold no one.
    assert missing == ["account.EmailAddress", "admin.LogEntry", "civic.User", "mfa.Authenticator"]
    assert {error.id for error in personal_data_check(None)} >= {"consent.E001"}


@isolate_apps("consent")
def test_it_finds_a_field_marked_personal_without_any_user_link() -> None:
    class Sighting(models.Model):
        witness_phone = registry.personal(models.CharField(max_length=20))
        seen_at = models.DateTimeField()

        class Meta:
            app_label = "consent"

        def __str__(self) -> str:
            return "a sighting"

    assert registry.holds_personal_data(Sighting)
    assert registry.personal_fields(Sighting) == ("witness_phone",)
    assert Sighting._meta.get_field("witness_phone").deconstruct()[3] == {"max_length": 20}


@pytest.mark.usefixtures("saved_registry")
def test_it_refuses_two_registrations_of_one_app_or_one_model() -> None:
    def noop(*args: Any, **kwargs: Any) -> dict[str, Any]:
        return {}

    with pytest.raises(ImproperlyConfigured):
        registry.register("civic", summary="again", exporter=noop, eraser=noop)
    with pytest.raises(ImproperlyConfigured):
        registry.register(
            "intruder", summary="x", exporter=noop, eraser=noop, models=["account.EmailAddress"]
        )


class PetStore:
    """A data type that does not exist yet: pets a resident declared, kept in memory."""

    def __init__(self) -> None:
        self.pets: dict[int, list[dict[str, Any]]] = {}
        self.erased_by: list[Actor] = []

    def export(self, user: Any) -> dict[str, Any]:
        return {"pets": list(self.pets.get(user.pk, []))}

    def erase(self, user: Any, *, actor: Actor) -> dict[str, Any]:
        removed = self.pets.pop(user.pk, [])
        self.erased_by.append(actor)
        return {"deleted": [f"{len(removed)} pets"], "kept": []}

    def retention(self, *, now: Any) -> int:
        old = [pk for pk, pets in self.pets.items() if not pets]
        for pk in old:
            del self.pets[pk]
        return len(old)


@pytest.mark.usefixtures("saved_registry")
def test_it_exports_erases_and_expires_a_data_type_registered_later(
    resident: Any, resident2: Any, consent_purpose: Any
) -> None:
    store = PetStore()
    store.pets = {resident.pk: [{"name": "Moustache", "kind": "cat"}], resident2.pk: []}
    registry.register(
        "pets",
        summary="Your declared pets",
        exporter=store.export,
        eraser=store.erase,
        retention=store.retention,
    )
    consent_give(actor=web(resident), purpose=consent_purpose)

    export = registry.export_for(resident)
    assert export["pets"] == {"pets": [{"name": "Moustache", "kind": "cat"}]}
    assert export["civic"]["account"]["email"] == "alice@example.org"
    assert [event["kind"] for event in export["consent"]["consents"]] == ["given"]

    assert retention_run(now=timezone.now())["pets"] == 1  # resident2's empty list
    subject = subject_of_user(resident)
    receipt = personal_data_erase(actor=web(resident), user=resident)

    assert receipt["pets"] == {"deleted": ["1 pets"], "kept": []}
    order = list(receipt)
    assert order.index("pets") < order.index("consent") < order.index("civic") == len(order) - 1
    assert store.erased_by[0].user == resident
    subject = Subject.objects.get(pk=subject.pk)  # type: ignore[union-attr]
    assert subject.user is None and subject.unlinked_at is not None
    assert ConsentEvent.objects.filter(subject=subject).count() == 1  # history stays, unlinked
    assert not type(resident).objects.filter(pk=resident.pk).exists()


def test_it_deactivates_rather_than_deletes_a_staff_account(triager: Any) -> None:
    from django.utils import translation

    with translation.override("en"):  # receipts are written in the person's language
        receipt = personal_data_erase(actor=Actor(channel=Channel.WEB, user=triager), user=triager)

    triager.refresh_from_db()
    assert not triager.is_active and not triager.has_usable_password()
    assert receipt["civic"]["kept"][0]["what"].startswith("staff account")


def test_it_refuses_to_erase_someone_else(resident: Any, resident2: Any) -> None:
    from civic.errors import NotAllowed

    with pytest.raises(NotAllowed):
        personal_data_erase(actor=web(resident2), user=resident)
    resident.refresh_from_db()
