"""The accessibility check every page test calls: axe-core, WCAG 2.2 AA tags."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = {"serious", "critical"}

_axe = Axe()


def serious_violations(page: Any) -> list[dict[str, Any]]:
    results = _axe.run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    return [v for v in results.response["violations"] if v.get("impact") in BLOCKING]


def assert_accessible(page: Any) -> None:
    """Fail with a readable list of every serious or critical violation on the page."""
    violations = serious_violations(page)
    if violations:
        lines = [f"{page.url}: {len(violations)} serious/critical accessibility violation(s)"]
        for violation in violations:
            targets = ", ".join(str(node["target"]) for node in violation["nodes"][:5])
            lines.append(
                f"- [{violation['impact']}] {violation['id']}: {violation['help']} ({targets})"
            )
        raise AssertionError("\n".join(lines))
