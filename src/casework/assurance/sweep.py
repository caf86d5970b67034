"""The nightly assurance sweep: evaluate every case against the rules in force and store the
verdicts that changed. Batched with a fixed number of queries per batch, so time grows linearly
with cases and memory stays flat."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from casework.assurance import engine, selectors, tallies
from casework.assurance.services import evaluation_context, store_verdicts
from casework.cases.models import Case
from casework.core import clock

BATCH_SIZE = 500


@dataclass
class AssuranceSweepReport:
    today: dt.date
    cases: int = 0
    verdicts: int = 0
    opened: int = 0
    closed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    not_met_by_rule: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "cases": self.cases,
            "verdicts": self.verdicts,
            "verdicts_opened": self.opened,
            "verdicts_closed": self.closed,
            "outcomes": dict(self.outcomes),
            "not_met_by_rule": dict(self.not_met_by_rule.most_common()),
            "seconds": self.seconds,
        }


def assurance_sweep(
    *, today: dt.date | None = None, unit_id: int | None = None, progress: Callable[[str], None] | None = None
) -> AssuranceSweepReport:
    today = today or clock.today()
    started = time.perf_counter()
    report = AssuranceSweepReport(today=today)
    rules = selectors.rules_in_force(today)
    ctx = evaluation_context(today)
    cases = Case.objects.all()
    if unit_id:
        cases = cases.filter(unit_id=unit_id)
    last_id, total = 0, cases.count()
    while True:
        ids = list(cases.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:BATCH_SIZE])
        if not ids:
            break
        last_id = ids[-1]
        facts = selectors.facts_for_cases(ids, today)
        verdicts = {case_id: engine.evaluate(case_facts, rules, ctx) for case_id, case_facts in facts.items()}
        with transaction.atomic():
            opened, closed = store_verdicts(verdicts_by_case=verdicts, now=clock.now())
        report.cases += len(ids)
        report.opened += opened
        report.closed += closed
        for case_verdicts in verdicts.values():
            for verdict in case_verdicts:
                report.verdicts += 1
                report.outcomes[verdict.outcome] += 1
                if verdict.outcome == "not_met":
                    report.not_met_by_rule[verdict.rule_code] += 1
        if progress is not None:
            progress(f"cases {report.cases}/{total} ({time.perf_counter() - started:.1f} s)")
    # The dashboard's stored figures of the swept units (a new rule version, time passing).
    tallies.refresh([unit_id] if unit_id else None)
    report.seconds = round(time.perf_counter() - started, 3)
    return report
