"""The layering rules for templates: what import-linter checks in Python, checked in templates.

import-linter reads Python imports only. A template that includes another app's partial, extends
its layout, links to its URL names or loads its static files depends on that app just as an import
would. This module reads the same contracts (``[tool.importlinter]`` in ``pyproject.toml``) and
applies them to every template: a template under ``<app>/templates/`` belongs to ``<app>``, one
under the project's ``templates/`` to the core (``civic``). Cross-app references go through the
registries instead (a page banner, a kiosk tile, a "My data" link name their templates and URLs
in Python, where the contracts already apply).

``python -m civic.layering`` prints each violation and exits 1 (``make lint`` runs it).
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
CORE = "civic"

# {% include "assist/_bar.html" %}, {% extends 'reports/base.html' %}, {% static "sensors/x.css" %}
_PATH_REFERENCE = re.compile(
    r"""{%\s*(?:include|extends|static)\s+["']([A-Za-z_][\w-]*)/[^"']*["']"""
)
# {% url "assist:my_mandates" %}: URL namespaces are the apps' labels.
_URL_REFERENCE = re.compile(r"""{%\s*url\s+["']([A-Za-z_]\w*):[\w-]+["']""")


@dataclass(frozen=True)
class Violation:
    template: Path
    line: int
    source: str
    target: str
    contract: str

    def __str__(self) -> str:
        return (
            f"{self.template}:{self.line}: {self.source} refers to {self.target} "
            f"(contract: {self.contract})"
        )


def forbidden_pairs(pyproject: Path) -> dict[tuple[str, str], str]:
    """(source app, forbidden app) → contract name, from the import-linter contracts."""
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["importlinter"]
    pairs: dict[tuple[str, str], str] = {}
    for contract in config["contracts"]:
        if contract["type"] == "forbidden":
            for source in contract["source_modules"]:
                for target in contract["forbidden_modules"]:
                    pairs[(source, target)] = contract["name"]
        elif contract["type"] == "independence":
            for source in contract["modules"]:
                for target in contract["modules"]:
                    if source != target:
                        pairs[(source, target)] = contract["name"]
    return pairs


def templates(root: Path, apps: list[str]) -> Iterator[tuple[str, Path]]:
    """(owning app, template path) for the project's and every app's templates."""
    for path in sorted((root / "templates").rglob("*")):
        if path.is_file():
            yield CORE, path
    for app in apps:
        for path in sorted((root / app / "templates").rglob("*")):
            if path.is_file():
                yield app, path


def violations(root: Path = BASE_DIR) -> list[Violation]:
    pairs = forbidden_pairs(root / "pyproject.toml")
    apps = sorted({app for pair in pairs for app in pair})
    found = []
    for owner, path in templates(root, apps):
        text = path.read_text(encoding="utf-8", errors="replace")
        for pattern in (_PATH_REFERENCE, _URL_REFERENCE):
            for match in pattern.finditer(text):
                target = match.group(1)
                contract = pairs.get((owner, target))
                if contract is not None:
                    line = text.count("\n", 0, match.start()) + 1
                    found.append(Violation(path.relative_to(root), line, owner, target, contract))
    return found


def main(root: Path = BASE_DIR) -> int:
    found = violations(root)
    for violation in found:
        print(violation)
    print(f"Templates: {len(found)} layering violation(s).")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else BASE_DIR))
