"""Demo purposes with notices (French and English) and a few choices of the demo residents."""

from __future__ import annotations

from typing import IO

from django.db import transaction

from civic.actors import Actor, Channel
from civic.models import User
from consent.models import ConsentEvent, LegalBasis, Purpose
from consent.services import consent_give, consent_withdraw, purpose_notice_publish

PURPOSES: list[dict[str, str]] = [
    {
        "code": "account",
        "legal_basis": LegalBasis.CONTRACT,  # the terms of use the resident accepts
        "title_fr": "Compte de l'usager",
        "title_en": "Resident account",
        "description_fr": "Vous identifier et vous écrire au sujet des services que vous utilisez.",
        "description_en": "Identify you and write to you about the services you use.",
        "data_categories": "Adresse électronique\nNom public\nLangue",
        "retention": "Jusqu'à la suppression du compte",
        "recipients": "Agents de la ville habilités",
        "notice_fr": "Votre adresse et votre langue servent à vous connecter et à vous écrire.",
        "notice_en": "Your address and language are used to sign you in and write to you.",
    },
    {
        "code": "report-follow-up",
        "legal_basis": LegalBasis.PUBLIC_TASK,
        "title_fr": "Courriels de suivi des signalements",
        "title_en": "Follow-up emails for reports",
        "description_fr": "Vous tenir informé de l'avancement des signalements que vous suivez.",
        "description_en": "Keep you informed of the progress of the reports you follow.",
        "data_categories": "Adresse électronique\nSignalements suivis",
        "retention": "Un an après la clôture du signalement",
        "recipients": "Services de la ville",
        "notice_fr": "Nous vous écrivons quand un signalement que vous suivez change d'état.",
        "notice_en": "We write to you when a report you follow changes state.",
    },
    {
        "code": "newsletter",
        "legal_basis": LegalBasis.CONSENT,
        "title_fr": "Lettre d'information",
        "title_en": "Newsletter",
        "description_fr": "Recevoir chaque mois les nouvelles de la ville.",
        "description_en": "Receive the city's news every month.",
        "data_categories": "Adresse électronique\nLangue",
        "retention": "Jusqu'au retrait du consentement",
        "recipients": "Service communication",
        "notice_fr": "Une lettre par mois, désinscription en un clic.",
        "notice_en": "One letter a month, unsubscribe in one click.",
    },
    {
        "code": "crowd-density",
        "legal_basis": LegalBasis.CONSENT,
        "title_fr": "Contributions à l'affluence",
        "title_en": "Crowd density contributions",
        "description_fr": "Relier vos signalements d'affluence à votre compte pour les retrouver.",
        "description_en": "Link your crowd reports to your account so you can find them.",
        "data_categories": "Ligne, arrêt, niveau d'affluence, heure",
        "retention": "Six mois",
        "recipients": "Service mobilités",
        "notice_fr": "Vos signalements d'affluence restent liés à votre compte six mois.",
        "notice_en": "Your crowd reports stay linked to your account for six months.",
    },
    {
        "code": "consent-records",
        "legal_basis": LegalBasis.LEGAL_OBLIGATION,
        "title_fr": "Preuve des consentements",
        "title_en": "Proof of consent",
        "description_fr": "Garder la preuve de vos choix (RGPD art. 7(1)).",
        "description_en": "Keep proof of your choices (GDPR art. 7(1)).",
        "data_categories": "Identifiant pseudonyme\nChoix et date",
        "retention": "Cinq ans après le retrait",
        "recipients": "Délégué à la protection des données",
        "notice_fr": "Chaque choix est inscrit dans un registre chaîné et vérifiable.",
        "notice_en": "Each choice is written in a chained, verifiable ledger.",
    },
    {
        "code": "access-log",
        "legal_basis": LegalBasis.LEGAL_OBLIGATION,
        "title_fr": "Journal des accès",
        "title_en": "Access log",
        "description_fr": "Tracer chaque accès des agents à vos données personnelles.",
        "description_en": "Trace every staff access to your personal data.",
        "data_categories": "Identifiant pseudonyme\nRôle et service de l'agent, motif",
        "retention": "Un an",
        "recipients": "Délégué à la protection des données",
        "notice_fr": "Vous voyez qui a consulté vos données, quand et pourquoi.",
        "notice_en": "You see who looked at your data, when and why.",
    },
]

NOTICE_KEYS = {"notice_fr", "notice_en"}


@transaction.atomic
def seed_consent(*, stdout: IO[str]) -> None:
    system = Actor.system()
    for spec in PURPOSES:
        fields = {key: value for key, value in spec.items() if key not in NOTICE_KEYS}
        code = fields.pop("code")
        purpose, _created = Purpose.objects.update_or_create(code=code, defaults=fields)
        notice = purpose.current_notice()
        if notice is None or (notice.text_fr, notice.text_en) != (
            spec["notice_fr"],
            spec["notice_en"],
        ):
            purpose_notice_publish(
                actor=system, purpose=purpose, text_fr=spec["notice_fr"], text_en=spec["notice_en"]
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
