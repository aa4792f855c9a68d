from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = _("Consent and personal data")

    def ready(self) -> None:
        from consent import checks  # noqa: F401 - registers the personal-data checks
        from consent.registrations import register
        from consent.services import purposes_sync_after_migrate
        from consent.triggers import journal_triggers_ensure

        register()
        post_save.connect(
            subject_for_new_account,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="consent.subject_for_new_account",
        )
        post_migrate.connect(
            journal_triggers_ensure, sender=self, dispatch_uid="consent.journal_triggers"
        )
        # The purposes in the database are those the apps declare (after every migrate).
        post_migrate.connect(
            purposes_sync_after_migrate, sender=self, dispatch_uid="consent.purposes_sync"
        )


def subject_for_new_account(sender: Any, instance: Any, created: bool, raw: bool, **_: Any) -> None:
    """Every account gets its pseudonymous subject with it, in the transaction creating it.

    Journals are written under one chain lock; a subject created later, inside a transaction
    already holding that lock, could wait on another transaction creating the same subject
    while that one waits for the lock: a deadlock PostgreSQL resolves by failing one of them.
    """
    if created and not raw:
        from consent.models import Subject

        Subject.objects.get_or_create(user=instance)
