from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.utils import translation

from civic.mail import email_enqueue
from civic.net import client_ip


class AccountAdapter(DefaultAccountAdapter):
    """allauth, the Civic way: mail through Celery in the recipient's language, real client IPs."""

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        language = self._recipient_language(email, context)
        with translation.override(language):
            message = self.render_mail(template_prefix, email, context)
        html = ""
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                html = str(content)
        email_enqueue(
            to=list(message.to),
            subject=str(message.subject),
            text=str(message.body),
            html=html,
            from_email=message.from_email,
        )

    def _recipient_language(self, email: str, context: dict[str, Any]) -> str:
        from civic.models import User

        user = context.get("user")
        if not isinstance(user, User):
            user = User.objects.filter(email__iexact=email).first()
        if user is not None and user.language:
            return user.language
        return translation.get_language() or "fr"

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        user.language = translation.get_language() or user.language
        return super().save_user(request, user, form, commit=commit)

    def get_client_ip(self, request: HttpRequest) -> str:
        return client_ip(request)

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """Failed sign-ins count per address *and* client IP together (allauth counts per
        address alone): five wrong passwords from one place lock that place out, never the
        resident signing in from elsewhere. allauth's per-IP limit still applies on top."""
        address = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{self.get_client_ip(request)}:{address}"
