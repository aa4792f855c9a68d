"""The city's configuration (from settings) and facts about the running code."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver


@dataclass(frozen=True)
class City:
    name: str
    time_zone: str
    map_center: tuple[float, float]
    map_zoom: int
    tile_url: str
    tile_attribution: str
    publisher: str
    dpo_email: str
    contact_email: str
    source_url: str
    # Same origin (the policy allows no other): a static or media path, for the page header.
    logo_url: str = ""


@cache
def city() -> City:
    config: dict[str, Any] = settings.CIVIC_CITY
    return City(**config)


@cache
def running_commit() -> str:
    """The commit being served: ``CIVIC_COMMIT`` or read from the checkout's ``.git``."""
    if settings.CIVIC_COMMIT:
        return settings.CIVIC_COMMIT
    git = Path(settings.BASE_DIR) / ".git"
    try:
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head
        ref = head[5:]
        ref_file = git / ref
        if ref_file.exists():
            return ref_file.read_text().strip()
        for line in (git / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split()[0]
    except OSError:
        pass
    return ""


@receiver(setting_changed)
def _forget_cached_settings(*, setting: str, **kwargs: object) -> None:
    # Both readers are cached for the life of the process; a changed setting (tests'
    # override_settings) must be seen at once.
    if setting in {"CIVIC_CITY", "CIVIC_COMMIT", "BASE_DIR"}:
        city.cache_clear()
        running_commit.cache_clear()


def absolute_url(path: str) -> str:
    """A full link for emails and exports, where no request is at hand (``CIVIC_SITE_URL``)."""
    return settings.CIVIC_SITE_URL + path
