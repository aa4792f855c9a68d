"""Reference outcomes of pabutools 1.2.3 on every pabulib file in ``../shared/data/pabulib/``.

Writes ``bench/budgets_oracle.json``: for each file, the projects pabutools selects with greedy
(``greedy_utilitarian_welfare``, ``Cost_Sat``) and with the Method of Equal Shares completed by
Add1 then greedy, and how long each took. ``tests/budgets/test_rules.py`` compares our rules with
these outcomes, so CI does not re-run pabutools for minutes on the large files.

    .venv/bin/python bench/budgets_oracle.py [--data DIR]

pabutools is a test dependency only (it pulls in the proprietary gurobipy).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "pabulib"
ORACLE = Path(__file__).resolve().parent / "budgets_oracle.json"


def pabutools_outcomes(path: Path) -> dict[str, Any]:
    """Greedy and MES-with-completion outcomes of pabutools on one file, with their timings."""
    from pabutools.election import Cost_Sat, parse_pabulib
    from pabutools.rules import (
        completion_by_rule_combination,
        greedy_utilitarian_welfare,
        method_of_equal_shares,
    )

    instance, profile = parse_pabulib(str(path))
    start = time.perf_counter()
    greedy = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
    greedy_seconds = time.perf_counter() - start
    start = time.perf_counter()
    mes = completion_by_rule_combination(
        instance,
        profile,
        [method_of_equal_shares, greedy_utilitarian_welfare],
        [{"sat_class": Cost_Sat, "voter_budget_increment": 1}, {"sat_class": Cost_Sat}],
    )
    mes_seconds = time.perf_counter() - start
    return {
        "greedy": sorted(p.name for p in greedy),
        "mes": sorted(p.name for p in mes),
        "greedy_seconds": round(greedy_seconds, 3),
        "mes_seconds": round(mes_seconds, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    oracle: dict[str, Any] = {}
    for path in sorted(args.data.glob("*.pb")):
        oracle[path.name] = pabutools_outcomes(path)
        print(
            f"{path.name}: greedy {oracle[path.name]['greedy_seconds']} s, "
            f"MES+completion {oracle[path.name]['mes_seconds']} s",
            flush=True,
        )
    ORACLE.write_text(json.dumps(oracle, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {ORACLE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
