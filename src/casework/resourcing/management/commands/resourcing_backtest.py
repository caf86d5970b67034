"""`casework resourcing_backtest [--unit CODE] [--months N] [--json]`: hold out the last N months of
history, forecast them from what was known before, and print the error against what happened."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.cases.models import Case
from casework.core import clock
from casework.people.models import Unit
from casework.resourcing import forecast, selectors


class Command(BaseCommand):
    help = "Back-test the demand forecast on held-out months (MAPE, WAPE and 80% range coverage)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--unit", help="Unit code (default: every unit, and all units together).")
        parser.add_argument("--months", type=int, default=6, help="Months held out (default 6).")
        parser.add_argument("--json", action="store_true", help="Print JSON instead of a table.")
        parser.add_argument("--seed", type=int, default=0, help="Simulation seed (default 0).")

    def handle(self, *args: Any, **options: Any) -> None:
        months = options["months"]
        if not 1 <= months <= 24:
            raise CommandError("--months must be between 1 and 24.")
        units = Unit.objects.order_by("code")
        if options["unit"]:
            units = units.filter(code=options["unit"])
            if not units.exists():
                raise CommandError(f"No unit with code {options['unit']!r}.")
        today = clock.today()
        results: list[tuple[str, forecast.Backtest]] = []
        every: list[forecast.CaseHistory] = []
        for unit in units:
            histories = selectors.case_histories(Case.objects.filter(unit=unit))
            every.extend(histories)
            results.append((unit.code, forecast.backtest(histories, today=today, months=months, seed=options["seed"])))
        if not options["unit"]:
            results.append(("all units", forecast.backtest(every, today=today, months=months, seed=options["seed"])))
        payload = [_summary(code, result) for code, result in results]
        if options["json"]:
            self.stdout.write(json.dumps({"months": months, "today": today.isoformat(), "units": payload}, indent=2))
            return
        self.stdout.write(f"Held out {months} months before {forecast.month_start(today)}; 80% range; errors in %.")
        self.stdout.write(
            f"{'unit':34} {'measure':9} {'actual':>7} {'forecast':>9} {'MAPE':>6} {'WAPE':>6} {'cover':>6}"
        )
        for row in payload:
            for measure, figures in row["measures"].items():
                self.stdout.write(
                    f"{row['unit']:34} {measure:9} {figures['actual']:>7} {figures['forecast']:>9} "
                    f"{_fmt(figures['mape']):>6} {_fmt(figures['wape']):>6} {_fmt(figures['coverage']):>6}"
                )


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _summary(code: str, result: forecast.Backtest) -> dict[str, Any]:
    measures = {}
    for measure in forecast.MEASURES:
        rows = [r for r in result.rows if r.measure == measure]
        measures[measure] = {
            "actual": sum(r.actual for r in rows),
            "forecast": round(sum(r.forecast.expected for r in rows), 1),
            "mape": result.mape(measure),
            "wape": result.wape(measure),
            "coverage": result.coverage(measure),
            "by_month": [
                {"month": r.month.isoformat(), "actual": r.actual, "expected": r.forecast.expected,
                 "low": r.forecast.low, "high": r.forecast.high}
                for r in rows
            ],
        }  # fmt: skip
    return {"unit": code, "cutoff": result.cutoff.isoformat(), "measures": measures}
