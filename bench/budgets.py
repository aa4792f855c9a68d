"""Budget results: our greedy and Equal Shares against pabutools 1.2.3, on every shared file.

For each file in ``../shared/data/pabulib/``: both rules must select exactly what pabutools
selects; prints our timings next to pabutools' timings measured in the same run.
Targets (Łódź 2020, 51,472 voters): greedy < 1 s; MES with completion ≥ 50 times faster than
pabutools.

    .venv/bin/python bench/budgets.py [--data DIR] [--stored]

``--stored`` compares with ``bench/budgets_oracle.json`` instead of running pabutools (whose
Equal Shares takes minutes on the large files).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This script's folder comes first on the path, and its name would hide the budgets app.
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "pabulib")
    parser.add_argument("--stored", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic.settings")
    import django

    django.setup()
    from budgets.pabulib import parse_pabulib
    from budgets.rules import equal_shares, greedy_by_votes

    spec = importlib.util.spec_from_file_location(
        "budgets_oracle", ROOT / "bench" / "budgets_oracle.py"
    )
    assert spec and spec.loader
    oracle = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(oracle)
    stored = json.loads((ROOT / "bench" / "budgets_oracle.json").read_text(encoding="utf-8"))
    print(
        f"{'file':<62} {'voters':>7} {'parse':>6} {'greedy':>7} {'pabutools':>9} "
        f"{'MES+c':>7} {'counts':>6} {'pabutools':>9} {'speed-up':>8}  same"
    )
    failed = False
    for path in sorted(args.data.glob("*.pb")):
        start = time.perf_counter()
        election = parse_pabulib(path.read_text(encoding="utf-8"))
        parse_seconds = time.perf_counter() - start
        costs = {p: project.cost for p, project in election.projects.items()}
        approvals = election.approvals()
        start = time.perf_counter()
        greedy = greedy_by_votes(costs=costs, approvals=approvals, budget=election.budget)
        greedy_seconds = time.perf_counter() - start
        start = time.perf_counter()
        mes = equal_shares(costs=costs, approvals=approvals, budget=election.budget)
        mes_seconds = time.perf_counter() - start
        reference = stored[path.name] if args.stored else oracle.pabutools_outcomes(path)
        same = sorted(greedy) == reference["greedy"] and sorted(mes.selected) == reference["mes"]
        failed |= not same
        print(
            f"{path.name[:62]:<62} {len(election.votes):>7} {parse_seconds:>6.2f} "
            f"{greedy_seconds:>7.3f} {reference['greedy_seconds']:>9.3f} {mes_seconds:>7.2f} "
            f"{mes.counts:>6} {reference['mes_seconds']:>9.2f} "
            f"{reference['mes_seconds'] / mes_seconds:>7.1f}x  {'yes' if same else 'NO'}",
            flush=True,
        )
    if args.stored:
        print("(pabutools timings: stored by bench/budgets_oracle.py, not this run)")
    if failed:
        sys.exit("some outcome differs from pabutools")


if __name__ == "__main__":
    main()
