"""Reads for the oversight dashboard (unit, Area, national).

Every count is a SQL aggregate grouped by unit (oversight/tallies.py). The page reads them from the
latest ComplianceTally refresh, narrowed to the units of the reader's scope, so the national view
costs one indexed read however many cases there are; with no refresh yet it computes the same rows
live over the reader's visible cases (scope.scoped_cases). Python then only combines those grouped
rows: sums across the scope's units and the rates derived from them.

Why a tally keyed by unit is the same as counting the reader's visible cases: every role that reaches
this dashboard sees all cases of the units in its scope (HQ and inspectors: every unit; area
leadership: their Area's unit; managers: their unit), so no count covers a case the reader could not
open. tests/oversight/test_tallies.py checks the two paths agree for each of those roles.

Recommendation areas: case progression (deadlines, custody time limits), mandatory assurance
(current verdicts by rule, monthly trend), IQA, REM and MoU with police forces. Units are compared
per 100 open cases, per caseworker FTE and, for assurance, against what their case mix would
predict (indirect standardisation by acceptance criterion).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from casework.assurance import selectors as assurance_selectors
from casework.assurance.choices import Outcome
from casework.assurance.dashboard import WAIVER_ALERT_SHARE, month_end_instants, with_rate
from casework.assurance.models import VerdictPeriod
from casework.cases.choices import OPEN_STAGES
from casework.cases.models import AcceptanceCriterion, Case
from casework.core import clock
from casework.core.dates import govuk_datetime
from casework.oversight.models import ComplianceTally, TallyRefresh
from casework.oversight.scope import OversightScope, scoped_cases
from casework.oversight.tallies import CTL_FAILURE_WINDOW_DAYS, CTL_WARNING_DAYS, REM_RULE_CODE, CountRow, live_counts
from casework.progression.choices import DeadlineStatus
from casework.progression.models import CtlFailure, CustodyClock, Deadline

#: Figures older than this are flagged on the page (the schedule refreshes them hourly).
STALE_AFTER = dt.timedelta(hours=3)

__all__ = ["CTL_WARNING_DAYS", "DRILL_METRICS", "OversightDashboard", "dashboard", "drill_cases"]


def _pct(part: int, whole: int) -> float | None:
    return None if not whole else round(100 * part / whole, 1)


def _per_100(count: int, open_cases: int) -> float | None:
    return None if not open_cases else round(100 * count / open_cases, 1)


def _per_fte(count: int, fte_hundredths: int) -> float | None:
    return None if not fte_hundredths else round(100 * count / fte_hundredths, 1)


def standardised(mix_rows: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Per unit: observed and expected not-met verdicts, expected from the scope-wide not-met rate of
    each acceptance criterion applied to the unit's own applicable verdicts. A ratio above 1 means
    more failures than the unit's case mix predicts."""
    by_mix: dict[Any, list[int]] = {}
    for row in mix_rows:
        totals = by_mix.setdefault(row["criterion"], [0, 0])
        totals[0] += row["applicable"]
        totals[1] += row["not_met"]
    units: dict[int, dict[str, Any]] = {}
    for row in mix_rows:
        applicable, not_met = by_mix[row["criterion"]]
        unit = units.setdefault(row["unit_id"], {"applicable": 0, "not_met": 0, "expected": 0.0})
        unit["applicable"] += row["applicable"]
        unit["not_met"] += row["not_met"]
        unit["expected"] += row["applicable"] * (not_met / applicable if applicable else 0.0)
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
    as_of: dt.datetime
    live: bool  # True when no tally refresh existed and the figures were computed for this request
    quarter: str = ""
    stale: bool = False
    recommendation_areas: list[dict[str, Any]] = field(default_factory=list)


#: Per-unit counters: (row key, tally metric).
_SCALARS = (
    ("open_cases", "cases_open"),
    ("total_cases", "cases_total"),
    ("deadlines_met", "deadlines_met"),
    ("deadlines_missed", "deadlines_missed"),
    ("deadlines_overdue", "deadlines_overdue"),
    ("ctl_running", "ctl_running"),
    ("ctl_expiring", "ctl_expiring"),
    ("ctl_expired", "ctl_expired"),
    ("ctl_failures", "ctl_failures"),
    ("staff_fte_hundredths", "staff_fte"),
    ("iqa_expected", "iqa_expected"),
    ("iqa_received", "iqa_received"),
    ("iqa_fully", "iqa_fully"),
    ("iqa_partially", "iqa_partially"),
    ("iqa_not_met", "iqa_not_met"),
    ("rem_applicable", "rem_applicable"),
    ("rem_not_met", "rem_not_met"),
    ("mou_cps_met", "mou_cps_met"),
    ("mou_cps_late", "mou_cps_late"),
    ("mou_cps_breached", "mou_cps_breached"),
    ("mou_police_met", "mou_police_met"),
    ("mou_police_late", "mou_police_late"),
    ("mou_police_breached", "mou_police_breached"),
    ("audit_grants", "audit_grants"),
    ("audit_grants_reviewed", "audit_grants_reviewed"),
    ("audit_grants_unreviewed", "audit_grants_unreviewed"),
)
_COUNT_KEYS = (*(key for key, _ in _SCALARS), "verdicts_applicable", "verdicts_not_met")


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
    # Staffing: caseworker FTE and the load and failures per FTE.
    fte = row["staff_fte_hundredths"]
    row["staff_fte"] = round(fte / 100, 2)
    row["open_per_fte"] = _per_fte(row["open_cases"], fte)
    row["not_met_per_fte"] = _per_fte(row["verdicts_not_met"], fte)
    # IQA: quota coverage this quarter, and how the answers came out (N/A left out).
    row["iqa_coverage"] = _pct(min(row["iqa_received"], row["iqa_expected"]), row["iqa_expected"])
    answered = row["iqa_fully"] + row["iqa_partially"] + row["iqa_not_met"]
    row["iqa_answers"] = answered
    row["iqa_fully_pct"] = _pct(row["iqa_fully"], answered)
    row["iqa_met_pct"] = _pct(row["iqa_fully"] + row["iqa_partially"], answered)
    # REM: open cases whose record is complete and current, of those the rule applies to.
    row["rem_compliance"] = _pct(row["rem_applicable"] - row["rem_not_met"], row["rem_applicable"])
    # MoU: commitments met on time, each side, of those that fell due (running clocks left out).
    for side in ("cps", "police"):
        met, late, breached = (row[f"mou_{side}_{state}"] for state in ("met", "late", "breached"))
        row[f"mou_{side}_due"] = met + late + breached
        row[f"mou_{side}_on_time"] = _pct(met, met + late + breached)
    # Audit trail: break-glass accesses a manager has reviewed, of those granted in the window.
    row["audit_reviewed_pct"] = _pct(row["audit_grants_reviewed"], row["audit_grants"])
    return row


class _Counts:
    """The CountRows of the scope, indexed for assembly."""

    def __init__(self, rows: list[CountRow]) -> None:
        self.by_unit: dict[int, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
        self.summed: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for unit_id, metric, key, value in rows:
            self.by_unit[unit_id][metric][key] = value
            self.summed[metric][key] += value

    def scalar(self, unit_id: int, metric: str) -> int:
        return self.by_unit.get(unit_id, {}).get(metric, {}).get("", 0)

    def keyed(self, unit_id: int, metric: str) -> dict[str, int]:
        return self.by_unit.get(unit_id, {}).get(metric, {})


def _unit_rows(scope: OversightScope, counts: _Counts) -> list[dict[str, Any]]:
    mix_rows = [
        {
            "unit_id": unit_id,
            "criterion": key,
            "applicable": value,
            "not_met": counts.keyed(unit_id, "mix_not_met").get(key, 0),
        }
        for unit_id in scope.unit_ids
        for key, value in counts.keyed(unit_id, "mix_applicable").items()
    ]
    adjusted = standardised(mix_rows)
    rows = []
    for unit in scope.units:
        row: dict[str, Any] = {"unit": unit, "query": f"unit={unit.pk}"}  # query: the drill-down links
        row.update({key: counts.scalar(unit.pk, metric) for key, metric in _SCALARS})
        row["verdicts_applicable"] = sum(counts.keyed(unit.pk, "rule_applicable").values())
        row["verdicts_not_met"] = sum(counts.keyed(unit.pk, "rule_not_met").values())
        rows.append(_derive(row, adjusted.get(unit.pk, {}).get("expected")))
    return rows


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


def _by_rule(counts: _Counts, today: dt.date) -> list[dict[str, Any]]:
    """One row per rule in force, summed over the scope's units."""
    rows = []
    for rule in assurance_selectors.rules_in_force(today):
        row = with_rate(
            {
                "code": rule.code,
                "title": rule.title,
                "severity": rule.severity,
                "version": rule.version,
                **{
                    key: counts.summed[f"rule_{key}"].get(rule.code, 0)
                    for key in ("applicable", "not_met", "waived", "exempt")
                },
            }
        )
        row["waivers"] = counts.summed["rule_waivers"].get(rule.code, 0)
        row["waiver_share"] = row["waivers"] / row["applicable"] if row["applicable"] else 0.0
        row["waiver_percent"] = round(row["waiver_share"] * 100)
        row["too_many_waivers"] = row["waiver_share"] > WAIVER_ALERT_SHARE
        rows.append(row)
    return rows


def _trend(counts: _Counts, as_of: dt.datetime) -> list[dict[str, Any]]:
    return [
        with_rate(
            {
                "label": label,
                "instant": instant,
                "applicable": counts.summed["trend_applicable"].get(f"{i:02d}", 0),
                "not_met": counts.summed["trend_not_met"].get(f"{i:02d}", 0),
            }
        )
        for i, (label, instant) in enumerate(month_end_instants(as_of))
    ]


def _mix(scope: OversightScope, counts: _Counts) -> list[dict[str, Any]]:
    titles = {str(pk): title for pk, title in AcceptanceCriterion.objects.values_list("pk", "title")}
    rows = [
        {"unit_id": unit.pk, "unit": unit.name, "acceptance_criterion__title": titles.get(key) if key else None, "n": n}
        for unit in scope.units
        for key, n in counts.keyed(unit.pk, "mix_open").items()
    ]
    return sorted(rows, key=lambda r: (r["unit"], r["acceptance_criterion__title"] or ""))


def _checkpoint_text() -> str:
    """The audit chain's latest signed head: one fact for the whole service, not per unit."""
    from casework.audit.models import AuditCheckpoint

    latest = AuditCheckpoint.objects.order_by("-tree_size").values("tree_size", "created_at").first()
    if latest is None:
        return "no signed checkpoint yet"
    signed_at = clock.local(latest["created_at"])
    return f"latest signed checkpoint covers {latest['tree_size']:,} events ({govuk_datetime(signed_at)})"


def _areas_of_recommendation(totals: dict[str, Any], quarter: str) -> list[dict[str, Any]]:
    """The headline table: one line per recommendation area, with its measure and result."""
    t = totals
    return [
        {
            "name": "Case progression",
            "measure": f"Deadlines met on time ({t['deadlines_met']} met, {t['deadlines_missed']} missed; "
            f"{t['deadlines_overdue']} open and overdue)",
            "percent": t["timeliness"],
        },
        {
            "name": "Custody time limits",
            "measure": f"{t['ctl_running']} running, {t['ctl_expiring']} expiring within {CTL_WARNING_DAYS} days; "
            f"{t['ctl_expired']} expired; {t['ctl_failures']} CTL failures in the last 12 months",
            "percent": None,
            "result": f"{t['ctl_failures']} failures, {t['ctl_expired']} expired",
        },
        {
            "name": "Mandatory assurance",
            "measure": f"Applicable checks met, exempt or waived now ({t['verdicts_not_met']} of "
            f"{t['verdicts_applicable']} not met)",
            "percent": t["compliance"],
        },
        {
            "name": "IQA (individual quality assessment)",
            "measure": f"Assessments this quarter ({quarter}): {t['iqa_received']} received of "
            f"{t['iqa_expected']} due; {_share('answers fully met', t['iqa_fully_pct'], t['iqa_answers'])}; "
            f"{_share('fully or partially met', t['iqa_met_pct'], t['iqa_answers'])}",
            "percent": t["iqa_coverage"],
        },
        {
            "name": "REM (resourcing and staffing)",
            "measure": f"Open cases with a complete and current REM record ({t['rem_not_met']} of "
            f"{t['rem_applicable']} not); caseworker FTE {t['staff_fte']}",
            "percent": t["rem_compliance"],
        },
        {
            "name": "MoU with police forces",
            "measure": f"CCU commitments met on time ({t['mou_cps_met']} of {t['mou_cps_due']} due; "
            f"{_share('police action plans answered on time', t['mou_police_on_time'], t['mou_police_due'])})",
            "percent": t["mou_cps_on_time"],
        },
        {
            "name": "Audit trail (DPA 2018 s.62)",
            "measure": f"Break-glass accesses reviewed by a manager ({t['audit_grants_reviewed']} of "
            f"{t['audit_grants']} in the last 365 days; {t['audit_grants_unreviewed']} ended unreviewed); "
            f"{_checkpoint_text()}",
            "percent": t["audit_reviewed_pct"],
        },
    ]


def _share(what: str, percent: float | None, of: int) -> str:
    """ "answers fully met: 80% of 10", or "answers fully met: none yet" when there is nothing to count."""
    if percent is None or not of:
        return f"{what}: none yet"
    return f"{what}: {percent}% of {of}"


def assemble(*, scope: OversightScope, rows: list[CountRow], as_of: dt.datetime, live: bool) -> OversightDashboard:
    """The dashboard from the scope's CountRows (from tallies or computed live)."""
    from casework.quality.rules import Quarter

    counts = _Counts(rows)
    day = clock.local(as_of).date()
    units = _unit_rows(scope, counts)
    totals = totals_of(units)
    quarter = Quarter.of(day).label
    return OversightDashboard(
        scope=scope,
        units=units,
        totals=totals,
        areas=area_rows(scope, units),
        by_rule=_by_rule(counts, day),
        trend=_trend(counts, as_of),
        mix=_mix(scope, counts),
        as_of=as_of,
        live=live,
        quarter=quarter,
        stale=not live and clock.now() - as_of > STALE_AFTER,
        recommendation_areas=_areas_of_recommendation(totals, quarter),
    )


def latest_refresh() -> TallyRefresh | None:
    return TallyRefresh.objects.order_by("-as_of", "-pk").first()


def tally_rows(refresh: TallyRefresh, unit_ids: list[int]) -> list[CountRow]:
    """The refresh's rows for these units only: nobody reads a count outside their scope."""
    found = ComplianceTally.objects.filter(refresh=refresh, unit_id__in=unit_ids)
    return list(found.values_list("unit_id", "metric", "key", "value"))


def live_rows(*, user: Any, scope: OversightScope, today: dt.date, now: dt.datetime) -> list[CountRow]:
    cases = scoped_cases(user=user, scope=scope)
    return live_counts(
        cases=cases, unit_ids=None if scope.level == "national" else scope.unit_ids, today=today, now=now
    )


def dashboard(*, user: Any, scope: OversightScope, live: bool = False) -> OversightDashboard:
    """From the latest tallies; computed live when there are none yet (or when asked to)."""
    refresh = None if live else latest_refresh()
    if refresh is not None:
        return assemble(scope=scope, rows=tally_rows(refresh, scope.unit_ids), as_of=refresh.as_of, live=False)
    now = clock.now()
    rows = live_rows(user=user, scope=scope, today=clock.local(now).date(), now=now)
    return assemble(scope=scope, rows=rows, as_of=now, live=True)


# --- drill-down: the cases behind a number ---------------------------------------------------------

DRILL_METRICS: dict[str, str] = {
    "rem-not-met": "Open cases whose REM record is missing, incomplete or out of date",
    "deadlines-missed": "Cases with a missed deadline",
    "deadlines-overdue": "Cases with an overdue deadline",
    "ctl-expiring": f"Cases with a custody time limit expiring within {CTL_WARNING_DAYS} days",
    "ctl-expired": "Cases with an expired custody time limit",
    "ctl-failures": "Cases with a custody time limit failure in the last 12 months",
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
    elif metric == "ctl-failures":
        matching = CtlFailure.objects.filter(
            withdrawn_at__isnull=True, expired_on__gte=today - dt.timedelta(days=CTL_FAILURE_WINDOW_DAYS)
        )
    elif metric == "rem-not-met":
        matching = VerdictPeriod.objects.filter(valid_to__isnull=True, outcome=Outcome.NOT_MET, rule_code=REM_RULE_CODE)
        cases = cases.filter(stage__in=OPEN_STAGES)
    elif metric == "assurance-not-met":
        matching = VerdictPeriod.objects.filter(valid_to__isnull=True, outcome=Outcome.NOT_MET)
        if rule_code:
            matching = matching.filter(rule_code=rule_code)
    else:
        raise KeyError(metric)
    case_ids: Any = matching.values("case_id")  # a subquery, not a list
    return cases.filter(pk__in=case_ids).select_related("unit", "allocated_lawyer").order_by("urn", "pk")
