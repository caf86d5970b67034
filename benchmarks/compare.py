"""Growth between two benchmark reports (e.g. 10,000 and 100,000 cases), backend by backend.

    uv run python benchmarks/compare.py SMALL.json LARGE.json [--markdown]

Each report is what benchmarks/run.py wrote: one run, or {"runs": [...]} for --backend both.
Figures are matched on name and backend; "growth" is the large figure over the small one (a time, or
events per second for audit verify), next to the growth in cases.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from measure import growth


def runs_by_backend(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    runs = report.get("runs", [report])
    return {run["backend"]: run for run in runs}


def compare_reports(small: dict[str, Any], large: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    before, after = runs_by_backend(small), runs_by_backend(large)
    return {backend: growth(before[backend], after[backend]) for backend in after if backend in before}


def markdown(rows_by_backend: dict[str, list[dict[str, Any]]]) -> str:
    lines = ["| Backend | Figure | Small | Large | Growth | Cases growth |", "|---|---|---|---|---|---|"]
    for backend, rows in rows_by_backend.items():
        for row in rows:
            lines.append(
                f"| {backend} | {row['name']} | {row['small']} | {row['large']} | {row['growth']}× "
                f"| {row['cases_growth']}× |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("small", type=Path)
    parser.add_argument("large", type=Path)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    result = compare_reports(json.loads(args.small.read_text()), json.loads(args.large.read_text()))
    print(markdown(result) if args.markdown else json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
