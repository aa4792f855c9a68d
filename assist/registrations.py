"""What assist brings to the rest of the site, declared through the core's registries: its roles,
the mandate scopes it serves itself, the kiosk bar, the mediators' workspace and MFA area."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from civic.registry import (
    KioskTile,
    Link,
    MandateScope,
    MfaArea,
    NavEntry,
    PageBanner,
    SeedStep,
    register_context,
    register_kiosk_tile,
    register_link,
    register_mandate_scope,
    register_mfa_area,
    register_nav_entry,
    register_page_banner,
    register_seed_step,
)
from civic.roles import CITY_MAP, register_role

CONSENT_SCOPE = "consent"
EXPORT_SCOPE = "export"
MEDIATOR_ROLE = "mediator"


def on_kiosk(request: HttpRequest) -> bool:
    return getattr(request, "kiosk_terminal", None) is not None


def mediates(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(
        user is not None and user.is_authenticated and user.has_perm("assist.act_for_resident")
    )


def kiosk_receipt_number(request: HttpRequest) -> int | None:
    """The report whose public page is shown, when this terminal's visitor just filed it."""
    if not on_kiosk(request):
        return None
    match = getattr(request, "resolver_match", None)
    if match is None or match.view_name != "reports:detail":
        return None
    from reports.views import FILED_AT_KIOSK

    session: Any = getattr(request, "session", None)
    filed = session.get(FILED_AT_KIOSK, []) if session is not None else []
    number = match.kwargs.get("pk")
    return number if number in filed else None


def has_kiosk_receipt(request: HttpRequest) -> bool:
    return kiosk_receipt_number(request) is not None


def kiosk_receipt_context(request: HttpRequest) -> dict[str, Any]:
    number = kiosk_receipt_number(request)
    if number is None:
        return {}
    from reports.models import Report

    report = Report.objects.select_related("category").filter(pk=number).first()
    return {"kiosk_receipt": report}


def mandates_to_see(request: HttpRequest) -> list[Any]:
    """The signed-in resident's mandates still to show them (one query a page, kept on it)."""
    cached = getattr(request, "_assist_mandates_to_see", None)
    if cached is None:
        from assist.selectors import mandates_to_see as unseen

        user = getattr(request, "user", None)
        cached = unseen(user) if user is not None and user.is_authenticated else []
        request._assist_mandates_to_see = cached  # type: ignore[attr-defined]
    return cached


def has_mandates_to_see(request: HttpRequest) -> bool:
    return bool(mandates_to_see(request))


def mandates_context(request: HttpRequest) -> dict[str, Any]:
    return {"mandates_to_see": mandates_to_see(request)}


def register() -> None:
    from assist.kiosk import kiosk_context
    from assist.personal_data import register_personal_data
    from assist.seed import seed_assist

    register_personal_data()
    register_seed_step(SeedStep(name="assist", run=seed_assist, order=400))
    register_role(
        "mediator_supervisor",
        label=_("Mediator supervisor"),
        permissions=CITY_MAP
        | {
            "civic.view_user",
            "assist.view_organisation",
            "assist.add_organisation",
            "assist.change_organisation",
            "assist.view_membership",
            "assist.add_membership",
            "assist.change_membership",
            "assist.delete_membership",
            "assist.view_mandate",
            "assist.change_mandate",  # revoke
            "assist.view_kioskterminal",
            "assist.add_kioskterminal",
            "assist.change_kioskterminal",  # activate on the terminal's browser
        },
    )
    # Not staff: a partner organisation's helper. Acting also needs an active membership of an
    # active organisation (assist.selectors.mediator_organisations) and, when required, MFA.
    register_role(MEDIATOR_ROLE, label=_("Mediator"), permissions={"assist.act_for_resident"})
    register_mfa_area(MfaArea(prefix="/assist/", role=MEDIATOR_ROLE))
    register_mandate_scope(
        MandateScope(
            code=CONSENT_SCOPE,
            label=_("Consent choices"),
            description=_(
                "give, withdraw or object to the processing of my data, purpose by purpose, "
                "and see my choices"
            ),
            order=10,
        )
    )
    register_mandate_scope(
        MandateScope(
            code=EXPORT_SCOPE,
            label=_("Data export"),
            description=_("ask for a copy of all my data and download it for me"),
            order=20,
        )
    )
    register_context(kiosk_context)
    register_page_banner(
        PageBanner(
            key="kiosk",
            template="assist/_kiosk_bar.html",
            head_template="assist/_kiosk_head.html",
            body_class="kiosk",
            active=on_kiosk,
        )
    )
    # A report just filed at the terminal: its public page shows the receipt to take away.
    register_context(kiosk_receipt_context)
    register_page_banner(
        PageBanner(
            key="kiosk-receipt",
            template="assist/_kiosk_receipt.html",
            body_class="kiosk-receipt-page",
            active=has_kiosk_receipt,
            order=110,
        )
    )
    # After signing in, a resident sees each mandate recorded for them on paper until they keep
    # or revoke it.
    register_context(mandates_context)
    register_page_banner(
        PageBanner(
            key="mandates-to-see",
            template="assist/_mandates_banner.html",
            head_template="assist/_assist_head.html",
            active=has_mandates_to_see,
            order=50,
        )
    )
    register_kiosk_tile(
        KioskTile(
            key="consents",
            title=_("My consents: give or withdraw"),
            url_name="assist:kiosk_consents",
            icon="assist/icons/consents.svg",
            order=800,
        )
    )
    register_kiosk_tile(
        KioskTile(
            key="my-data",
            title=_("My data"),
            url_name="assist:kiosk_my_data",
            icon="assist/icons/my-data.svg",
            order=810,
        )
    )
    register_kiosk_tile(
        KioskTile(
            key="help",
            title=_("Get help: mediation places and their hours"),
            url_name="assist:help_places",
            icon="assist/icons/help.svg",
            order=990,
        )
    )
    register_link(
        "my-data", Link(key="mandates", title=_("My mandates"), url_name="assist:my_mandates")
    )
    register_nav_entry(
        NavEntry(
            key="mediator",
            title=_("Mediator workspace"),
            url_name="assist:mediator_home",
            order=900,
            visible=mediates,
        )
    )
