"""What consent brings to the rest of the site, declared through the core's registries, and the
purposes of its own (accounts, proof of consent, the access log). No newsletter purpose: the city
sends none, so none is asked."""

from __future__ import annotations

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from civic.registry import (
    HomeTile,
    Link,
    PeriodicTask,
    SeedStep,
    register_home_tile,
    register_link,
    register_periodic_task,
    register_seed_step,
)
from civic.roles import register_role
from consent.models import LegalBasis
from consent.registry import PurposeSpec, register_purpose


def register() -> None:
    from consent.foundation import register_foundation
    from consent.seed import seed_consent

    register_foundation()
    register_role(
        "data_protection_officer",
        label=_("Data protection officer"),
        permissions={
            "civic.view_user",
            "civic.change_user",
            "civic.view_apiclient",
            "account.view_emailaddress",
            "mfa.view_authenticator",
            "admin.view_logentry",
            "auth.view_group",
            "consent.view_purpose",
            "consent.add_purpose",
            "consent.change_purpose",
            "consent.view_purposenotice",
            "consent.add_purposenotice",
            "consent.view_exportarchive",
        },
    )
    register_home_tile(
        HomeTile(
            key="my-data",
            title=_("My data"),
            description=_("What the city holds on you, who looked at it; download it, or leave."),
            url_name="consent:my_data",
            icon="🔒",
            order=800,
        )
    )
    register_seed_step(SeedStep(name="consent", run=seed_consent, order=300))
    for order, (key, title, url_name) in enumerate(
        (
            ("my-data", _("My data"), "consent:my_data"),
            ("register", _("Register of processing activities"), "consent:processing_register"),
            ("algorithms", _("Algorithm register"), "consent:algorithm_register"),
            ("ledger", _("Consent ledger: published hashes"), "consent:ledger"),
        )
    ):
        register_link("privacy", Link(key=key, title=title, url_name=url_name, order=order))
    register_periodic_task(
        PeriodicTask(
            "consent-retention", "consent.tasks.retention_run_task", crontab(hour=3, minute=30)
        )
    )
    register_periodic_task(
        PeriodicTask(
            "consent-ledger-head",
            "consent.tasks.ledger_head_record_task",
            crontab(hour=0, minute=5),
        )
    )
    register_purpose(
        PurposeSpec(
            code="account",
            legal_basis=LegalBasis.CONTRACT,
            title_fr="Compte de l'usager",
            title_en="Resident account",
            description_fr=(
                "Vous identifier et vous écrire au sujet des services que vous utilisez."
            ),
            description_en="Identify you and write to you about the services you use.",
            data_categories="Adresse électronique\nNom public\nLangue",
            retention="Jusqu'à la suppression du compte",
            recipients="Agents de la ville habilités",
            notice_fr="Votre adresse et votre langue servent à vous connecter et à vous écrire.",
            notice_en="Your address and language are used to sign you in and write to you.",
        )
    )
    register_purpose(
        PurposeSpec(
            code="consent-records",
            legal_basis=LegalBasis.LEGAL_OBLIGATION,
            title_fr="Preuve des consentements",
            title_en="Proof of consent",
            description_fr="Garder la preuve de vos choix (RGPD art. 7(1)).",
            description_en="Keep proof of your choices (GDPR art. 7(1)).",
            data_categories="Identifiant pseudonyme\nChoix et date",
            retention="Cinq ans après le retrait",
            recipients="Délégué à la protection des données",
            notice_fr="Chaque choix est inscrit dans un registre chaîné et vérifiable.",
            notice_en="Each choice is written in a chained, verifiable ledger.",
        )
    )
    register_purpose(
        PurposeSpec(
            code="access-log",
            legal_basis=LegalBasis.LEGAL_OBLIGATION,
            title_fr="Journal des accès",
            title_en="Access log",
            description_fr="Tracer chaque accès des agents à vos données personnelles.",
            description_en="Trace every staff access to your personal data.",
            data_categories="Identifiant pseudonyme\nRôle et service de l'agent, motif",
            retention="Un an",
            recipients="Délégué à la protection des données",
            notice_fr="Vous voyez qui a consulté vos données, quand et pourquoi.",
            notice_en="You see who looked at your data, when and why.",
        )
    )
