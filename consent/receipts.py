"""Consent receipts (a ledger entry as the Kantara Initiative's Consent Receipt v1.1), built
apart from the views that serve them as a page and as JSON."""

from __future__ import annotations

from typing import Any

from civic.city import city
from consent.models import ConsentEvent, LegalBasis


def consent_receipt(event: ConsentEvent, *, site_url: str, policy_url: str) -> dict[str, Any]:
    """The event as a consent receipt, after the Kantara Initiative's Consent Receipt v1.1."""
    city_info = city()
    purpose = event.purpose
    notice = event.notice
    return {
        "version": "KI-CR-v1.1.0",
        "format": "civic-consent-receipt/1",
        "jurisdiction": "FR",
        "consentTimestamp": int(event.at.timestamp()),
        "consentReceiptID": event.hash,
        "collectionMethod": event.channel,
        "language": event.language,
        "piiPrincipalId": str(event.subject_id),
        "piiControllers": [
            {
                "piiController": city_info.publisher,
                "contact": city_info.dpo_email,
                "email": city_info.dpo_email,
                "url": site_url,
            }
        ],
        "policyUrl": policy_url,
        "services": [
            {
                "service": city_info.name,
                "purposes": [
                    {
                        "purpose": purpose.title,
                        "purposeCategory": [purpose.code],
                        "consentType": "EXPLICIT"
                        if purpose.legal_basis == LegalBasis.CONSENT
                        else "NOT-APPLICABLE",
                        "legalBasis": purpose.legal_basis,
                        "piiCategory": [
                            line.strip() for line in purpose.data_categories.splitlines() if line
                        ],
                        "primaryPurpose": True,
                        "termination": purpose.retention,
                        "thirdPartyDisclosure": bool(purpose.recipients.strip()),
                        "thirdPartyName": purpose.recipients,
                    }
                ],
            }
        ],
        "sensitive": False,
        "spiCat": [],
        "event": {
            "kind": event.kind,
            "at": event.at.isoformat(),
            "actorRole": event.actor_role,
            "notice": {
                "version": notice.version if notice else None,
                "sha256": event.notice_sha256,
                "text": notice.text(event.language) if notice else "",
            },
            "ledger": {"seq": event.seq, "hash": event.hash, "previousHash": event.prev_hash},
        },
    }
