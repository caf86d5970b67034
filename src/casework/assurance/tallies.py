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

What is counted is exactly what the dashboard counts live (dashboard.by_rule, by_lawyer, by_stage,
trend), over the unit's cases that are neither restricted nor disposed: the cases every role that
may open the dashboard sees of that unit. A unit head reading a restricted case with a reason sees
it on the live page only (the narrower figures are the safe side). Rows are keyed by unit, and a
reader gets only the units of their dashboard scope, so one unit's figures never reach another's
reader. tests/assurance/test_tallies.py checks the stored and live dashboards agree.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet

from casework.assurance.choices import Outcome
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


def live_counts(*, unit_ids: list[int] | None, today: dt.date, now: dt.datetime) -> list[CountRow]:
    """Every stored figure of these units (None: all), computed now with grouped SQL."""
    from casework.assurance.dashboard import held_at_instants, month_end_instants

    totals: dict[tuple[int, str, str], int] = defaultdict(int)
    current = _verdicts(unit_ids).filter(valid_to__isnull=True)
    groups = ("case__unit_id", "case__allocated_lawyer_id", "case__stage")
    for row in current.values(*groups, "rule_code").annotate(**_COUNTS).order_by():
        unit, lawyer, stage = row["case__unit_id"], _key(row["case__allocated_lawyer_id"]), row["case__stage"]
        for name in COUNTED:
            if row[name]:
                totals[(unit, f"rule_{name}", row["rule_code"])] += row[name]
                totals[(unit, f"lawyer_{name}", lawyer)] += row[name]
                totals[(unit, f"stage_{name}", stage)] += row[name]
    # A case has one lawyer and one stage, so distinct cases per (lawyer, stage) add up per lawyer.
    for row in current.values(*groups).annotate(cases=Count("case_id", distinct=True)).order_by():
        totals[(row["case__unit_id"], "lawyer_cases", _key(row["case__allocated_lawyer_id"]))] += row["cases"]
        totals[(row["case__unit_id"], "stage_cases", row["case__stage"])] += row["cases"]
    waivers = Waiver.objects.filter(**_COUNTED_CASES, revoked_at__isnull=True, expires_on__gte=today)
    if unit_ids is not None:
        waivers = waivers.filter(case__unit_id__in=unit_ids)
    for row in waivers.values("case__unit_id", "rule_code").annotate(n=Count("id")).order_by():
        totals[(row["case__unit_id"], "rule_waivers", row["rule_code"])] += row["n"]
    # The monthly trend, bucketed as dashboard.trend does, keyed by the point's label.
    points = month_end_instants(now)
    applicable, not_met = held_at_instants(_verdicts(unit_ids), [instant for _, instant in points], "case__unit_id")
    for metric, counts in (("trend_applicable", applicable), ("trend_not_met", not_met)):
        for (unit, i), n in counts.items():
            totals[(unit, metric, points[i][0])] += n
    return sorted((unit, metric, key, value) for (unit, metric, key), value in totals.items() if value)


@dataclass(frozen=True)
class Refresh:
    units: int
    rows: int
    seconds: float
    as_of: dt.datetime


def refresh(unit_ids: Iterable[int] | None = None) -> Refresh:
    """Recompute and store these units' figures (None: every unit). The aggregates run before the
    write transaction opens, so SQLite writers are not held while they do."""
    now = clock.now()
    chosen = None if unit_ids is None else sorted(set(unit_ids))
    started = time.perf_counter()
    counts = live_counts(unit_ids=chosen, today=clock.local(now).date(), now=now)
    seconds = round(time.perf_counter() - started, 3)
    units = list(Unit.objects.values_list("pk", flat=True)) if chosen is None else chosen
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
