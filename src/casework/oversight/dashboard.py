"""Reads for the oversight dashboard. Every figure is a SQL aggregate over the scope's visible cases
(scope.scoped_cases), grouped by unit; Python only combines the grouped rows (a handful per unit).

Recommendation areas covered: case progression (deadlines met, missed and overdue; custody time
limits) and mandatory assurance (current verdicts by rule, monthly trend). Units are compared per
100 open cases and, for assurance, against what their case mix would predict (indirect
standardisation by acceptance criterion).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from casework.assurance import dashboard as assurance_reads
from casework.assurance.choices import Outcome
from casework.assurance.models import VerdictPeriod
from casework.cases.choices import OPEN_STAGES
from casework.cases.models import Case
from casework.core import clock
from casework.oversight.scope import OversightScope, scoped_cases
from casework.progression.choices import DeadlineStatus
from casework.progression.models import CustodyClock, Deadline

#: A running custody clock expiring within this many days counts as "expiring soon".
CTL_WARNING_DAYS = 28
NOT_YET_AVAILABLE = ("IQA (individual quality assessment)", "REM (resourcing and staffing)", "MoU with police forces")


def _pct(part: int, whole: int) -> float | None:
    return None if not whole else round(100 * part / whole, 1)


def _per_100(count: int, open_cases: int) -> float | None:
    return None if not open_cases else round(100 * count / open_cases, 1)


def _grouped(queryset: QuerySet[Any], key: str, **aggregates: Any) -> dict[Any, dict[str, int]]:
    return {row[key]: row for row in queryset.values(key).annotate(**aggregates).order_by()}


def case_counts(cases: QuerySet[Case]) -> dict[int, dict[str, int]]:
    return _grouped(cases, "unit_id", total=Count("id"), open=Count("id", filter=Q(stage__in=OPEN_STAGES)))


def deadline_counts(cases: QuerySet[Case], today: dt.date) -> dict[int, dict[str, int]]:
    deadlines = Deadline.objects.filter(case__in=cases.values("pk"))
    return _grouped(
        deadlines,
        "case__unit_id",
        met=Count("id", filter=Q(status=DeadlineStatus.MET)),
        missed=Count("id", filter=Q(status=DeadlineStatus.MISSED)),
        overdue=Count("id", filter=Q(status=DeadlineStatus.OPEN, due_on__lt=today)),
        open=Count("id", filter=Q(status=DeadlineStatus.OPEN)),
    )


def ctl_counts(cases: QuerySet[Case], today: dt.date) -> dict[int, dict[str, int]]:
    clocks = CustodyClock.objects.filter(case__in=cases.values("pk"))
    horizon = today + dt.timedelta(days=CTL_WARNING_DAYS)
    return _grouped(
        clocks,
        "case__unit_id",
        running=Count("id", filter=Q(status="running")),
        expiring=Count("id", filter=Q(status="running", expires_on__gte=today, expires_on__lte=horizon)),
        expired=Count("id", filter=Q(status="expired") | Q(status="running", expires_on__lt=today)),
        paused=Count("id", filter=Q(status="paused")),
    )


def _current_verdicts(cases: QuerySet[Case]) -> QuerySet[VerdictPeriod]:
    return VerdictPeriod.objects.filter(case__in=cases.values("pk"), valid_to__isnull=True)


_APPLICABLE = ~Q(outcome=Outcome.NOT_APPLICABLE)
_NOT_MET = Q(outcome=Outcome.NOT_MET)


def verdicts_by_unit_and_mix(cases: QuerySet[Case]) -> list[Any]:
    """Applicable and not-met current verdicts per (unit, acceptance criterion): one grouped query."""
    return list(
        _current_verdicts(cases)
        .values("case__unit_id", "case__acceptance_criterion_id")
        .annotate(applicable=Count("id", filter=_APPLICABLE), not_met=Count("id", filter=_NOT_MET))
        .order_by()
    )


def case_mix(cases: QuerySet[Case]) -> list[Any]:
    """Open cases per unit and acceptance criterion (the complexity mix the comparison adjusts for)."""
    return list(
        cases.filter(stage__in=OPEN_STAGES)
        .values("unit_id", "acceptance_criterion__title")
        .annotate(n=Count("id"))
        .order_by("unit_id", "acceptance_criterion__title")
    )


def standardised(mix_rows: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Per unit: observed and expected not-met verdicts, expected from the scope-wide not-met rate of
    each acceptance criterion applied to the unit's own applicable verdicts. A ratio above 1 means
    more failures than the unit's case mix predicts."""
    by_mix: dict[Any, list[int]] = {}
    for row in mix_rows:
        totals = by_mix.setdefault(row["case__acceptance_criterion_id"], [0, 0])
        totals[0] += row["applicable"]
        totals[1] += row["not_met"]
    units: dict[int, dict[str, Any]] = {}
    for row in mix_rows:
        applicable, not_met = by_mix[row["case__acceptance_criterion_id"]]
        unit = units.setdefault(row["case__unit_id"], {"applicable": 0, "not_met": 0, "expected": 0.0})
        unit["applicable"] += row["applicable"]
        unit["not_met"] += row["not_met"]
        unit["expected"] += row["applicable"] * (not_met / applicable if applicable else 0.0)
    for unit in units.values():
        unit["ratio"] = round(unit["not_met"] / unit["expected"], 2) if unit["expected"] else None
    return units


@dataclass
class OversightDashboard:
    scope: OversightScope
    units: list[dict[str, Any]]
    totals: dict[str, Any]
    areas: list[dict[str, Any]]
    by_rule: list[dict[str, Any]]
    trend: list[dict[str, Any]]
    mix: list[dict[str, Any]]
    not_yet_available: tuple[str, ...] = NOT_YET_AVAILABLE


_COUNT_KEYS = (
    "open_cases",
    "total_cases",
    "deadlines_met",
    "deadlines_missed",
    "deadlines_overdue",
    "ctl_running",
    "ctl_expiring",
    "ctl_expired",
    "verdicts_applicable",
    "verdicts_not_met",
)


def _derive(row: dict[str, Any], expected: float | None = None) -> dict[str, Any]:
    """Rates from counts: the same arithmetic for a unit row and the totals row."""
    row["timeliness"] = _pct(row["deadlines_met"], row["deadlines_met"] + row["deadlines_missed"])
    row["missed_per_100"] = _per_100(row["deadlines_missed"], row["open_cases"])
    row["overdue_per_100"] = _per_100(row["deadlines_overdue"], row["open_cases"])
    row["not_met_per_100"] = _per_100(row["verdicts_not_met"], row["open_cases"])
    applicable = row["verdicts_applicable"]
    row["compliance"] = _pct(applicable - row["verdicts_not_met"], applicable)
    row["expected_not_met"] = None if expected is None else round(expected, 1)
    row["mix_ratio"] = round(row["verdicts_not_met"] / expected, 2) if expected else None
    return row


def unit_rows(cases: QuerySet[Case], scope: OversightScope, today: dt.date) -> tuple[list[dict[str, Any]], list]:
    counts = case_counts(cases)
    deadlines = deadline_counts(cases, today)
    clocks = ctl_counts(cases, today)
    mix_rows = verdicts_by_unit_and_mix(cases)
    adjusted = standardised(mix_rows)
    rows = []
    for unit in scope.units:
        c, d, k = counts.get(unit.pk, {}), deadlines.get(unit.pk, {}), clocks.get(unit.pk, {})
        v = adjusted.get(unit.pk, {})
        row = {
            "unit": unit,
            "open_cases": c.get("open", 0),
            "total_cases": c.get("total", 0),
            "deadlines_met": d.get("met", 0),
            "deadlines_missed": d.get("missed", 0),
            "deadlines_overdue": d.get("overdue", 0),
            "ctl_running": k.get("running", 0),
            "ctl_expiring": k.get("expiring", 0),
            "ctl_expired": k.get("expired", 0),
            "verdicts_applicable": v.get("applicable", 0),
            "verdicts_not_met": v.get("not_met", 0),
            "query": f"unit={unit.pk}",  # the drill-down links for this row
        }
        rows.append(_derive(row, v.get("expected")))
    return rows, mix_rows


def totals_of(rows: list[dict[str, Any]]) -> dict[str, Any]:
    totals: dict[str, Any] = {key: sum(row[key] for row in rows) for key in _COUNT_KEYS}
    return _derive(totals, float(totals["verdicts_not_met"]) if totals["verdicts_applicable"] else None)


def area_rows(scope: OversightScope, units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For the national view: each Area with the figures of the unit that serves it."""
    if scope.level != "national":
        return []
    by_unit = {row["unit"].pk: row for row in units}
    from casework.people.models import Area

    return [
        {"area": area, **by_unit[area.unit_id]} for area in Area.objects.order_by("name") if area.unit_id in by_unit
    ]


def dashboard(*, user: Any, scope: OversightScope) -> OversightDashboard:
    cases = scoped_cases(user=user, scope=scope)
    today, now = clock.today(), clock.now()
    units, _ = unit_rows(cases, scope, today)
    unit_names = {unit.pk: unit.name for unit in scope.units}
    mix = [{**row, "unit": unit_names.get(row["unit_id"], "")} for row in case_mix(cases)]
    return OversightDashboard(
        scope=scope,
        units=units,
        totals=totals_of(units),
        areas=area_rows(scope, units),
        by_rule=assurance_reads.by_rule(cases, today),
        trend=assurance_reads.trend(cases, now),
        mix=mix,
    )


# --- drill-down: the cases behind a number ---------------------------------------------------------

DRILL_METRICS: dict[str, str] = {
    "deadlines-missed": "Cases with a missed deadline",
    "deadlines-overdue": "Cases with an overdue deadline",
    "ctl-expiring": f"Cases with a custody time limit expiring within {CTL_WARNING_DAYS} days",
    "ctl-expired": "Cases with an expired custody time limit",
    "assurance-not-met": "Cases failing an assurance rule",
}


def drill_cases(*, user: Any, scope: OversightScope, metric: str, rule_code: str = "") -> QuerySet[Case]:
    """The visible cases behind one dashboard number (same filters as the aggregate)."""
    cases = scoped_cases(user=user, scope=scope)
    today = clock.today()
    horizon = today + dt.timedelta(days=CTL_WARNING_DAYS)
    matching: QuerySet[Any]
    if metric == "deadlines-missed":
        matching = Deadline.objects.filter(status=DeadlineStatus.MISSED)
    elif metric == "deadlines-overdue":
        matching = Deadline.objects.filter(status=DeadlineStatus.OPEN, due_on__lt=today)
    elif metric == "ctl-expiring":
        matching = CustodyClock.objects.filter(status="running", expires_on__gte=today, expires_on__lte=horizon)
    elif metric == "ctl-expired":
        matching = CustodyClock.objects.filter(Q(status="expired") | Q(status="running", expires_on__lt=today))
    elif metric == "assurance-not-met":
        matching = VerdictPeriod.objects.filter(valid_to__isnull=True, outcome=Outcome.NOT_MET)
        if rule_code:
            matching = matching.filter(rule_code=rule_code)
    else:
        raise KeyError(metric)
    case_ids: Any = matching.values("case_id")  # a subquery, not a list
    return cases.filter(pk__in=case_ids).select_related("unit", "allocated_lawyer").order_by("urn", "pk")
