"""Reads for records management: which records fall due under the schedule, where each stands,
and the figures and logs the dashboard shows. Records are read as metadata (references, units,
dates): reviewing retention never needs, and never shows, a record's personal content."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Min, Q, QuerySet

from casework.audit.models import AuditEvent
from casework.cases.models import Case
from casework.core import clock
from casework.imports.models import ImportRun
from casework.partners.choices import ReferralKind, ReferralStatus
from casework.partners.models import Referral
from casework.people.choices import NATIONAL_READ_ROLES, RoleCode
from casework.people.models import Unit
from casework.quality.models import Assessment
from casework.records import rules
from casework.records.choices import DisposalAction, RecordType, RetentionState, Trigger
from casework.records.models import DisposalRecord, LegalHold, RetentionDecision, RetentionRule
from casework.resourcing.models import RemRecord, TimeEntry

#: Roles that see the retention dashboard and the disposal log (their unit, their Area's, or all).
RECORDS_READERS = frozenset(
    {RoleCode.RECORDS_OFFICER, RoleCode.UNIT_HEAD, RoleCode.AREA_LEADERSHIP} | NATIONAL_READ_ROLES
)


# --- who sees what ---------------------------------------------------------------------------------


def can_read_records(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.role_codes & RECORDS_READERS)


def is_records_officer_for(user: Any, unit_id: int | None) -> bool:
    """A records officer decides for their unit's records; one with no unit (a national records
    officer) for the records that belong to no unit (staff-wide import reports, the audit trail)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and RoleCode.RECORDS_OFFICER in user.role_codes
        and user.unit_id == unit_id
    )


def may_hold(user: Any, unit_id: int | None) -> bool:
    if is_records_officer_for(user, unit_id):
        return True
    return bool(
        user.is_active and RoleCode.UNIT_HEAD in user.role_codes and unit_id is not None and user.unit_id == unit_id
    )


def unit_scope(user: Any) -> Q | None:
    """A filter on `unit_id` for what this user's records pages cover; None: everything (national)."""
    roles = user.role_codes
    if roles & NATIONAL_READ_ROLES or (RoleCode.RECORDS_OFFICER in roles and not user.unit_id):
        return None
    scope = Q(pk__in=[])
    if roles & {RoleCode.RECORDS_OFFICER, RoleCode.UNIT_HEAD} and user.unit_id:
        scope |= Q(unit_id=user.unit_id)
    if RoleCode.AREA_LEADERSHIP in roles and user.area_id:
        scope |= Q(unit__areas=user.area_id)
    return scope


def scoped(queryset: QuerySet[Any], user: Any) -> QuerySet[Any]:
    if not can_read_records(user):
        return queryset.none()
    scope = unit_scope(user)
    return queryset if scope is None else queryset.filter(scope).distinct()


# --- the schedule in force -------------------------------------------------------------------------


def rules_in_force(today: dt.date | None = None) -> list[RetentionRule]:
    """The latest version of each rule code in force on `today`."""
    day = today or clock.today()
    current = RetentionRule.objects.filter(effective_from__lte=day).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gt=day)
    )
    latest: dict[str, RetentionRule] = {}
    for rule in current.order_by("code", "-version"):
        latest.setdefault(rule.code, rule)
    return sorted(latest.values(), key=lambda r: (r.record_type, r.outcome == "", r.outcome, r.code))


class _Schedule:
    def __init__(self, in_force: list[RetentionRule]) -> None:
        self.by_type: dict[str, dict[str, RetentionRule]] = defaultdict(dict)
        for rule in in_force:
            self.by_type[rule.record_type].setdefault(rule.outcome, rule)

    def rule(self, record_type: str, outcome: str = "") -> RetentionRule | None:
        rules_for_type = self.by_type.get(record_type, {})
        return rules_for_type.get(outcome) or rules_for_type.get("")


# --- records that can fall due -------------------------------------------------------------------


@dataclass
class RetentionItem:
    record_type: str
    record_id: str
    label: str
    unit_id: int | None
    unit_name: str
    rule: RetentionRule
    trigger_date: dt.date | None
    verdict: rules.RetentionVerdict
    case_id: int | None = None

    @property
    def record_type_label(self) -> str:
        return RecordType(self.record_type).label

    @property
    def state(self) -> str:
        return str(self.verdict.state)

    @property
    def state_label(self) -> str:
        return RetentionState(self.verdict.state).label

    @property
    def automatic(self) -> bool:
        return self.rule.action == DisposalAction.ERASE

    def as_dict(self) -> dict[str, Any]:
        return {
            "record_type": self.record_type,
            "record_id": self.record_id,
            "label": self.label,
            "unit": self.unit_name,
            "rule": f"{self.rule.code} v{self.rule.version}",
            "period_months": self.rule.period_months,
            "action": self.rule.action,
            "trigger_date": self.trigger_date.isoformat() if self.trigger_date else None,
            "due_on": self.verdict.due_on.isoformat() if self.verdict.due_on else None,
            "state": self.state,
            "explanation": self.verdict.explanation,
        }


@dataclass(frozen=True)
class _Candidate:
    record_type: str
    record_id: str
    label: str
    unit_id: int | None
    unit_name: str
    trigger_date: dt.date | None
    outcome: str = ""
    case_id: int | None = None


def _local_date(instant: dt.datetime | None) -> dt.date | None:
    return clock.local(instant).date() if instant else None


def _case_files(units: Units, record_id: str | None, review: _ReviewCut | None) -> Iterator[_Candidate]:
    cases = _in_units(Case.objects.filter(stage__in=list(rules.CLOSED_STAGE_OUTCOMES), disposed_at__isnull=True), units)
    cases = _cut(cases, review, RecordType.CASE_FILE, "stage_changed_at")
    if record_id is not None:
        cases = cases.filter(pk=int(record_id)) if record_id.isdigit() else cases.none()
    for pk, urn, unit, unit_name, stage, outcome, changed in cases.values_list(
        "pk", "urn", "unit_id", "unit__name", "stage", "outcome", "stage_changed_at"
    ).order_by("stage_changed_at", "pk"):
        yield _Candidate(
            RecordType.CASE_FILE,
            str(pk),
            urn,
            unit,
            unit_name,
            _local_date(changed),
            rules.case_outcome_key(stage=stage, outcome=outcome),
            case_id=pk,
        )


def _referrals(record_type: str, units: Units, record_id: str | None) -> Iterator[_Candidate]:
    if record_type == RecordType.REFERRAL_NOT_ACCEPTED:
        referrals = Referral.objects.filter(
            kind=ReferralKind.REFERRAL, status__in=[ReferralStatus.DECLINED, ReferralStatus.REDIRECTED]
        )
    else:
        referrals = Referral.objects.filter(
            kind=ReferralKind.EARLY_ADVICE,
            status__in=[ReferralStatus.ADVICE_GIVEN, ReferralStatus.DECLINED, ReferralStatus.REDIRECTED],
        )
    referrals = _in_units(referrals.filter(case__isnull=True), units)
    if record_id is not None:
        referrals = referrals.filter(pk=int(record_id)) if record_id.isdigit() else referrals.none()
    # A referral already erased keeps its reference but no content: it is not a candidate again.
    referrals = referrals.exclude(pk__in=_disposed_ids(record_type))
    for pk, reference, unit, unit_name, responded, submitted in referrals.values_list(
        "pk", "reference", "unit_id", "unit__name", "responded_on", "submitted_on"
    ).order_by("pk"):
        yield _Candidate(record_type, str(pk), reference, unit, unit_name, responded or submitted)


def _time_records(units: Units, record_id: str | None, today: dt.date, months: int) -> Iterator[_Candidate]:
    """One item per case's REM record: its time entries whose week ended a full period ago."""
    cutoff = rules.add_months(today, -months) - dt.timedelta(days=6)  # weeks ending on or before then
    entries = _in_units(TimeEntry.objects.filter(week_starting__lte=cutoff), units, "record__case__unit_id")
    if record_id is not None:
        entries = entries.filter(record_id=int(record_id)) if record_id.isdigit() else entries.none()
    # Two reads, not one grouped join: grouped together with the case, SQLite walked every case of
    # the nation and probed its time entries (122 ms at 100,000 cases with none old enough), and
    # grouped alone it walks the whole unique index for its order. The old weeks are read by their
    # own index and counted here; then only their records' cases are read.
    weeks: dict[int, tuple[dt.date, int]] = {}
    for rem_id, week in entries.values_list("record_id", "week_starting").order_by():
        latest, count = weeks.get(rem_id, (week, 0))
        weeks[rem_id] = (max(latest, week), count + 1)
    if not weeks:
        return
    records = RemRecord.objects.filter(pk__in=entries.values("record_id")).order_by("pk")
    for rem_id, urn, unit, unit_name in records.values_list("pk", "case__urn", "case__unit_id", "case__unit__name"):
        latest, count = weeks[rem_id]
        yield _Candidate(
            RecordType.TIME_RECORDS,
            str(rem_id),
            f"Time records of {urn} ({count} weeks)",
            unit,
            unit_name,
            latest + dt.timedelta(days=6),
        )


def _import_reports(units: Units, record_id: str | None) -> Iterator[_Candidate]:
    runs = _in_units(
        ImportRun.objects.filter(finished_at__isnull=False).filter(problems__value__gt="").distinct(), units
    )
    if record_id is not None:
        runs = runs.filter(pk=int(record_id)) if record_id.isdigit() else runs.none()
    for pk, unit, unit_name, finished in runs.values_list("pk", "unit_id", "unit__name", "finished_at").order_by("pk"):
        yield _Candidate(
            RecordType.EXPORTS, str(pk), f"Import run {pk} report", unit, unit_name or "", _local_date(finished)
        )


def _iqa(units: Units, record_id: str | None, review: _ReviewCut | None) -> Iterator[_Candidate]:
    assessments = _cut(
        _in_units(Assessment.objects.filter(closed_at__isnull=False), units), review, RecordType.IQA, "closed_at"
    )
    if record_id is not None:
        assessments = assessments.filter(pk=int(record_id)) if record_id.isdigit() else assessments.none()
    for pk, unit, unit_name, closed in assessments.values_list("pk", "unit_id", "unit__name", "closed_at").order_by(
        "pk"
    ):
        yield _Candidate(RecordType.IQA, str(pk), f"IQA {pk}", unit, unit_name, _local_date(closed))


def _audit_events(record_id: str | None) -> Iterator[_Candidate]:
    """The audit trail as one record: its oldest event starts the period (archived, never deleted)."""
    if record_id not in (None, "trail"):
        return
    oldest = AuditEvent.objects.aggregate(oldest=Min("occurred_at"))["oldest"]
    if oldest is not None:
        yield _Candidate(RecordType.AUDIT_EVENTS, "trail", "Audit trail (oldest events)", None, "", _local_date(oldest))


def _disposed_ids(record_type: str) -> list[int]:
    ids = DisposalRecord.objects.filter(record_type=record_type).values_list("record_id", flat=True)
    return [int(record_id) for record_id in ids if record_id.isdigit()]


_Rows = TypeVar("_Rows", bound=QuerySet[Any])

#: Days of margin on the review cut: a month-end clamp (31 January + 1 month = 28 February) moves a
#: due date up to three days earlier, and a trigger's local date can be a day after its UTC instant.
REVIEW_CUT_MARGIN_DAYS = 7


@dataclass(frozen=True)
class _ReviewCut:
    """For a review list (due, approved, held, kept longer: never "not due yet"), the records worth
    judging: those whose period under the shortest rule of their type could have run by today, and
    any with a hold or a decision. The rest are certainly not due, so the query leaves them out
    instead of the nation's closed cases being read and judged one by one. Each record that passes
    still gets its exact verdict."""

    schedule: _Schedule
    today: dt.date

    def latest_trigger(self, record_type: str) -> dt.datetime | None:
        periods = [rule.period_months for rule in self.schedule.by_type.get(record_type, {}).values()]
        if not periods:
            return None
        last = rules.add_months(self.today, -min(periods)) + dt.timedelta(days=REVIEW_CUT_MARGIN_DAYS)
        return dt.datetime.combine(last, dt.time.min, tzinfo=dt.UTC)


def _flagged_ids(record_type: str) -> list[int]:
    """Records of a type with an active hold or any decision: always judged (held, kept longer...)."""
    keys = LegalHold.objects.active().filter(record_type=record_type).values_list("record_id", flat=True)
    decided = RetentionDecision.objects.filter(record_type=record_type).values_list("record_id", flat=True)
    return sorted({int(key) for key in (*keys, *decided) if key.isdigit()})


def _cut(queryset: _Rows, review: _ReviewCut | None, record_type: str, trigger: str) -> _Rows:
    latest = review.latest_trigger(record_type) if review is not None else None
    if latest is None:
        return queryset
    return queryset.filter(Q(**{f"{trigger}__lt": latest}) | Q(pk__in=_flagged_ids(record_type)))


#: The units whose records are read: None for every record, national ones (no unit) included.
Units = frozenset[int] | None


def _in_units(queryset: _Rows, units: Units, field: str = "unit_id") -> _Rows:
    """Only the records of these units, filtered in the query: a unit's or an Area's reviewer never
    has the nation's records read and verdicts worked out only to be thrown away."""
    return queryset if units is None else queryset.filter(**{f"{field}__in": sorted(units)})


def _candidates(
    schedule: _Schedule,
    *,
    today: dt.date,
    units: Units,
    record_type: str | None,
    record_id: str | None,
    review: _ReviewCut | None = None,
) -> Iterator[_Candidate]:
    wanted = [record_type] if record_type else list(RecordType.values)
    for kind in wanted:
        if kind == RecordType.CASE_FILE:
            yield from _case_files(units, record_id, review)
        elif kind in (RecordType.REFERRAL_NOT_ACCEPTED, RecordType.EARLY_ADVICE):
            yield from _referrals(kind, units, record_id)
        elif kind == RecordType.TIME_RECORDS and (rule := schedule.rule(kind)) is not None:
            yield from _time_records(units, record_id, today, rule.period_months)
        elif kind == RecordType.EXPORTS:
            yield from _import_reports(units, record_id)
        elif kind == RecordType.IQA:
            yield from _iqa(units, record_id, review)
        elif kind == RecordType.AUDIT_EVENTS and units is None:
            yield from _audit_events(record_id)
        # Staff records: the service records no leaving date, so they are reviewed by hand (docs/records.md).


def _holds_by_record(keys: set[tuple[str, str]]) -> dict[tuple[str, str], list[rules.Hold]]:
    found: dict[tuple[str, str], list[rules.Hold]] = defaultdict(list)
    for hold in LegalHold.objects.active().order_by("-placed_at"):
        key = (hold.record_type, hold.record_id)
        if key in keys:
            found[key].append(rules.Hold(reason=hold.reason, until=hold.until))
    return found


def _decisions_by_record() -> dict[tuple[str, str], rules.LastDecision]:
    latest: dict[tuple[str, str], rules.LastDecision] = {}
    for decision in RetentionDecision.objects.order_by("-decided_at", "-id").only(
        "record_type", "record_id", "decision", "keep_until", "reason"
    ):
        latest.setdefault(
            (decision.record_type, decision.record_id),
            rules.LastDecision(decision.decision, decision.keep_until, decision.reason),
        )
    return latest


def retention_items(
    *,
    today: dt.date | None = None,
    unit_id: int | None = None,
    record_type: str | None = None,
    record_id: str | None = None,
    states: Iterable[str] | None = None,
    unit_ids: Iterable[int] | None = None,
) -> list[RetentionItem]:
    """Every record the schedule covers (optionally one unit or some units, a type or a record), with
    its verdict."""
    day = today or clock.today()
    schedule = _Schedule(rules_in_force(day))
    units: Units = None if unit_ids is None else frozenset(unit_ids)
    if unit_id is not None:
        units = frozenset({unit_id}) if units is None else units & {unit_id}
    wanted = set(states) if states is not None else None
    review = _ReviewCut(schedule, day) if wanted is not None and wanted <= set(REVIEW_STATES) else None
    candidates = list(
        _candidates(schedule, today=day, units=units, record_type=record_type, record_id=record_id, review=review)
    )
    holds = _holds_by_record({(c.record_type, c.record_id) for c in candidates})
    decisions = _decisions_by_record()
    items = []
    for candidate in candidates:
        rule = schedule.rule(candidate.record_type, candidate.outcome)
        if rule is None:
            continue
        key = (candidate.record_type, candidate.record_id)
        verdict = rules.retention_verdict(
            today=day,
            trigger_date=candidate.trigger_date,
            period_months=rule.period_months,
            rule=f"{rule.code} v{rule.version}",
            trigger_text=Trigger(rule.trigger).label,
            holds=holds.get(key, []),
            decision=decisions.get(key),
        )
        if wanted is not None and verdict.state not in wanted:
            continue
        items.append(
            RetentionItem(
                record_type=candidate.record_type,
                record_id=candidate.record_id,
                label=candidate.label,
                unit_id=candidate.unit_id,
                unit_name=candidate.unit_name,
                rule=rule,
                trigger_date=candidate.trigger_date,
                verdict=verdict,
                case_id=candidate.case_id,
            )
        )
    items.sort(key=lambda item: (item.verdict.due_on or dt.date.max, item.record_type, item.label))
    return items


REVIEW_STATES = (RetentionState.DUE, RetentionState.APPROVED, RetentionState.HELD, RetentionState.EXTENDED)


def review_list(*, user: Any = None, unit_id: int | None = None, today: dt.date | None = None) -> list[RetentionItem]:
    """What a reviewer looks at: records due, approved, held or kept longer, most overdue first.
    With `user`, only the units their records pages cover."""
    allowed = None if user is None else visible_unit_ids(user)
    return retention_items(today=today, unit_id=unit_id, unit_ids=allowed, states=REVIEW_STATES)


def visible_unit_ids(user: Any) -> set[int] | None:
    """The units whose records this user's pages cover; None: every unit and national records."""
    if not can_read_records(user):
        return set()
    if unit_scope(user) is None:
        return None
    return set(Unit.objects.filter(_as_unit_filter(user)).values_list("pk", flat=True))


def _as_unit_filter(user: Any) -> Q:
    roles = user.role_codes
    scope = Q(pk__in=[])
    if roles & {RoleCode.RECORDS_OFFICER, RoleCode.UNIT_HEAD} and user.unit_id:
        scope |= Q(pk=user.unit_id)
    if RoleCode.AREA_LEADERSHIP in roles and user.area_id:
        scope |= Q(areas=user.area_id)
    return scope


def item_visible(user: Any, item: RetentionItem) -> bool:
    allowed = visible_unit_ids(user)
    return allowed is None or item.unit_id in allowed


def retention_item(*, record_type: str, record_id: str, today: dt.date | None = None) -> RetentionItem | None:
    found = retention_items(today=today, record_type=record_type, record_id=record_id)
    return found[0] if found else None


# --- the disposal log and the dashboard ---------------------------------------------------------------


def disposal_log(*, user: Any, unit_id: int | None = None, record_type: str = "") -> QuerySet[DisposalRecord]:
    records = scoped(DisposalRecord.objects.select_related("unit", "rule", "approved_by"), user)
    if unit_id:
        records = records.filter(unit_id=unit_id)
    if record_type:
        records = records.filter(record_type=record_type)
    return records.order_by("-disposed_at", "-id")


def quarter_of(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class UnitFigures:
    unit: str
    due: int
    approved: int
    held: int
    extended: int


@dataclass(frozen=True)
class Dashboard:
    by_unit: list[UnitFigures]
    disposed_by_quarter: list[tuple[str, int]]
    totals: dict[str, int]


def dashboard(*, user: Any, today: dt.date | None = None) -> Dashboard:
    """Due, approved, held and kept-longer records by unit, and disposals per quarter (the chart)."""
    items = review_list(user=user, today=today)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for item in items:
        counts[item.unit_name or "National"][item.state] += 1
    by_unit = [
        UnitFigures(
            unit=name,
            due=figures[RetentionState.DUE],
            approved=figures[RetentionState.APPROVED],
            held=figures[RetentionState.HELD],
            extended=figures[RetentionState.EXTENDED],
        )
        for name, figures in sorted(counts.items())
    ]
    quarters: dict[str, int] = defaultdict(int)
    for disposed_at in disposal_log(user=user).values_list("disposed_at", flat=True):
        quarters[quarter_of(clock.local(disposed_at).date())] += 1
    totals = {
        "due": sum(u.due for u in by_unit),
        "approved": sum(u.approved for u in by_unit),
        "held": sum(u.held for u in by_unit),
        "extended": sum(u.extended for u in by_unit),
        "disposed": sum(quarters.values()),
    }
    return Dashboard(by_unit=by_unit, disposed_by_quarter=sorted(quarters.items()), totals=totals)


def holds_for(*, user: Any) -> QuerySet[LegalHold]:
    return scoped(LegalHold.objects.active().select_related("placed_by", "unit"), user).order_by("-placed_at")


def restricted_cases_for(*, user: Any) -> QuerySet[Any]:
    """Restricted cases of the user's unit a named reader may open (with a reason)."""
    return Case.objects.restricted_readable_by(user).select_related("unit").order_by("-restricted_at")
