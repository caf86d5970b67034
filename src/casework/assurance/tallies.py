"""The assurance dashboard's figures, stored per unit and kept up to date as verdicts change.

Summing the nation's current verdicts takes seconds at 100,000 cases, so the dashboard reads
narrow stored rows instead: (unit, metric, key, value), one set per unit, with the instant each
unit's figures describe (DashboardTallyUnit.as_of, shown as "figures as at"). They are maintained
incrementally:

- the worker's re-check run (services.rechecks_run) refreshes the units of the cases it re-checked,
  so a change shows on the dashboard as soon as its verdicts do;
- the nightly sweep (a new rule version, time passing) refreshes every unit it swept;
- an hourly scheduled refresh of every unit catches what no re-check follows: a case moved to another
  unit still counts in its old unit's figures until that unit is refreshed, and a waiver that
  expires by date alone.

What is counted is exactly what the dashboard counts live (dashboard.by_rule, lawyer_counts,
by_stage, trend), over the unit's cases that are neither restricted nor disposed: the cases every role that
may open the dashboard sees of that unit. A unit head reading a restricted case with a reason sees
it on the live page only (the narrower figures are the safe side). Rows are keyed by unit, and a
reader gets only the units of their dashboard scope, so one unit's figures never reach another's
reader. tests/assurance/test_tallies.py checks the stored and live dashboards agree.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet

from casework.assurance.choices import Outcome
from casework.assurance.engine import Verdict
from casework.assurance.models import DashboardTally, DashboardTallyUnit, VerdictPeriod, Waiver
from casework.core import clock
from casework.people.models import Unit

CountRow = tuple[int, str, str, int]
COUNTED = ("applicable", "not_met", "waived", "exempt")
_COUNTS = {
    "applicable": Count("id", filter=~Q(outcome=Outcome.NOT_APPLICABLE)),
    "not_met": Count("id", filter=Q(outcome=Outcome.NOT_MET)),
    "waived": Count("id", filter=Q(outcome=Outcome.WAIVED)),
    "exempt": Count("id", filter=Q(outcome=Outcome.EXEMPT)),
}
#: The cases the figures count: what every dashboard reader sees of a unit (cases.visible_to).
_COUNTED_CASES = {"case__restricted_at__isnull": True, "case__disposed_at__isnull": True}


def _verdicts(unit_ids: list[int] | None) -> QuerySet[VerdictPeriod]:
    """Verdict periods of counted cases, joined (not an IN subquery: at 100,000 cases that costs seconds)."""
    periods = VerdictPeriod.objects.filter(**_COUNTED_CASES)
    return periods if unit_ids is None else periods.filter(case__unit_id__in=unit_ids)


def _key(value: Any) -> str:
    return "" if value is None else str(value)


Totals = dict[tuple[int, str, str], int]


def _add_current(totals: Totals, unit: int, lawyer: str, stage: str, rule_code: str, counts: dict[str, int]) -> None:
    """One group of current verdicts (a unit, lawyer, stage and rule), counted as the dashboard counts."""
    for name in COUNTED:
        if counts[name]:
            totals[(unit, f"rule_{name}", rule_code)] += counts[name]
            totals[(unit, f"lawyer_{name}", lawyer)] += counts[name]
            totals[(unit, f"stage_{name}", stage)] += counts[name]


def _add_cases(totals: Totals, unit: int, lawyer: str, stage: str, cases: int) -> None:
    # A case has one lawyer and one stage, so distinct cases per (lawyer, stage) add up per lawyer.
    totals[(unit, "lawyer_cases", lawyer)] += cases
    totals[(unit, "stage_cases", stage)] += cases


def _add_waivers(totals: Totals, unit_ids: list[int] | None, today: dt.date) -> None:
    waivers = Waiver.objects.filter(**_COUNTED_CASES, revoked_at__isnull=True, expires_on__gte=today)
    if unit_ids is not None:
        waivers = waivers.filter(case__unit_id__in=unit_ids)
    for row in waivers.values("case__unit_id", "rule_code").annotate(n=Count("id")).order_by():
        totals[(row["case__unit_id"], "rule_waivers", row["rule_code"])] += row["n"]


def _rows(totals: Totals) -> list[CountRow]:
    return sorted((unit, metric, key, value) for (unit, metric, key), value in totals.items() if value)


def live_counts(*, unit_ids: list[int] | None, today: dt.date, now: dt.datetime) -> list[CountRow]:
    """Every stored figure of these units (None: all), computed now with grouped SQL."""
    from casework.assurance.dashboard import held_at_instants, month_end_instants

    totals: Totals = defaultdict(int)
    current = _verdicts(unit_ids).filter(valid_to__isnull=True)
    groups = ("case__unit_id", "case__allocated_lawyer_id", "case__stage")
    for row in current.values(*groups, "rule_code").annotate(**_COUNTS).order_by():
        lawyer = _key(row["case__allocated_lawyer_id"])
        _add_current(totals, row["case__unit_id"], lawyer, row["case__stage"], row["rule_code"], row)
    for row in current.values(*groups).annotate(cases=Count("case_id", distinct=True)).order_by():
        lawyer = _key(row["case__allocated_lawyer_id"])
        _add_cases(totals, row["case__unit_id"], lawyer, row["case__stage"], row["cases"])
    _add_waivers(totals, unit_ids, today)
    # The monthly trend, bucketed as dashboard.trend does, keyed by the point's label.
    points = month_end_instants(now)
    applicable, not_met = held_at_instants(_verdicts(unit_ids), [instant for _, instant in points], "case__unit_id")
    for metric, counts in (("trend_applicable", applicable), ("trend_not_met", not_met)):
        for (unit, i), n in counts.items():
            totals[(unit, metric, points[i][0])] += n
    return _rows(totals)


class FirstLoadCounts:
    """The stored figures of a first sweep, counted from the verdicts it writes as it writes them.

    Only for a sweep into a verdict table that was empty when it began and that no other writer
    reached meanwhile (the first sweep holds the table: casework.core.deferred_indexes). Every
    verdict is then one the sweep wrote, current, and begun at its batch's instant, so adding them
    up gives exactly what live_counts would read back, without three grouped queries over every
    verdict in the country. tests/assurance/test_tallies.py checks the two agree.
    """

    def __init__(self) -> None:
        #: (unit, lawyer, stage, rule_code, outcome) -> current verdicts
        self._current: Counter[tuple[int, str, str, str, str]] = Counter()
        #: (valid_from, unit, outcome) -> verdicts begun then (for the trend)
        self._begun: Counter[tuple[dt.datetime, int, str]] = Counter()
        #: (unit, lawyer, stage) -> cases with a verdict
        self._cases: Counter[tuple[int, str, str]] = Counter()

    def add(self, verdicts_by_case: dict[int, list[Verdict]], valid_from: dt.datetime) -> None:
        """One batch's verdicts, all begun at valid_from. The cases' unit, lawyer and stage are read
        with them (in the sweep's transaction, so as a refresh straight after would read them)."""
        from casework.cases.models import Case

        counted = {name.removeprefix("case__"): value for name, value in _COUNTED_CASES.items()}
        cases = Case.objects.filter(pk__in=list(verdicts_by_case), **counted)
        batch: Counter[tuple[int, str, str, str, str]] = Counter()
        for case_id, unit, lawyer_id, stage in cases.values_list("pk", "unit_id", "allocated_lawyer_id", "stage"):
            verdicts = verdicts_by_case[case_id]
            if not verdicts:
                continue
            lawyer = _key(lawyer_id)
            self._cases[(unit, lawyer, stage)] += 1
            batch.update((unit, lawyer, stage, v.rule_code, v.outcome) for v in verdicts)
        self._current.update(batch)
        for (unit, _lawyer, _stage, _code, outcome), n in batch.items():
            self._begun[(valid_from, unit, outcome)] += n

    def rows(self, *, unit_ids: list[int], today: dt.date, now: dt.datetime) -> list[CountRow]:
        """What live_counts(unit_ids=unit_ids, today=today, now=now) gives after the sweep."""
        from casework.assurance.dashboard import month_end_instants

        chosen = set(unit_ids)
        totals: Totals = defaultdict(int)
        grouped: dict[tuple[int, str, str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTED, 0))
        for (unit, lawyer, stage, code, outcome), n in self._current.items():
            if unit in chosen:
                counts = grouped[(unit, lawyer, stage, code)]
                for name, counted in _outcome_counted(outcome).items():
                    counts[name] += n * counted
        for (unit, lawyer, stage, code), counts in grouped.items():
            _add_current(totals, unit, lawyer, stage, code, counts)
        for (unit, lawyer, stage), cases in self._cases.items():
            if unit in chosen:
                _add_cases(totals, unit, lawyer, stage, cases)
        _add_waivers(totals, unit_ids, today)
        # The trend: a period still open holds at every point at or after its start.
        points = month_end_instants(now)
        for (valid_from, unit, outcome), n in self._begun.items():
            if unit in chosen:
                adds = _outcome_counted(outcome)
                for label, instant in points:
                    if valid_from <= instant:
                        totals[(unit, "trend_applicable", label)] += n * adds["applicable"]
                        totals[(unit, "trend_not_met", label)] += n * adds["not_met"]
        return _rows(totals)


def _outcome_counted(outcome: str) -> dict[str, bool]:
    """Which of the COUNTED figures a verdict with this outcome adds to (as _COUNTS filters)."""
    return {
        "applicable": outcome != Outcome.NOT_APPLICABLE,
        "not_met": outcome == Outcome.NOT_MET,
        "waived": outcome == Outcome.WAIVED,
        "exempt": outcome == Outcome.EXEMPT,
    }


@dataclass(frozen=True)
class Refresh:
    units: int
    rows: int
    seconds: float
    as_of: dt.datetime


def refresh(unit_ids: Iterable[int] | None = None, *, first_load: FirstLoadCounts | None = None) -> Refresh:
    """Recompute and store these units' figures (None: every unit). The aggregates run before the
    write transaction opens, so SQLite writers are not held while they do. `first_load`: the
    figures a first sweep counted as it wrote (FirstLoadCounts), instead of the grouped queries."""
    now = clock.now()
    chosen = None if unit_ids is None else sorted(set(unit_ids))
    started = time.perf_counter()
    today = clock.local(now).date()
    units = list(Unit.objects.values_list("pk", flat=True)) if chosen is None else chosen
    if first_load is not None:
        counts = first_load.rows(unit_ids=units, today=today, now=now)
    else:
        counts = live_counts(unit_ids=chosen, today=today, now=now)
    seconds = round(time.perf_counter() - started, 3)
    with transaction.atomic():
        DashboardTally.objects.filter(unit_id__in=units).delete()
        DashboardTally.objects.bulk_create(
            (DashboardTally(unit_id=unit, metric=metric, key=key, value=value) for unit, metric, key, value in counts),
            batch_size=2000,
        )
        DashboardTallyUnit.objects.filter(unit_id__in=units).delete()
        DashboardTallyUnit.objects.bulk_create(
            DashboardTallyUnit(unit_id=unit, as_of=now, seconds=seconds) for unit in units
        )
    return Refresh(units=len(units), rows=len(counts), seconds=seconds, as_of=now)


def never_refreshed_units() -> set[int]:
    """Units whose figures were never stored (the dashboard would count them live)."""
    return set(Unit.objects.exclude(pk__in=DashboardTallyUnit.objects.values("unit_id")).values_list("pk", flat=True))


def refresh_for_cases(case_ids: Iterable[int]) -> Refresh | None:
    """Refresh the units these cases are in (after their verdicts were re-checked)."""
    from casework.cases.models import Case

    units = set(Case.objects.filter(pk__in=list(case_ids)).values_list("unit_id", flat=True))
    return refresh(units) if units else None


def stored_rows(unit_ids: list[int]) -> tuple[list[CountRow], dt.datetime] | None:
    """The stored figures of these units and the oldest instant they describe, or None when a unit
    has never been refreshed (the dashboard then counts live)."""
    marks = dict(DashboardTallyUnit.objects.filter(unit_id__in=unit_ids).values_list("unit_id", "as_of"))
    if not unit_ids or len(marks) < len(set(unit_ids)):
        return None
    rows = DashboardTally.objects.filter(unit_id__in=unit_ids).values_list("unit_id", "metric", "key", "value")
    return list(rows), min(marks.values())
