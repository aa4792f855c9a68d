"""The export archive's contents: a documented JSON file, the person's public files, a summary.

Layout of the zip:

- ``README.txt``: what each file is (in the person's language);
- ``data.json``: ``{"format", "generated_at", "about", "data"}`` where ``data`` maps each app label
  to its registry exporter's output and ``about`` describes each section (summary, purposes);
- ``files/<app_label>/<path>``: the files apps list through their ``files`` hook (public copies);
- ``summary.html``: the same data, readable in a browser, with no external resource.
"""

from __future__ import annotations

import io
import json
import posixpath
import zipfile
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.files.storage import storages
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from consent import registry
from consent.models import Purpose

if TYPE_CHECKING:
    from civic.models import User

FORMAT = "civic-personal-data-export/1"


def _safe_path(path: str) -> str | None:
    normal = posixpath.normpath(path.replace("\\", "/")).lstrip("/")
    if not normal or normal.startswith("..") or normal == ".":
        return None
    return normal


def tree(value: Any, labels: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """An exporter's dict as nested rows for templates (list items are numbered)."""
    labels = labels or {}
    if isinstance(value, dict):
        return [_node(_label(key, labels), item, labels) for key, item in value.items()]
    if isinstance(value, list):
        return [_node(str(index), item, labels) for index, item in enumerate(value, start=1)]
    return [_node("", value, labels)]


def _label(key: Any, labels: Mapping[str, Any]) -> str:
    if key in labels:
        return str(labels[key])
    return str(key).replace("_", " ").capitalize()


def _node(label: str, value: Any, labels: Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(value, dict) or (
        isinstance(value, list) and any(isinstance(item, dict | list) for item in value)
    ):
        return {"label": label, "children": tree(value, labels), "empty": not value}
    if isinstance(value, list):
        return {"label": label, "value": ", ".join(str(item) for item in value), "empty": not value}
    if isinstance(value, bool):
        return {"label": label, "value": gettext("yes") if value else gettext("no")}
    return {"label": label, "value": value, "empty": value in (None, "")}


def sections_for(user: User) -> list[dict[str, Any]]:
    """Every registration's data for the person, with what it is for (the dashboard's too)."""
    purposes = {purpose.code: purpose for purpose in Purpose.objects.all()}
    return [
        {
            "app_label": registration.app_label,
            "summary": str(registration.summary),
            "purposes": [purposes[code] for code in registration.purposes if code in purposes],
            "data": (data := registration.exporter(user)),
            "rows": tree(data, registration.labels),
        }
        for registration in registry.registrations()
    ]


def _purpose_json(purpose: Purpose) -> dict[str, Any]:
    return {
        "code": purpose.code,
        "title": purpose.title,
        "legal_basis": purpose.legal_basis,
        "legal_basis_label": str(purpose.get_legal_basis_display()),
        "retention": purpose.retention,
    }


def archive_build(user: User, *, language: str) -> bytes:
    """The zip's bytes. Built in memory: a person's data is small (photos are thumbnails-sized
    public copies); a city with heavier users would stream to a temporary file instead."""
    with translation.override(language):
        now = timezone.now()
        sections = sections_for(user)
        document = {
            "format": FORMAT,
            "generated_at": now.isoformat(),
            "language": language,
            "about": {
                section["app_label"]: {
                    "summary": section["summary"],
                    "purposes": [_purpose_json(purpose) for purpose in section["purposes"]],
                }
                for section in sections
            },
            "data": {section["app_label"]: section["data"] for section in sections},
        }
        buffer = io.BytesIO()
        files: list[dict[str, str]] = []
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for registration in registry.registrations():
                if registration.files is None:
                    continue
                for item in registration.files(user):
                    path = _safe_path(item.path)
                    if path is None:
                        continue
                    storage = storages[item.storage]
                    if not storage.exists(item.name):
                        continue
                    with storage.open(item.name, "rb") as handle:
                        target = f"files/{registration.app_label}/{path}"
                        archive.writestr(target, handle.read())
                    files.append({"path": target, "description": item.description})
            document["files"] = files
            archive.writestr(
                "data.json", json.dumps(document, indent=2, ensure_ascii=False, default=str)
            )
            context = {"user": user, "sections": sections, "files": files, "generated_at": now}
            archive.writestr(
                "summary.html", render_to_string("consent/export_summary.html", context)
            )
            archive.writestr("README.txt", render_to_string("consent/export_readme.txt", context))
    return buffer.getvalue()
