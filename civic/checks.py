from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def production_broker_check(app_configs: Any, **kwargs: Any) -> list[Error]:
    if settings.PRODUCTION and settings.CELERY_BROKER_URL.startswith("filesystem"):
        return [
            Error("The filesystem broker loses tasks; production needs Redis.", id="civic.E001")
        ]
    return []
