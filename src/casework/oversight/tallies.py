"""The oversight dashboard's counts, as narrow rows: (unit id, metric, key, value).

One function, `live_counts`, computes every count with grouped SQL aggregates (GROUP BY unit, and by
rule, acceptance criterion or month where the metric needs it). The dashboard either reads these rows
from the latest ComplianceTally refresh (services.refresh_compliance_tallies stores exactly what
`live_counts` returns) or, when no refresh exists yet, calls `live_counts` itself. Both paths then go
through the same assembly (oversight.dashboard), so tallies and live figures cannot drift apart.

Recommendation areas and their metrics (key "" unless stated):
- case progression: cases_total, cases_open, deadlines_met/missed/overdue/open, ctl_running/
  expiring/expired/paused, and ctl_failures (custody time limits that ran out in custody, expired in
  the last 365 days and not withdrawn);
- mandatory assurance: rule_applicable/not_met/waived/exempt/waivers (key: rule code), and for the
  case-mix comparison mix_applicable/mix_not_met/mix_open (key: acceptance criterion id, "" none);
  the monthly trend trend_applicable/trend_not_met (key: month index "00".."11", oldest first);
- IQA (this quarter): iqa_expected (the quota policy applied to each active prosecutor), iqa_received,
  and the answers of those assessments iqa_fully/iqa_partially/iqa_not_met (N/A left out);
- REM: rem_applicable/rem_not_met: current verdicts of the REM currency rule on open cases;
- staffing: staff_fte (active prosecutors and paralegals, in hundredths of an FTE);
- MoU: mou_cps_met/late/breached (acknowledging and answering referrals) and mou_police_met/late/
  breached (answering action plans), for commitments falling due in the last 365 days;
- audit trail: audit_grants (break-glass accesses to the unit's cases granted in the last 365 days),
  audit_grants_reviewed (of those, reviewed by a manager) and audit_grants_unreviewed (ended and
  still not reviewed). The chain's own state (the latest signed checkpoint) is one fact for the
  whole service, read by oversight.dashboard when it assembles the page.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum

from casework.assurance.choices import Outcome
from casework.assurance.dashboard import held_at_instants, month_end_instants
from casework.assurance.models import VerdictPeriod, Waiver
from casework.cases.choices import OPEN_STAGES
from casework.cases.models import Case
from casework.people.choices import CASEWORKER_ROLES, RoleCode
from casework.people.models import User
from casework.progression import counts
from casework.progression.choices import DeadlineStatus
from casework.progression.models import CustodyClock, Deadline

CountRow = tuple[int, str, str, int]

#: A running custody clock expiring within this many days counts as "expiring soon".
CTL_WARNING_DAYS = counts.CTL_WINDOWS[0]
#: CTL failures count in a unit's figures for this long after the limit expired.
CTL_FAILURE_WINDOW_DAYS = counts.FAILURE_WINDOW_DAYS
#: The assurance rule whose current verdicts measure REM currency (resourcing/assurance.py).
REM_RULE_CODE = "rem.record_current"
#: MoU commitments are measured over the clocks falling due in this window.
MOU_WINDOW_DAYS = 365

_APPLICABLE = ~Q(outcome=Outcome.NOT_APPLICABLE)
_NOT_MET = Q(outcome=Outcome.NOT_MET)


def _of_cases(model: Any, cases: QuerySet[Case]) -> QuerySet[Any]:
    """The model's rows for these cases. For the unfiltered register (the refresh) no IN (...)
    subquery is added: at 100,000 cases it costs seconds on each verdict aggregate."""
    if not cases.query.where:
        return model.objects.all()
    return model.objects.filter(case__in=cases.values("pk"))


def _emit(rows: list[CountRow], grouped: Any, unit_key: str, metrics: dict[str, str], key_field: str = "") -> None:
    """Append one CountRow per (grouped row, metric); zero counts are left out (absent means 0)."""
    for row in grouped:
        unit_id = row[unit_key]
        if unit_id is None:
            continue
        key = "" if not key_field or row[key_field] is None else str(row[key_field])
        for metric, column in metrics.items():
            if row[column]:
                rows.append((unit_id, metric, key, int(row[column])))


def _case_progression(rows: list[CountRow], cases: QuerySet[Case], today: dt.date) -> None:
    _emit(
        rows,
        cases.values("unit_id")
        .annotate(total=Count("id"), open=Count("id", filter=Q(stage__in=OPEN_STAGES)))
        .order_by(),
        "unit_id",
        {"cases_total": "total", "cases_open": "open"},
    )
    deadlines = _of_cases(Deadline, cases).values("case__unit_id")
    _emit(
        rows,
        deadlines.annotate(
            met=Count("id", filter=Q(status=DeadlineStatus.MET)),
            missed=Count("id", filter=Q(status=DeadlineStatus.MISSED)),
            # counts.deadlines_overdue, grouped (the overviews and their lists use the selector itself).
            overdue=Count("id", filter=Q(status=DeadlineStatus.OPEN, due_on__lt=today)),
            open=Count("id", filter=Q(status=DeadlineStatus.OPEN)),
        ).order_by(),
        "case__unit_id",
        {
            "deadlines_met": "met",
            "deadlines_missed": "missed",
            "deadlines_overdue": "overdue",
            "deadlines_open": "open",
        },
    )
    # The same selectors as the overviews, the board and their lists, grouped by unit here.
    per_unit = {
        "ctl_running": _of_cases(CustodyClock, cases).filter(status="running"),
        "ctl_expiring": counts.ctl_expiring(cases=cases, today=today, within_days=CTL_WARNING_DAYS),
        "ctl_expired": counts.ctl_expired(cases=cases, today=today),
        "ctl_paused": _of_cases(CustodyClock, cases).filter(status="paused"),
        "ctl_failures": counts.ctl_failures(cases=cases, today=today),
    }
    for metric, items in per_unit.items():
        grouped = items.order_by().values("case__unit_id").annotate(n=Count("id"))
        _emit(rows, grouped, "case__unit_id", {metric: "n"})


def _assurance(rows: list[CountRow], cases: QuerySet[Case], today: dt.date) -> None:
    current = _of_cases(VerdictPeriod, cases).filter(valid_to__isnull=True)
    # One scan of the current verdicts, grouped by (unit, rule, acceptance criterion); the by-rule and
    # case-mix counts are both sums of these groups (merged() adds them up).
    grouped = (
        current.values("case__unit_id", "rule_code", "case__acceptance_criterion_id")
        .annotate(
            applicable=Count("id", filter=_APPLICABLE),
            not_met=Count("id", filter=_NOT_MET),
            waived=Count("id", filter=Q(outcome=Outcome.WAIVED)),
            exempt=Count("id", filter=Q(outcome=Outcome.EXEMPT)),
        )
        .order_by()
    )
    for row in grouped:
        unit_id, criterion = row["case__unit_id"], row["case__acceptance_criterion_id"]
        mix_key = "" if criterion is None else str(criterion)
        for name in ("applicable", "not_met", "waived", "exempt"):
            if row[name]:
                rows.append((unit_id, f"rule_{name}", row["rule_code"], row[name]))
        for name in ("applicable", "not_met"):
            if row[name]:
                rows.append((unit_id, f"mix_{name}", mix_key, row[name]))
    waivers = _of_cases(Waiver, cases).filter(revoked_at__isnull=True, expires_on__gte=today)
    _emit(
        rows,
        waivers.values("case__unit_id", "rule_code").annotate(n=Count("id")).order_by(),
        "case__unit_id",
        {"rule_waivers": "n"},
        key_field="rule_code",
    )
    _emit(
        rows,
        cases.filter(stage__in=OPEN_STAGES)
        .values("unit_id", "acceptance_criterion_id")
        .annotate(n=Count("id"))
        .order_by(),
        "unit_id",
        {"mix_open": "n"},
        key_field="acceptance_criterion_id",
    )
    rem = current.filter(rule_code=REM_RULE_CODE, case__stage__in=OPEN_STAGES).values("case__unit_id")
    _emit(
        rows,
        rem.annotate(applicable=Count("id", filter=_APPLICABLE), not_met=Count("id", filter=_NOT_MET)).order_by(),
        "case__unit_id",
        {"rem_applicable": "applicable", "rem_not_met": "not_met"},
    )


def _trend(rows: list[CountRow], cases: QuerySet[Case], now: dt.datetime) -> None:
    """Verdicts holding at each month end, per unit. Same bucketing as assurance.dashboard.trend: each
    period is grouped by (unit, first instant it holds at, first it no longer holds at, outcome)."""
    instants = [instant for _, instant in month_end_instants(now)]
    applicable, not_met = held_at_instants(_of_cases(VerdictPeriod, cases), instants, "case__unit_id")
    rows += [(unit_id, "trend_applicable", f"{i:02d}", n) for (unit_id, i), n in applicable.items() if n]
    rows += [(unit_id, "trend_not_met", f"{i:02d}", n) for (unit_id, i), n in not_met.items() if n]


def _in_units(queryset: QuerySet[Any], field: str, unit_ids: list[int] | None) -> QuerySet[Any]:
    return queryset if unit_ids is None else queryset.filter(**{f"{field}__in": unit_ids})


def _staffing(rows: list[CountRow], unit_ids: list[int] | None) -> None:
    caseworkers = User.objects.filter(roles__code__in=CASEWORKER_ROLES).values("pk")
    staff = _in_units(User.objects.filter(is_active=True, pk__in=caseworkers), "unit_id", unit_ids)
    for unit_id, fte in staff.values("unit_id").annotate(fte=Sum("fte")).values_list("unit_id", "fte").order_by():
        if unit_id is not None and fte:
            rows.append((unit_id, "staff_fte", "", int((Decimal(fte) * 100).to_integral_value())))


def _iqa(rows: list[CountRow], unit_ids: list[int] | None, today: dt.date) -> None:
    from casework.quality import rules as quality_rules
    from casework.quality import selectors as quality
    from casework.quality.choices import COUNTED_STATUSES, Answer
    from casework.quality.models import Assessment, AssessmentAnswer

    quarter = quality_rules.Quarter.of(today)
    counted = _in_units(
        Assessment.objects.filter(quarter=quarter.label, status__in=COUNTED_STATUSES), "unit_id", unit_ids
    )
    _emit(rows, counted.values("unit_id").annotate(n=Count("id")).order_by(), "unit_id", {"iqa_received": "n"})
    answers = AssessmentAnswer.objects.filter(assessment__in=counted.values("pk")).values("assessment__unit_id")
    _emit(
        rows,
        answers.annotate(
            fully=Count("id", filter=Q(value=Answer.FULLY_MET)),
            partially=Count("id", filter=Q(value=Answer.PARTIALLY_MET)),
            not_met=Count("id", filter=Q(value=Answer.NOT_MET)),
        ).order_by(),
        "assessment__unit_id",
        {"iqa_fully": "fully", "iqa_partially": "partially", "iqa_not_met": "not_met"},
    )
    # The quota is policy arithmetic per person (FTE, long absences): the quality app's own rule.
    prosecutors = _in_units(
        User.objects.filter(is_active=True, unit__isnull=False, roles__code=RoleCode.PROSECUTOR).distinct(),
        "unit_id",
        unit_ids,
    ).select_related("unit", "team")
    units_of = {person.pk: person.unit_id for person in prosecutors}
    expected: dict[int, int] = defaultdict(int)
    policy = quality.policy_on(quarter.starts_on)
    for line in quality.coverage_for(people=prosecutors, quarter=quarter, policy=policy):
        expected[units_of[line.person_id]] += line.expected
    rows += [(unit_id, "iqa_expected", "", n) for unit_id, n in expected.items() if n]


def _sla_counts(done: str, due: str, today: dt.date) -> dict[str, Count]:
    """partners.rules.sla_clock in SQL: met (done by the due day), late (done after), breached
    (not done and past due); clocks still running are not counted."""
    return {
        "met": Count("pk", filter=Q(**{f"{done}__isnull": False, f"{done}__lte": F(due)})),
        "late": Count("pk", filter=Q(**{f"{done}__isnull": False, f"{done}__gt": F(due)})),
        "breached": Count("pk", filter=Q(**{f"{done}__isnull": True, f"{due}__lt": today})),
    }


def _mou(rows: list[CountRow], unit_ids: list[int] | None, today: dt.date) -> None:
    from casework.partners.models import ActionPlan, Referral

    since = today - dt.timedelta(days=MOU_WINDOW_DAYS)
    referrals = _in_units(Referral.objects.all(), "unit_id", unit_ids)
    for done, due in (("acknowledged_on", "acknowledge_due_on"), ("responded_on", "respond_due_on")):
        _emit(
            rows,
            referrals.filter(**{f"{due}__gte": since})
            .values("unit_id")
            .annotate(**_sla_counts(done, due, today))
            .order_by(),
            "unit_id",
            {"mou_cps_met": "met", "mou_cps_late": "late", "mou_cps_breached": "breached"},
        )
    plans = ActionPlan.objects.filter(referral__in=referrals.values("pk"), response_due_on__gte=since)
    _emit(
        rows,
        plans.values("referral__unit_id").annotate(**_sla_counts("answered_on", "response_due_on", today)).order_by(),
        "referral__unit_id",
        {"mou_police_met": "met", "mou_police_late": "late", "mou_police_breached": "breached"},
    )


def _audit_trail(rows: list[CountRow], cases: QuerySet[Case], now: dt.datetime) -> None:
    """Break-glass accesses (DPA 2018 s.62 justification plus a manager's review) per unit."""
    from casework.cases.models import CaseAccessGrant

    grants = _of_cases(CaseAccessGrant, cases).filter(granted_at__gte=now - dt.timedelta(days=MOU_WINDOW_DAYS))
    _emit(
        rows,
        grants.values("case__unit_id")
        .annotate(
            n=Count("pk"),
            reviewed=Count("pk", filter=Q(reviewed_at__isnull=False)),
            unreviewed=Count("pk", filter=Q(reviewed_at__isnull=True, expires_at__lt=now)),
        )
        .order_by(),
        "case__unit_id",
        {"audit_grants": "n", "audit_grants_reviewed": "reviewed", "audit_grants_unreviewed": "unreviewed"},
    )


def merged(rows: list[CountRow]) -> list[CountRow]:
    """Add up rows with the same (unit, metric, key): the MoU clocks come from two queries."""
    totals: dict[tuple[int, str, str], int] = defaultdict(int)
    for unit_id, metric, key, value in rows:
        totals[(unit_id, metric, key)] += value
    return sorted((unit_id, metric, key, value) for (unit_id, metric, key), value in totals.items())


def live_counts(
    *, cases: QuerySet[Case], unit_ids: list[int] | None, today: dt.date, now: dt.datetime
) -> list[CountRow]:
    """Every count of the dashboard, per unit. `cases` is the reader's visible cases in scope;
    `unit_ids` narrows the unit-keyed sources that are not cases (IQA, staffing, MoU); None = all."""
    rows: list[CountRow] = []
    _case_progression(rows, cases, today)
    _assurance(rows, cases, today)
    _trend(rows, cases, now)
    _staffing(rows, unit_ids)
    _iqa(rows, unit_ids, today)
    _mou(rows, unit_ids, today)
    _audit_trail(rows, cases, now)
    return merged(rows)
