"""Reads for the unit assurance dashboard: compliance by rule, lawyer and stage, the monthly trend,
waivers per rule and the failing cases behind a rule. Every figure is aggregated in SQL over
`Case.objects.visible_to(user)`, so a user never counts a case they could not open.

Compliance follows engine.compliance_rate: of the applicable verdicts (not "not applicable"),
the share that is met, exempt or waived.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db.models import Case as Case_
from django.db.models import Count, IntegerField, Q, QuerySet, Value, When

from casework.assurance import selectors, tallies
from casework.assurance.choices import Outcome
from casework.assurance.models import PendingRecheck, VerdictPeriod, Waiver
from casework.cases.choices import Stage
from casework.cases.models import Case, rows_of_cases
from casework.core import clock
from casework.core.errors import NotFound
from casework.people.choices import NATIONAL_READ_ROLES, UNIT_MANAGER_ROLES, RoleCode
from casework.people.models import Unit, User

#: A rule waived on more than this share of the cases it applies to is flagged: waivers must stay rare.
WAIVER_ALERT_SHARE = 0.10
TREND_MONTHS = 12
DRILL_PAGE_SIZE = 50
#: Local policy: the page's "By lawyer" table shows at most this many lawyers. A national view has
#: thousands (15,716 at 100,000 cases), too many to read or render; past it the page shows those with
#: the lowest compliance and links to the export, which has every lawyer.
LAWYER_TABLE_LIMIT = 25

_APPLICABLE = ~Q(outcome=Outcome.NOT_APPLICABLE)
_NOT_MET = Q(outcome=Outcome.NOT_MET)
_COUNTS = {
    "applicable": Count("id", filter=_APPLICABLE),
    "not_met": Count("id", filter=_NOT_MET),
    "waived": Count("id", filter=Q(outcome=Outcome.WAIVED)),
    "exempt": Count("id", filter=Q(outcome=Outcome.EXEMPT)),
}
#: Lawyer id (None: cases with no allocated lawyer) -> cases and the _COUNTS of their current verdicts.
LawyerCounts = dict[int | None, dict[str, int]]


@dataclass(frozen=True)
class DashboardScope:
    """Which cases a dashboard covers: one unit, or (HQ and inspectors only) the whole country."""

    unit: Unit | None
    units: list[Unit]  # the units this user may pick from
    can_choose: bool

    @property
    def label(self) -> str:
        return self.unit.name if self.unit else "All units (national)"


def dashboard_scope(*, user: Any, unit_id: int | None) -> DashboardScope:
    """Managers see their own unit, area leadership their Area's unit, HQ and inspectors any unit or
    the national view. Everyone else, or a unit outside the user's reach, is a NotFound (404)."""
    roles = user.role_codes
    if roles & NATIONAL_READ_ROLES:
        units = list(Unit.objects.order_by("name"))
        chosen = next((u for u in units if u.pk == unit_id), None)
        if unit_id is not None and chosen is None:
            raise NotFound("Unit not found.")
        return DashboardScope(unit=chosen, units=units, can_choose=True)
    own: Unit | None = None
    if roles & UNIT_MANAGER_ROLES and user.unit_id:
        own = user.unit
    elif RoleCode.AREA_LEADERSHIP in roles and user.area_id:
        own = user.area.unit
    if own is None or (unit_id is not None and unit_id != own.pk):
        raise NotFound("Page not found.")
    return DashboardScope(unit=own, units=[own], can_choose=False)


def scoped_cases(*, user: Any, scope: DashboardScope) -> QuerySet[Case]:
    cases = Case.objects.visible_in_bulk(user)
    return cases.filter(unit=scope.unit) if scope.unit else cases


def _rate(applicable: int, not_met: int) -> float | None:
    return None if not applicable else (applicable - not_met) / applicable


def with_rate(row: dict[str, Any]) -> dict[str, Any]:
    """Compliant count, rate and percent from a row's applicable and not-met counts (shared with oversight)."""
    row["compliant"] = row["applicable"] - row["not_met"]
    row["rate"] = _rate(row["applicable"], row["not_met"])
    row["percent"] = None if row["rate"] is None else round(row["rate"] * 100)
    return row


def _current(cases: QuerySet[Case]) -> QuerySet[VerdictPeriod]:
    # A national reader's cases are a join on the case's own columns, not an IN over every case id.
    return rows_of_cases(VerdictPeriod.objects.filter(valid_to__isnull=True), cases)


@dataclass
class Dashboard:
    scope: DashboardScope
    overall: dict[str, Any]
    by_rule: list[dict[str, Any]]
    #: Every lawyer's counts in scope; the page shows by_lawyer, the export every lawyer (lawyer_blocks).
    lawyer_counts: LawyerCounts
    by_stage: list[dict[str, Any]]
    trend: list[dict[str, Any]]
    flagged_rules: list[dict[str, Any]] = field(default_factory=list)
    #: Cases in scope that changed and wait for the worker to re-check them (not yet in the figures).
    rechecking: int = 0
    #: The instant the figures describe: now when counted live, else the oldest unit's stored refresh.
    as_of: dt.datetime | None = None
    #: True when read from the stored figures (assurance.tallies), False when counted for this request.
    stored: bool = False

    @cached_property
    def by_lawyer(self) -> list[dict[str, Any]]:
        """The lawyers the page shows (lawyer_table), named when first asked for: an export, which
        streams every lawyer instead, never reads them."""
        return lawyer_table(self.lawyer_counts)

    @property
    def lawyers_total(self) -> int:
        return len(self.lawyer_counts)

    @property
    def lawyers_trimmed(self) -> bool:
        return self.lawyers_total > LAWYER_TABLE_LIMIT


def by_rule(cases: QuerySet[Case], today: dt.date) -> list[dict[str, Any]]:
    """One row per rule in force: counts of current verdicts, compliance, active waivers."""
    counts: dict[str, dict[str, Any]] = {
        row["rule_code"]: dict(row) for row in _current(cases).values("rule_code").annotate(**_COUNTS)
    }
    waivers = dict(
        Waiver.objects.filter(case__in=cases.values("pk"), revoked_at__isnull=True, expires_on__gte=today)
        .values("rule_code")
        .annotate(n=Count("id"))
        .values_list("rule_code", "n")
    )
    return rule_rows(counts, waivers, today)


def rule_rows(counts: dict[str, dict[str, Any]], waivers: dict[str, int], today: dt.date) -> list[dict[str, Any]]:
    """One row per rule in force from per-rule counts and active waivers (live or stored)."""
    rows = []
    for rule in selectors.rules_in_force(today):
        row = with_rate(
            {
                "code": rule.code,
                "title": rule.title,
                "severity": rule.severity,
                "version": rule.version,
                **{key: counts.get(rule.code, {}).get(key, 0) for key in _COUNTS},
            }
        )
        row["waivers"] = waivers.get(rule.code, 0)
        row["waiver_share"] = row["waivers"] / row["applicable"] if row["applicable"] else 0.0
        row["waiver_percent"] = round(row["waiver_share"] * 100)
        row["too_many_waivers"] = row["waiver_share"] > WAIVER_ALERT_SHARE
        rows.append(row)
    return rows


def lawyer_counts(cases: QuerySet[Case]) -> LawyerCounts:
    """Cases and current verdict counts per allocated lawyer (None: unassigned), grouped by id alone:
    names are read only for the lawyers a table shows (lawyer_table)."""
    rows = (
        _current(cases)
        .values("case__allocated_lawyer_id")
        .annotate(**_COUNTS, cases=Count("case_id", distinct=True))
        .order_by()
    )
    counts: LawyerCounts = {}
    for typed_row in rows:
        row: dict[str, Any] = dict(typed_row)
        counts[row["case__allocated_lawyer_id"]] = {"cases": row["cases"], **{key: row[key] for key in _COUNTS}}
    return counts


def _attention_key(counts: dict[str, int]) -> tuple[int, float, int]:
    """Lowest compliance first, then most checks not met; a lawyer with no applicable check has no
    compliance to be low, so comes last."""
    applicable, not_met = counts["applicable"], counts["not_met"]
    if not applicable:
        return (1, 0.0, 0)
    return (0, (applicable - not_met) / applicable, -not_met)


_Person = tuple[str, str, str]  # first name, last name, username


def _name_key(lawyer_id: int | None, person: _Person | None) -> tuple[str, str, int]:
    # "Unassigned" (and a person no longer found) sorts before every name, as it always has.
    return (person[1], person[0], lawyer_id or 0) if person else ("", "", lawyer_id or 0)


def _lawyer_row(lawyer_id: int | None, person: _Person | None, counts: dict[str, int]) -> dict[str, Any]:
    label = lawyer_label(*person) if person else "Unassigned"
    return with_rate({"lawyer_id": lawyer_id, "label": label, **counts})


def _people(ids: list[int | None]) -> dict[int, _Person]:
    users = User.objects.filter(pk__in=[pk for pk in ids if pk]).values_list(
        "pk", "first_name", "last_name", "username"
    )
    return {pk: (first, last, username) for pk, first, last, username in users}


def _lowest(counts: LawyerCounts, limit: int) -> dict[int | None, _Person | None]:
    """The `limit` lawyers with the lowest compliance (_attention_key, ties by name), with their
    names: the counts are ranked in one pass, and only the lawyers tied at the cut need their names
    compared, which the database does (ordered, and cut to the places left)."""
    keys = {pk: _attention_key(row) for pk, row in counts.items()}
    boundary = heapq.nsmallest(limit, keys.values())[-1]
    sure = [pk for pk, key in keys.items() if key < boundary]
    tied = [pk for pk, key in keys.items() if key == boundary]
    chosen: dict[int | None, _Person | None] = {}
    places = limit - len(sure)
    if None in sure:
        chosen[None] = None
    elif None in tied:  # "Unassigned" sorts before every name
        chosen[None] = None
        places -= 1
    sure_ids = [pk for pk in sure if pk is not None]
    users = (
        User.objects.filter(pk__in=sure_ids + [pk for pk in tied if pk is not None])
        .annotate(sure=Case_(When(pk__in=sure_ids, then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by("sure", "last_name", "first_name", "pk")
        .values_list("pk", "first_name", "last_name", "username")[: len(sure_ids) + max(places, 0)]
    )
    chosen.update({pk: (first, last, username) for pk, first, last, username in users})
    return chosen


def lawyer_table(counts: LawyerCounts, limit: int | None = None) -> list[dict[str, Any]]:
    """The "By lawyer" rows a page shows. Up to `limit` lawyers: all of them, by name. More (a
    national view has thousands): the `limit` with the lowest compliance, most in need of attention
    first; the export has every lawyer (lawyer_blocks)."""
    limit = LAWYER_TABLE_LIMIT if limit is None else limit
    if limit <= 0:
        return []
    if len(counts) <= limit:
        people = _people(list(counts))
        named = [(pk, people.get(pk) if pk else None) for pk in counts]
        named.sort(key=lambda pair: _name_key(*pair))
    else:
        chosen = _lowest(counts, limit)
        named = sorted(chosen.items(), key=lambda pair: (_attention_key(counts[pair[0]]), _name_key(*pair)))
    return [_lawyer_row(pk, person, counts[pk]) for pk, person in named]


#: Users whose names an export reads by id; past this it reads every user (no long IN list).
_NAMES_BY_ID_UP_TO = 500


def lawyer_blocks(counts: LawyerCounts, size: int = 2000) -> Iterator[list[dict[str, Any]]]:
    """Every lawyer's row, by name as the full table is, `size` at a time: the names are read from
    the database in name order as the rows are wanted, so an export can send what comes before
    this table first."""
    if None in counts:
        yield [_lawyer_row(None, None, counts[None])]
    ids = [pk for pk in counts if pk is not None]
    users = User.objects.all() if len(ids) > _NAMES_BY_ID_UP_TO else User.objects.filter(pk__in=ids)
    names = users.order_by("last_name", "first_name", "pk").values_list("pk", "first_name", "last_name", "username")
    seen: set[int] = set()
    block: list[dict[str, Any]] = []
    for pk, first, last, username in names.iterator(chunk_size=size):
        if pk in counts:
            seen.add(pk)
            block.append(_lawyer_row(pk, (first, last, username), counts[pk]))
            if len(block) >= size:
                yield block
                block = []
    # A lawyer counted but no longer found (not expected: users are deactivated, not deleted).
    block.extend(_lawyer_row(pk, None, counts[pk]) for pk in ids if pk not in seen)
    if block:
        yield block


def lawyer_label(first_name: str | None, last_name: str | None, username: str | None) -> str:
    return " ".join(part for part in (first_name, last_name) if part) or username or "Unassigned"


def by_stage(cases: QuerySet[Case]) -> list[dict[str, Any]]:
    counts: dict[str, dict[str, Any]] = {
        row["case__stage"]: dict(row)
        for row in _current(cases).values("case__stage").annotate(**_COUNTS, cases=Count("case_id", distinct=True))
    }
    return [
        with_rate(
            {
                "stage": stage.value,
                "label": stage.label,
                "cases": counts[stage]["cases"],
                **{key: counts[stage][key] for key in _COUNTS},
            }
        )
        for stage in Stage
        if stage in counts
    ]


def month_end_instants(now: dt.datetime, months: int = TREND_MONTHS) -> list[tuple[str, dt.datetime]]:
    """The last `months` points: each previous month's end (midnight UK time after its last day),
    and the current month to date (now)."""
    local = clock.local(now)
    first_of_month = local.date().replace(day=1)
    points: list[tuple[str, dt.datetime]] = [(f"{first_of_month:%b %Y} (to date)", now)]
    boundary = first_of_month
    while len(points) < months:
        last_day = boundary - dt.timedelta(days=1)
        instant = dt.datetime.combine(boundary, dt.time.min, tzinfo=clock.LONDON).astimezone(dt.UTC)
        points.append((f"{last_day:%b %Y}", instant))
        boundary = last_day.replace(day=1)
    return list(reversed(points))


def _first_instant_index(field_name: str, instants: list[dt.datetime]) -> Case_:
    """SQL: the index of the first (ascending) instant at or after the field's value; len(instants)
    when none is, or when the field is NULL (an open period never ends inside the window)."""
    whens = [When(**{f"{field_name}__lte": instant}, then=Value(i)) for i, instant in enumerate(instants)]
    return Case_(*whens, default=Value(len(instants)), output_field=IntegerField())


def held_at_instants(
    periods: QuerySet[VerdictPeriod], instants: list[dt.datetime], *group_fields: str
) -> tuple[dict[tuple[Any, ...], int], dict[tuple[Any, ...], int]]:
    """Applicable and not-met verdicts holding at each instant, keyed (*group values, instant index),
    in one grouped query. A period holds at instant i when it began at or before i and had not ended
    by i, so each period is bucketed once by (first instant it holds at, first instant it no longer
    holds at, outcome) instead of being tested against every instant; Python then adds up a few
    dozen grouped rows. Same verdicts as selectors.verdicts_on per instant."""
    window = periods.filter(valid_from__lte=instants[-1]).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=instants[0]))
    grouped = (
        window.annotate(
            starts=_first_instant_index("valid_from", instants), ends=_first_instant_index("valid_to", instants)
        )
        .values(*group_fields, "starts", "ends", "outcome")
        .annotate(n=Count("id"))
        .order_by()
    )
    applicable: dict[tuple[Any, ...], int] = defaultdict(int)
    not_met: dict[tuple[Any, ...], int] = defaultdict(int)
    for row in grouped:
        group = tuple(row[name] for name in group_fields)
        for i in range(row["starts"], min(row["ends"], len(instants))):
            if row["outcome"] != Outcome.NOT_APPLICABLE:
                applicable[(*group, i)] += row["n"]
            if row["outcome"] == Outcome.NOT_MET:
                not_met[(*group, i)] += row["n"]
    return applicable, not_met


def trend(cases: QuerySet[Case], now: dt.datetime) -> list[dict[str, Any]]:
    """Compliance at each month end (held_at_instants over the cases' verdict history)."""
    points = month_end_instants(now)
    periods = VerdictPeriod.objects.filter(case__in=cases.values("pk"))
    applicable, not_met = held_at_instants(periods, [instant for _, instant in points])
    return [
        with_rate({"label": label, "instant": instant, "applicable": applicable[(i,)], "not_met": not_met[(i,)]})
        for i, (label, instant) in enumerate(points)
    ]


def overall(rows: list[dict[str, Any]]) -> dict[str, Any]:
    applicable = sum(row["applicable"] for row in rows)
    not_met = sum(row["not_met"] for row in rows)
    return with_rate({"applicable": applicable, "not_met": not_met})


def dashboard(*, user: Any, scope: DashboardScope, live: bool = False) -> Dashboard:
    """From the stored figures of the scope's units (assurance.tallies), or counted now when a unit
    has none yet (or when asked to)."""
    cases = scoped_cases(user=user, scope=scope)
    stored = None if live else tallies.stored_rows([scope.unit.pk] if scope.unit else [u.pk for u in scope.units])
    if stored is not None:
        rows, as_of = stored
        return from_counts(scope=scope, rows=rows, as_of=as_of, rechecking=rechecking_count(cases))
    today, now = clock.today(), clock.now()
    rules = by_rule(cases, today)
    return Dashboard(
        scope=scope,
        overall=overall(rules),
        by_rule=rules,
        lawyer_counts=lawyer_counts(cases),
        by_stage=by_stage(cases),
        trend=trend(cases, now),
        flagged_rules=[row for row in rules if row["too_many_waivers"]],
        rechecking=rechecking_count(cases),
        as_of=now,
    )


def from_counts(
    *, scope: DashboardScope, rows: list[tallies.CountRow], as_of: dt.datetime, rechecking: int
) -> Dashboard:
    """The dashboard from stored per-unit counts: the same rows, rates and order as the live reads."""
    counts = _summed(rows)

    def of(prefix: str, key: str) -> dict[str, int]:
        return _counted(counts, prefix, key)

    rules = _stored_rules(counts, as_of)
    lawyers: LawyerCounts = {
        int(key) if key else None: {"cases": cases, **of("lawyer", key)}
        for key, cases in counts["lawyer_cases"].items()
    }
    stages = [
        with_rate(
            {
                "stage": stage.value,
                "label": stage.label,
                "cases": counts["stage_cases"][stage.value],
                **of("stage", stage.value),
            }
        )
        for stage in Stage
        if counts["stage_cases"].get(stage.value)
    ]
    trend_rows = [
        with_rate(
            {
                "label": label,
                "instant": instant,
                "applicable": counts["trend_applicable"].get(label, 0),
                "not_met": counts["trend_not_met"].get(label, 0),
            }
        )
        for label, instant in month_end_instants(as_of)
    ]
    return Dashboard(
        scope=scope,
        overall=overall(rules),
        by_rule=rules,
        lawyer_counts=lawyers,
        by_stage=stages,
        trend=trend_rows,
        flagged_rules=[row for row in rules if row["too_many_waivers"]],
        rechecking=rechecking,
        as_of=as_of,
        stored=True,
    )


def _summed(rows: list[tallies.CountRow]) -> dict[str, dict[str, int]]:
    """Stored rows added up over their units: metric -> key -> value."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for _unit, metric, key, value in rows:
        counts[metric][key] += value
    return counts


def _counted(counts: dict[str, dict[str, int]], prefix: str, key: str) -> dict[str, int]:
    return {name: counts[f"{prefix}_{name}"].get(key, 0) for name in _COUNTS}


def _stored_rules(counts: dict[str, dict[str, int]], as_of: dt.datetime) -> list[dict[str, Any]]:
    return rule_rows(
        {code: _counted(counts, "rule", code) for code in counts["rule_applicable"]},
        counts["rule_waivers"],
        clock.local(as_of).date(),
    )


@dataclass(frozen=True)
class RuleCompliance:
    """Compliance by rule over a dashboard scope, with the instant it describes."""

    rules: list[dict[str, Any]]
    as_of: dt.datetime
    stored: bool


def compliance_by_rule(*, user: Any, scope: DashboardScope) -> RuleCompliance:
    """The dashboard's "by rule" table alone: from the stored figures of the scope's units when every
    one has them (as the dashboard reads them), else counted now over the cases the user sees."""
    stored = tallies.stored_rows([scope.unit.pk] if scope.unit else [u.pk for u in scope.units])
    if stored is not None:
        rows, as_of = stored
        return RuleCompliance(rules=_stored_rules(_summed(rows), as_of), as_of=as_of, stored=True)
    now = clock.now()
    return RuleCompliance(
        rules=by_rule(scoped_cases(user=user, scope=scope), clock.local(now).date()), as_of=now, stored=False
    )


def rechecking_count(cases: QuerySet[Case]) -> int:
    """How many of these cases changed since their verdicts were stored (being re-checked). Counted
    from the cases waiting (few, one row each), each looked up in the scope: the other way round,
    SQLite listed every case in a national scope first (50-80 ms at 100,000 cases)."""
    return cases.filter(pk__in=PendingRecheck.objects.values("case_id")).count()


def failing_cases(*, user: Any, scope: DashboardScope, rule_code: str) -> QuerySet[VerdictPeriod]:
    """Current "not met" verdicts of one rule, with their case, for the drill-down list."""
    cases = scoped_cases(user=user, scope=scope)
    return (
        _current(cases)
        .filter(rule_code=rule_code, outcome=Outcome.NOT_MET)
        .select_related("case", "case__unit", "case__allocated_lawyer", "rule")
        .order_by("valid_from", "case__urn", "pk")  # the longest failing first
    )


def failing_page(
    *, user: Any, scope: DashboardScope, rule_code: str, page: int, per_page: int = DRILL_PAGE_SIZE
) -> tuple[list[VerdictPeriod], bool]:
    offset = (page - 1) * per_page
    rows = list(failing_cases(user=user, scope=scope, rule_code=rule_code)[offset : offset + per_page + 1])
    return rows[:per_page], len(rows) > per_page


def rule_title(rule_code: str, today: dt.date) -> str | None:
    return next((r.title for r in selectors.rules_in_force(today) if r.code == rule_code), None)
