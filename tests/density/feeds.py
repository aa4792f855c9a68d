"""The shared GTFS feeds, read independently of the importer, to check what it loaded."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

from django.conf import settings

GTFS_DIR = Path(settings.BASE_DIR).parent / "shared" / "data" / "gtfs"
FEEDS = sorted(path.name for path in GTFS_DIR.iterdir()) if GTFS_DIR.is_dir() else []


def rows(folder: Path, name: str) -> list[dict[str, str]]:
    """The data rows of ``name`` in ``folder`` (none when the file is absent)."""
    path = folder / name
    if not path.exists():
        return []
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return [
        {key.strip(): value.strip() for key, value in row.items()}
        for row in reader
        if any(value.strip() for value in row.values() if value)
    ]


def copy_feed(name: str, target: Path) -> Path:
    """A writable copy of a shared feed, to damage or change."""
    copy = target / name
    copy.mkdir()
    for path in (GTFS_DIR / name).iterdir():
        shutil.copyfile(path, copy / path.name)
    return copy


def seconds(value: str) -> int:
    hours, minutes, secs = value.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + int(secs)
