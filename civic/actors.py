"""Who acts: every service takes a keyword-only ``actor`` so journals need no special cases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.http import HttpRequest

    from civic.models import ApiClient, User


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    KIOSK = "kiosk", _("Kiosk")
    MEDIATOR = "mediator", _("Mediator")
    API = "api", _("API")
    STAFF = "staff", _("Staff")
    SYSTEM = "system", _("Automatic process")


@dataclass(frozen=True)
class Ref:
    """A typed reference to something the core does not know (a mandate, a kiosk terminal)."""

    type: str
    id: str
    label: str

    def as_dict(self) -> dict[str, str]:
        return {"type": self.type, "id": self.id, "label": self.label}


@dataclass(frozen=True)
class Actor:
    """The person or process acting, on whose behalf, through which channel."""

    channel: str
    user: User | None = None
    on_behalf_of: User | None = None
    api_client: ApiClient | None = None
    mandate: Ref | None = None
    terminal: Ref | None = None

    @classmethod
    def system(cls) -> Actor:
        return cls(channel=Channel.SYSTEM)

    @classmethod
    def from_request(cls, request: HttpRequest, *, channel: str | None = None) -> Actor:
        user = request.user if request.user.is_authenticated else None
        api_client = getattr(request, "auth", None)
        from civic.models import ApiClient  # the model module imports nothing from here

        if isinstance(api_client, ApiClient):
            return cls(channel=Channel.API, api_client=api_client, user=user)
        # A registered kiosk terminal's browser (set by assist's middleware: a Ref, so the core
        # imports nothing from assist).
        terminal: Ref | None = getattr(request, "civic_terminal", None)
        if channel is None:
            if terminal is not None:
                channel = Channel.KIOSK
            else:
                channel = Channel.STAFF if user is not None and user.is_staff else Channel.WEB
        return cls(channel=channel, user=user, terminal=terminal)

    @property
    def subject_user(self) -> User | None:
        """The resident whose business this is: the represented one, else the actor."""
        return self.on_behalf_of or self.user

    @property
    def label(self) -> str:
        parts: list[str] = [str(Channel(self.channel).label)]
        if self.api_client is not None:
            parts.append(str(self.api_client))
        if self.mandate is not None:
            parts.append(self.mandate.label)
        if self.terminal is not None:
            parts.append(self.terminal.label)
        return " · ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "user": self.user.pk if self.user else None,
            "on_behalf_of": self.on_behalf_of.pk if self.on_behalf_of else None,
            "api_client": self.api_client.pk if self.api_client else None,
            "mandate": self.mandate.as_dict() if self.mandate else None,
            "terminal": self.terminal.as_dict() if self.terminal else None,
        }
