"""The nightly assurance sweep: evaluate every case whose verdicts could have changed against the
rules in force and store the verdicts that changed. Batched with a fixed number of queries per
batch, so time grows linearly with the cases evaluated and memory stays flat.

Incremental (casework.cases.sweep_marks): a case is evaluated only if it changed since its last
evaluation, the rules, checkpoints or calendar in force changed, or a day came on which time
passing could change a verdict. That day is found by evaluating with a WatchedDay for today (the
rules compare today with dates; each date compared is noted). Facts providers of other apps see
the plain date, so as a backstop every case is evaluated again on the first of each month.

Each case evaluated answers its waiting re-check (casework.assurance.rechecks): the re-check rows
are claimed before the facts are read, and a row bumped by a change during the evaluation stays.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from casework.assurance import engine, rechecks, selectors, tallies
from casework.assurance.models import VerdictPeriod
from casework.assurance.services import evaluation_context, store_verdicts
from casework.cases import sweep_marks
from casework.cases.models import Case
from casework.core import clock
from casework.core.deferred_indexes import indexes_built_after
from casework.core.watched_day import Watch, WatchedDay

BATCH_SIZE = 500


@dataclass
class AssuranceSweepReport:
    today: dt.date
    cases: int = 0
    #: Cases left alone: nothing that could change their verdicts happened since they were evaluated.
    cases_unchanged: int = 0
    rechecks_answered: int = 0
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
            "cases_unchanged": self.cases_unchanged,
            "rechecks_answered": self.rechecks_answered,
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
    rules_key = sweep_marks.fingerprint(rules, ctx.checkpoints, ctx.calendar)
    cases = Case.objects.all()
    if unit_id:
        cases = cases.filter(unit_id=unit_id)
    # In unit order: a batch's cases then share their lawyers, whose IQA quota and time records
    # the facts providers read once per batch (about 170 people a batch rather than 420).
    chosen = sweep_marks.due(
        sweep_marks.ASSURANCE,
        list(cases.order_by("unit_id", "pk").values_list("pk", flat=True)),
        today=today,
        rules_key=rules_key,
    )
    report.cases_unchanged = chosen.skipped
    total = len(chosen.case_ids)
    backstop = _first_of_next_month(today)
    units: set[int] = set()
    with contextlib.ExitStack() as first_load:
        # The first sweep of a register (no verdict stored yet) writes a verdict per case and rule:
        # one transaction that builds the verdict indexes once at the end, instead of a B-tree
        # insert per row and index. Any other sweep commits batch by batch, as below.
        none_current = (
            total > 0
            and not VerdictPeriod.objects.exists()
            and first_load.enter_context(indexes_built_after(VerdictPeriod, only_if_empty=True))
        )
        # Every verdict of such a sweep is one it writes: its dashboard figures are added up as it
        # goes, not read back from the whole table at the end.
        first_load_counts = tallies.FirstLoadCounts() if none_current else None
        for start in range(0, total, BATCH_SIZE):
            ids = chosen.case_ids[start : start + BATCH_SIZE]
            with transaction.atomic():
                waiting = rechecks.claim(ids)  # before the facts: a change after this keeps its row
                facts = selectors.facts_for_cases(ids, today)
                verdicts: dict[int, list[engine.Verdict]] = {}
                next_checks: dict[int, dt.date | None] = {}
                for case_id, case_facts in facts.items():
                    watch = Watch()
                    verdicts[case_id] = engine.evaluate(
                        case_facts, rules, dataclasses.replace(ctx, today=WatchedDay(today, watch))
                    )
                    next_checks[case_id] = sweep_marks.first_day_after(
                        today, [watch.next_change_after(today), backstop]
                    )
                now = clock.now()
                opened, closed = store_verdicts(verdicts_by_case=verdicts, now=now, none_current=none_current)
                if first_load_counts is not None:
                    first_load_counts.add(verdicts, now)
                rechecks.answered(waiting)
                sweep_marks.record(
                    sweep_marks.ASSURANCE, next_checks, chosen.generations, today=today, rules_key=rules_key
                )
            units.update(Case.objects.filter(pk__in=ids).values_list("unit_id", flat=True).distinct())
            report.cases += len(ids)
            report.rechecks_answered += len(waiting.generations)
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
        if none_current and progress is not None:
            progress(f"building the verdict indexes ({time.perf_counter() - started:.1f} s)")
    # The dashboard's stored figures of the units whose cases were evaluated (a new rule version,
    # time passing) and of any never stored; the scheduled tally refresh covers the rest.
    if not unit_id:
        units |= tallies.never_refreshed_units()
    if units:
        tallies.refresh(units, first_load=first_load_counts)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _first_of_next_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
