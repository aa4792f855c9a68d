"""Dependencies point inward: the contracts `make lint` checks, in Python and in templates, hold
today and fail on a planted violation of each."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from civic import layering

ROOT = Path(__file__).resolve().parents[2]
APPS = ["civic", "consent", "reports", "density", "budgets", "sensors", "assist"]
CONTRACTS = {
    "The core imports no app": ("civic/planted.py", "import consent.models\n"),
    "Consent imports no domain": ("consent/planted.py", "from reports import models\n"),
    "Reports and budgets never import each other": ("budgets/planted.py", "import reports\n"),
    "Sensors never imports density": ("sensors/planted.py", "import density.models\n"),
    "No domain imports assist": ("reports/planted.py", "from assist import kiosk\n"),
}


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def copy_packages(target: Path) -> None:
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    for app in APPS:
        shutil.copytree(
            ROOT / app,
            target / app,
            ignore=shutil.ignore_patterns("templates", "static", "locale", "__pycache__", "*.mo"),
        )


def test_it_keeps_every_import_contract_today() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 kept, 0 broken" in result.stdout


def test_it_fails_on_a_planted_import_against_each_contract(tmp_path: Path) -> None:
    copy_packages(tmp_path)
    for path, source in CONTRACTS.values():
        (tmp_path / path).write_text(source)

    result = lint_imports(tmp_path)

    assert result.returncode != 0
    for name in CONTRACTS:
        assert f"{name} BROKEN" in result.stdout, result.stdout


def test_it_finds_no_cross_app_reference_in_the_templates_today() -> None:
    assert [str(violation) for violation in layering.violations(ROOT)] == []


@pytest.mark.parametrize(
    ("owner", "template", "contract"),
    [
        (None, '{% include "assist/_kiosk_bar.html" %}', "The core imports no app"),
        ("consent", '<a href="{% url "reports:create" %}">', "Consent imports no domain"),
        (
            "reports",
            "{% extends 'budgets/base.html' %}",
            "Reports and budgets never import each other",
        ),
        ("sensors", '{% static "density/line.css" %}', "Sensors never imports density"),
        ("reports", '{% url "assist:my_mandates" as url %}', "No domain imports assist"),
    ],
)
def test_it_fails_on_a_planted_template_reference(
    tmp_path: Path, owner: str | None, template: str, contract: str
) -> None:
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    folder = tmp_path / "templates" if owner is None else tmp_path / owner / "templates" / owner
    folder.mkdir(parents=True)
    (folder / "page.html").write_text("{% load i18n %}\n" + template + "\n")

    found = layering.violations(tmp_path)

    assert [(violation.line, violation.contract) for violation in found] == [(2, contract)]
    assert layering.main(tmp_path) == 1


def test_it_lets_an_app_name_its_own_templates_and_the_core(tmp_path: Path) -> None:
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    folder = tmp_path / "reports" / "templates" / "reports"
    folder.mkdir(parents=True)
    (folder / "page.html").write_text(
        '{% extends "base.html" %}{% include "reports/_row.html" %}'
        '{% url "consent:my_data" %}{% url "home" %}'
    )
    assert layering.violations(tmp_path) == []
