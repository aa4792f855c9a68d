"""Staff access to personal data in the admin leaves one trace per page opened."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import translation

from consent.admin import PersonalDataAdminMixin
from consent.checks import admin_problems
from consent.models import AccessLog
from consent.selectors import subject_of_user
from tests.conftest import PASSWORD


@pytest.fixture
def dpo_client(dpo: Any) -> Client:
    client = Client()
    assert client.login(email=dpo.email, password=PASSWORD)
    return client


def test_it_puts_the_mixin_on_every_admin_of_personal_data() -> None:
    assert admin_problems() == []
    assert isinstance(admin.site._registry[get_user_model()], PersonalDataAdminMixin)


def test_it_flags_an_admin_without_the_mixin_or_with_personal_columns() -> None:
    site = admin.AdminSite(name="elsewhere")

    class CarelessAdmin(admin.ModelAdmin):
        list_display = ("email", "verified")

    site.register(EmailAddress, CarelessAdmin)

    problems = {error.id: error.msg for error in admin_problems(site)}

    assert set(problems) == {"consent.E002", "consent.E003"}
    assert "email" in problems["consent.E003"]


def test_it_flags_a_change_list_showing_a_persons_name_through_str() -> None:
    site = admin.AdminSite(name="elsewhere")

    class NamedAdmin(PersonalDataAdminMixin, admin.ModelAdmin):
        pass  # list_display defaults to ("__str__",): the address itself

    site.register(EmailAddress, NamedAdmin)

    assert [error.id for error in admin_problems(site)] == ["consent.E003"]


def test_it_records_one_access_when_staff_open_a_persons_page(
    dpo_client: Client, dpo: Any, resident: Any
) -> None:
    response = dpo_client.get(reverse("admin:civic_user_change", args=[resident.pk]))

    assert response.status_code == 200
    assert b"alice@example.org" in response.content
    entry = AccessLog.objects.get()
    assert entry.subject == subject_of_user(resident)
    assert entry.actor_role == "data_protection_officer"
    with translation.override("en"):
        assert str(entry.actor_role_label) == "Data protection officer"
    assert entry.actor_subject == subject_of_user(dpo)
    assert entry.channel == "staff"
    assert (entry.object_type, entry.object_id) == ("civic.user", str(resident.pk))
    assert set(entry.field_names) == {"email", "display_name", "password", "last_login"}


def test_it_records_nothing_for_the_change_list(dpo_client: Client, resident: Any) -> None:
    response = dpo_client.get(reverse("admin:civic_user_changelist"))

    assert response.status_code == 200
    assert b"alice@example.org" not in response.content
    assert not AccessLog.objects.exists()


def test_it_records_access_to_an_email_address_page(dpo_client: Client, resident: Any) -> None:
    address = EmailAddress.objects.get(user=resident)

    response = dpo_client.get(reverse("admin:account_emailaddress_change", args=[address.pk]))

    assert response.status_code == 200
    entry = AccessLog.objects.get()
    assert entry.subject == subject_of_user(resident)
    assert entry.field_names == ["email", "user"]


def test_it_records_a_change_of_personal_fields(resident: Any) -> None:
    from civic.models import User

    admin_user = User.objects.create_superuser("root@example.org", PASSWORD)
    client = Client()
    client.force_login(admin_user)
    url = reverse("admin:civic_user_change", args=[resident.pk])

    response = client.post(
        url,
        {
            "email": "alice.martin@example.org",
            "display_name": "Alice Martin",
            "language": "fr",
            "is_active": "on",
            "date_joined_0": "2025-01-01",
            "date_joined_1": "10:00:00",
        },
    )

    assert response.status_code == 302, response.content[:2000]
    entry = AccessLog.objects.get()
    assert entry.field_names == ["email"]
    assert entry.actor_role == "administrator"
    assert f"#{resident.pk}" in entry.what


@pytest.mark.urls("tests.consent.urls")
def test_it_asks_a_reason_before_an_export_and_records_it(
    dpo_client: Client, resident: Any
) -> None:
    url = reverse("test_export", args=[resident.pk])

    asked = dpo_client.get(url)
    empty = dpo_client.post(url, {"consent_access_reason": ""})
    assert asked.status_code == 200 and b"consent_access_reason" in asked.content
    assert empty.status_code == 400
    assert not AccessLog.objects.exists()

    done = dpo_client.post(url, {"consent_access_reason": "Request from the resident by mail"})

    assert done.status_code == 200
    assert (
        done.content
        == f"export for {resident.pk} because Request from the resident by mail".encode()
    )
    entry = AccessLog.objects.get()
    assert entry.subject == subject_of_user(resident)
    assert entry.reason_text == "Request from the resident by mail"
    assert entry.what == "test export of a resident's data"


@pytest.mark.urls("tests.consent.urls")
def test_it_never_asks_a_reason_of_someone_who_may_not_see(resident: Any, resident2: Any) -> None:
    client = Client()
    client.force_login(resident2)

    response = client.post(
        reverse("test_export", args=[resident.pk]), {"consent_access_reason": "curiosity!"}
    )

    assert response.status_code == 302  # to the staff login
    assert not AccessLog.objects.exists()
