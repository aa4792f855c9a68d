"""What density holds on a person: only the favourite lines of a signed-in resident.

Crowd reports are anonymous by construction (a hashed, rotating device token, never an account),
so they are not personal data of an account and appear in no export.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from civic.actors import Actor
    from civic.models import User

# A favourite of an account nobody signed in to for this long is forgotten.
FAVOURITE_RETENTION = timedelta(days=2 * 365)


def export_density(user: User) -> dict[str, Any]:
    from density.models import FavouriteLine

    return {
        "favourite_lines": [
            {"line": str(favourite.route), "added_at": favourite.created_at.isoformat()}
            for favourite in FavouriteLine.objects.filter(user=user).select_related("route")
        ]
    }


def erase_density(user: User, *, actor: Actor) -> dict[str, Any]:
    from density.models import FavouriteLine

    removed, _by_model = FavouriteLine.objects.filter(user=user).delete()
    return {
        "deleted": [gettext("your favourite lines")] if removed else [],
        "kept": [],
    }


def favourites_retention(*, now: datetime) -> int:
    """Forget the favourite lines of accounts unused for two years."""
    from density.models import FavouriteLine

    limit = now - FAVOURITE_RETENTION
    removed, _by_model = FavouriteLine.objects.filter(
        Q(user__last_login__lt=limit) | Q(user__last_login__isnull=True, created_at__lt=limit)
    ).delete()
    return removed


def register_personal_data() -> None:
    from consent.registry import register

    register(
        "density",
        summary=_("The favourite lines you keep at the top of the crowding report page."),
        exporter=export_density,
        eraser=erase_density,
        retention=favourites_retention,
        models=["density.FavouriteLine"],
        labels={"favourite_lines": _("Favourite lines")},
    )
