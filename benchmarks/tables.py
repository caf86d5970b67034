"""Markdown tables of benchmark reports, for docs/performance.md.

    uv run python benchmarks/tables.py REPORT.json [REPORT.json ...]

One row per figure and one column pair (result, ratio to its same-run baseline) per run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def cell(figure: dict[str, Any] | None) -> tuple[str, str]:
    """The figure's result and its baseline, as text, and the ratio."""
    if figure is None:
        return "—", "—"
    if "error" in figure:
        return "not measured", "—"
    ratio = f"{figure['ratio']}×" if figure.get("ratio") is not None else "—"
    if "subject" in figure:
        label = figure.get("baseline_label") or (
            "SQL" if figure.get("baseline_kind", "").startswith("raw SQL") else "unaudited"
        )
        return f"{figure['subject']['median_ms']:,.1f} ms ({label} {figure['baseline']['median_ms']:,.2f} ms)", ratio
    if "events_per_second" in figure:
        return f"{figure['events_per_second']:,}/s over {figure['events']:,} events", ratio
    if "cases_per_second" in figure:
        return f"{figure['cases_per_second']:,} cases/s (SQL {figure['baseline_cases_per_second']:,}/s)", ratio
    return f"{figure['seconds']:,.2f} s (SQL {figure['baseline_seconds']:,.2f} s)", ratio


def table(runs: list[dict[str, Any]]) -> str:
    names: list[str] = []
    for run in runs:
        names += [f["name"] for f in run["figures"] if f["name"] not in names]
    heads = [f"{run['scale']['cases']:,} {run['backend']}" for run in runs]
    lines = [
        "| Figure | " + " | ".join(f"{head} | ratio" for head in heads) + " |",
        "|---|" + "---|---|" * len(runs),
    ]
    for name in names:
        cells = []
        for run in runs:
            cells += cell(next((f for f in run["figures"] if f["name"] == name), None))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    runs: list[dict[str, Any]] = []
    for path in sys.argv[1:]:
        report = json.loads(Path(path).read_text())
        runs += report.get("runs", [report])
    print(table(runs))


if __name__ == "__main__":
    main()
