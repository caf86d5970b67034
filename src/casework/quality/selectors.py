"""Reads for IQA: the policy and question set in force, quotas and coverage, sampling candidates,
moderator choice, analytics and leniency. Lists start from Assessment.objects.visible_to(user)
(individual records) or aggregate_scope(user) (counts); names only where sees_names(user)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, FilteredRelation, Q, QuerySet
from django.db.models.functions import TruncDate

from casework.cases.models import Case
from casework.core import clock
from casework.core.errors import NotFound
from casework.core.id_lists import among, plain_rows
from casework.people.choices import AbsenceKind, RoleCode
from casework.people.models import Absence, Team, Unit, User
from casework.quality import rules
from casework.quality.choices import COUNTED_STATUSES, AssessmentStatus, ModerationStatus
from casework.quality.models import (
    Assessment,
    AssessmentAnswer,
    Moderation,
    ModerationAnswer,
    Question,
    QuestionSet,
    QuotaPolicy,
    sees_names,
)

#: Kinds of absence that are a full absence from casework when they run long.
ABSENCE_KINDS = (
    AbsenceKind.SICKNESS,
    AbsenceKind.SECONDMENT,
    AbsenceKind.OTHER_REDUCTION,
    AbsenceKind.ANNUAL_LEAVE,
    AbsenceKind.TRAINING,
    AbsenceKind.TRADE_UNION,
)


# --- policy and question sets ---------------------------------------------------------------------


def policy_on(day: dt.date) -> QuotaPolicy:
    policy = QuotaPolicy.objects.filter(effective_from__lte=day).order_by("-effective_from", "-version").first()
    return (
        policy or QuotaPolicy.objects.order_by("effective_from").first() or QuotaPolicy(version=0, effective_from=day)
    )


def question_set_in_force(day: dt.date, code: str = "iqa") -> QuestionSet:
    qs = QuestionSet.objects.filter(code=code, effective_from__lte=day).order_by("-effective_from", "-version").first()
    qs = qs or QuestionSet.objects.filter(code=code).order_by("effective_from", "version").first()
    if qs is None:
        raise NotFound("No IQA question set has been published.")
    return qs


def questions_for(assessment: Assessment) -> list[Any]:
    """The questions of the assessment's own version that apply to its kind and stage, by section."""
    return [
        q
        for q in Question.objects.filter(section__question_set_id=assessment.question_set_id).select_related("section")
        if assessment.kind in q.kinds and (not q.stages or assessment.case_stage in q.stages)
    ]


# --- quota and coverage ---------------------------------------------------------------------------


def _absences(person_ids: Iterable[int], quarter: rules.Quarter) -> dict[int, list[tuple[dt.date, dt.date]]]:
    found: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    rows = Absence.objects.filter(
        person_id__in=among(person_ids, using=Absence.objects.db),
        hours_per_week__isnull=True,
        kind__in=ABSENCE_KINDS,
        starts_on__lte=quarter.ends_on,
        ends_on__gte=quarter.starts_on,
    ).order_by()  # the model's order joins every person
    for person_id, start, end in rows.values_list("person_id", "starts_on", "ends_on"):
        found[person_id].append((start, end))
    return found


def _params(policy: QuotaPolicy) -> rules.QuotaParams:
    return rules.QuotaParams(per_quarter=policy.per_quarter, long_absence_days=policy.long_absence_days)


def quota_for_person(*, person: User, quarter: rules.Quarter, policy: QuotaPolicy) -> rules.Quota:
    absent = rules.long_absence_days_in(_absences([person.pk], quarter)[person.pk], quarter, policy.long_absence_days)
    return rules.quota_for(fte=person.fte, absent_days=absent, quarter=quarter, params=_params(policy))


@dataclass(frozen=True)
class CoverageRow:
    person_id: int
    name: str
    unit: str
    team: str
    expected: int
    received: int
    explanation: str

    @property
    def behind(self) -> int:
        return max(self.expected - self.received, 0)


def prosecutors_in_scope(user: Any) -> QuerySet[User]:
    """Prosecutors whose coverage the user may see (named or not)."""
    qs = User.objects.filter(roles__code=RoleCode.PROSECUTOR, is_active=True).select_related("unit", "team")
    roles = user.role_codes
    if roles & {RoleCode.HQ_ANALYST, RoleCode.INSPECTOR}:
        return qs.distinct()
    if RoleCode.AREA_LEADERSHIP in roles and user.area_id:
        return qs.filter(unit__areas=user.area_id).distinct()
    if RoleCode.UNIT_HEAD in roles and user.unit_id:
        return qs.filter(unit_id=user.unit_id).distinct()
    if RoleCode.LEGAL_MANAGER in roles and user.unit_id:
        return qs.filter(Q(line_manager=user) | Q(unit_id=user.unit_id)).distinct()
    return qs.filter(pk=user.pk).distinct()


#: A person as coverage reads them: (id, first name, last name, username, FTE, unit name, team name).
PersonRow = tuple[int, str, str, str, Any, str | None, str | None]
_PERSON_COLUMNS = ("pk", "first_name", "last_name", "username", "fte", "unit__name", "team__name")


def _person_rows(people: QuerySet[User] | Iterable[User]) -> list[PersonRow]:
    """People as narrow rows: a queryset is read as the driver returns it (a model instance, with
    its unit and team, per prosecutor was most of the national coverage page's time; so was
    converting each FTE), each distinct FTE converted once; instances already in hand are read off."""
    if isinstance(people, QuerySet):
        places = User._meta.get_field("fte").decimal_places  # type: ignore[union-attr]
        step = Decimal(1).scaleb(-places)
        fte_of: dict[Any, Decimal] = {}
        rows = []
        for pk, first, last, username, raw, unit, team in plain_rows(people.values_list(*_PERSON_COLUMNS)):
            fte = fte_of.get(raw)
            if fte is None:
                fte = fte_of[raw] = Decimal(str(raw)).quantize(step)
            rows.append((pk, first, last, username, fte, unit, team))
        return rows
    return [
        (
            p.pk,
            p.first_name,
            p.last_name,
            p.username,
            p.fte,
            p.unit.name if p.unit else None,
            p.team.name if p.team else None,
        )
        for p in people
    ]


#: A coverage line before it is a CoverageRow, in its sort order: (−behind, unit, name, person id,
#: team, expected, received, explanation). Sorting plain tuples is several times cheaper than
#: sorting rows by a key function, and a national page only needs the first hundred as rows.
_Line = tuple[int, str, str, int, str, int, int, str]


def _coverage_lines(
    people: QuerySet[User] | Iterable[User], quarter: rules.Quarter, policy: QuotaPolicy
) -> list[_Line]:
    """Expected and received assessments per person for a quarter, in three queries, sorted furthest
    behind first (then unit, name, id). The quota is worked out once per distinct (FTE, long-absence
    days): it depends on nothing else, and most people share a handful of those pairs."""
    rows_in = _person_rows(people)
    if not rows_in:
        return []
    ids = [row[0] for row in rows_in]
    absences = _absences(ids, quarter)
    received = dict(
        Assessment.objects.filter(
            prosecutor_id__in=among(ids, using=Assessment.objects.db),
            quarter=quarter.label,
            status__in=COUNTED_STATUSES,
        )
        .values("prosecutor_id")
        .annotate(n=Count("id"))
        .values_list("prosecutor_id", "n")
    )
    params = _params(policy)
    quotas: dict[tuple[Any, int], rules.Quota] = {}
    lines: list[_Line] = []
    for pk, first, last, username, fte, unit, team in rows_in:
        taken = absences.get(pk)
        absent = rules.long_absence_days_in(taken, quarter, policy.long_absence_days) if taken else 0
        quota = quotas.get((fte, absent))
        if quota is None:
            quota = quotas[(fte, absent)] = rules.quota_for(fte=fte, absent_days=absent, quarter=quarter, params=params)
        got = received.get(pk, 0)
        name = f"{first} {last}".strip() or username  # User.display_name
        lines.append(
            (min(got - quota.expected, 0), unit or "", name, pk, team or "", quota.expected, got, quota.explanation)
        )
    lines.sort()
    return lines


def _row(line: _Line) -> CoverageRow:
    _, unit, name, pk, team, expected, received, explanation = line
    return CoverageRow(pk, name, unit, team, expected, received, explanation)


def coverage_for(
    *, people: QuerySet[User] | Iterable[User], quarter: rules.Quarter, policy: QuotaPolicy
) -> list[CoverageRow]:
    """Expected and received assessments per person for a quarter (see _coverage_lines), furthest
    behind first."""
    return [_row(line) for line in _coverage_lines(people, quarter, policy)]


def pseudonymised(rows: Iterable[CoverageRow], start: int = 1) -> list[CoverageRow]:
    """Rows numbered in their order instead of named, for readers who see aggregates only."""
    return [
        CoverageRow(0, f"Prosecutor {i}", r.unit, r.team, r.expected, r.received, r.explanation)
        for i, r in enumerate(rows, start=start)
    ]


def coverage(*, user: Any, quarter: rules.Quarter) -> tuple[list[CoverageRow], bool]:
    """Coverage rows for the user's scope, and whether names are shown (else rows are numbered)."""
    rows = coverage_for(people=prosecutors_in_scope(user), quarter=quarter, policy=policy_on(quarter.starts_on))
    named = sees_names(user)
    return (rows if named else pseudonymised(rows)), named


@dataclass(frozen=True)
class CoverageSummary:
    """The coverage page: the first `shown` rows (furthest behind first) and counts over them all."""

    rows: list[CoverageRow]
    total: int
    behind: int
    named: bool


def coverage_summary(*, user: Any, quarter: rules.Quarter, shown: int) -> CoverageSummary:
    """As `coverage`, making rows only of those shown: the same names and numbers as the full table."""
    lines = _coverage_lines(prosecutors_in_scope(user), quarter, policy_on(quarter.starts_on))
    named = sees_names(user)
    first = [_row(line) for line in lines[:shown]]
    return CoverageSummary(
        rows=first if named else pseudonymised(first),
        total=len(lines),
        behind=sum(1 for line in lines if line[0]),
        named=named,
    )


# --- sampling --------------------------------------------------------------------------------------


def case_type_of(case: Case) -> str:
    categories = sorted(c.code for c in case.offence_categories.all())
    if categories:
        return categories[0]
    return case.acceptance_criterion.code if case.acceptance_criterion else "unspecified"


def sample_candidates(*, prosecutor: User, assessor: Any) -> list[rules.Candidate]:
    """The prosecutor's allocated cases the assessor can see, marked where the assessor works on them."""
    cases = (
        Case.objects.visible_to(assessor)
        .filter(allocated_lawyer=prosecutor)
        .select_related("acceptance_criterion")
        .prefetch_related("offence_categories")
    )
    return [
        rules.Candidate(
            case.pk,
            case.stage,
            case_type_of(case),
            assessor_involved=assessor.pk in (case.deputy_lawyer_id, case.allocated_lawyer_id),
        )
        for case in cases
    ]


def moderator_for(assessment: Assessment) -> User | None:
    """Another legal manager (or the unit head) of the unit: not the assessor, not the prosecutor.
    The least-loaded one is chosen so second marking is shared out."""
    candidates = (
        User.objects.filter(
            unit_id=assessment.unit_id, is_active=True, roles__code__in=[RoleCode.LEGAL_MANAGER, RoleCode.UNIT_HEAD]
        )
        .exclude(pk__in=[assessment.assessor_id, assessment.prosecutor_id])
        .distinct()
    )
    load = dict(
        Moderation.objects.filter(status=ModerationStatus.PENDING, moderator__in=candidates)
        .values("moderator_id")
        .annotate(n=Count("id"))
        .values_list("moderator_id", "n")
    )
    ordered = sorted(candidates, key=lambda u: (load.get(u.pk, 0), u.pk))
    return ordered[0] if ordered else None


def relationship(user: Any, assessment: Assessment) -> str:
    """Why this user may read this assessment: the justification for the consult event."""
    if assessment.prosecutor_id == user.pk:
        return "Own assessment"
    if assessment.assessor_id == user.pk:
        return "Assessor"
    if getattr(assessment.prosecutor, "line_manager_id", None) == user.pk:
        return "Line manager of the prosecutor"
    if Moderation.objects.filter(assessment=assessment, moderator=user).exists():
        return "Second marker"
    if user.has_role(RoleCode.UNIT_HEAD):
        return "Unit head"
    return "Named quality oversight (permission)"


# --- the draft being edited ----------------------------------------------------------------------


def draft_snapshot(assessment_id: int) -> tuple[int, dict[str, list[str]]]:
    """The saved draft as its edit form shows it: the version, then the overall comments ("summary")
    and each given answer as [value, comment] by question code (what a conflict is compared on)."""
    version, summary = Assessment.objects.filter(pk=assessment_id).values_list("version", "summary").get()
    snapshot: dict[str, list[str]] = {"summary": [summary]}
    for code, value, comment in (
        AssessmentAnswer.objects.filter(assessment_id=assessment_id)
        .order_by("question__section__order", "question__order")
        .values_list("question__code", "value", "comment")
    ):
        snapshot[code] = [value, comment]
    return version, snapshot


# --- lists -------------------------------------------------------------------------------------------


def assessments_for(user: Any) -> QuerySet[Assessment]:
    return Assessment.objects.visible_to(user).select_related("case", "prosecutor", "assessor", "unit")


def moderations_for(user: Any) -> QuerySet[Moderation]:
    return (
        Moderation.objects.filter(moderator=user)
        .select_related("assessment", "assessment__case")
        .order_by("status", "created_at")
    )


@dataclass(frozen=True)
class Overdue:
    assessment_id: int
    step: str
    due_on: dt.date
    owner_id: int


def overdue_steps(*, assessments: Iterable[Assessment], policy: QuotaPolicy, today: dt.date) -> list[Overdue]:
    """Reminders: feedback not given in time (assessor), acknowledgement not given (prosecutor)."""
    found = []
    for a in assessments:
        if a.status == AssessmentStatus.SUBMITTED and a.submitted_at:
            due = clock.local(a.submitted_at).date() + dt.timedelta(days=policy.feedback_days)
            if today > due:
                found.append(Overdue(a.pk, "Give feedback", due, a.assessor_id))
        if a.status == AssessmentStatus.FEEDBACK_GIVEN and a.feedback_meeting_on:
            due = a.feedback_meeting_on + dt.timedelta(days=policy.acknowledge_days)
            if today > due:
                found.append(Overdue(a.pk, "Acknowledge feedback", due, a.prosecutor_id))
    return found


# --- analytics -------------------------------------------------------------------------------------


@dataclass
class Bar:
    label: str
    value: float | None
    count: int

    @property
    def percent(self) -> int:
        return round((self.value or 0) * 100)


@dataclass
class Analytics:
    named: bool
    assessments: int
    by_standard: list[Bar] = field(default_factory=list)
    by_question: list[Bar] = field(default_factory=list)
    by_unit: list[Bar] = field(default_factory=list)
    by_team: list[Bar] = field(default_factory=list)
    by_prosecutor: list[Bar] = field(default_factory=list)
    by_quarter: list[Bar] = field(default_factory=list)
    failure_points: list[Bar] = field(default_factory=list)
    leniency: list[tuple[str, rules.Leniency]] = field(default_factory=list)
    agreement_by_question: list[tuple[str, rules.Agreement]] = field(default_factory=list)
    agreement_by_assessor: list[tuple[str, rules.Agreement]] = field(default_factory=list)
    feedback_on_time: Bar | None = None
    alpha: float = 0.05
    #: When stored figures were worked out (None: counted for this request).
    as_of: dt.datetime | None = None


class _Tally:
    """Answers counted by kind: all of them, then fully, partially and not met, and not applicable."""

    __slots__ = ("fully", "na", "not_met", "partially", "total")

    def __init__(self) -> None:
        self.total = self.fully = self.partially = self.not_met = self.na = 0

    def add(self, total: int, fully: int, partially: int, not_met: int, na: int) -> None:
        self.total += total
        self.fully += fully
        self.partially += partially
        self.not_met += not_met
        self.na += na

    @property
    def scored(self) -> int:
        return self.fully + self.partially + self.not_met

    def bar(self, label: str) -> Bar:
        return Bar(label, rules.score_of_counts(self.fully, self.partially, self.not_met), self.total)


#: The kinds of answer counted: all of them, then by value (as `_Tally.add` takes them).
_ANSWER_KINDS = {
    "total": None,
    "fully": rules.FULLY_MET,
    "partially": rules.PARTIALLY_MET,
    "not_met": rules.NOT_MET,
    "na": rules.NA,
}


def _answer_count(kind: str | None, prefix: str = "") -> Count:
    """Answers (of one kind), counted by the database rather than row by row here."""
    if kind is None:
        return Count(f"{prefix}pk")
    return Count(f"{prefix}pk", filter=Q(**{f"{prefix}value": kind}))


def _answer_counts(answers: QuerySet[AssessmentAnswer], by: str) -> list[tuple[Any, ...]]:
    """(key, total, fully, partially, not met, N/A) per value of `by`, unsorted."""
    kinds = {name: _answer_count(kind) for name, kind in _ANSWER_KINDS.items()}
    return plain_rows(answers.values(by).annotate(**kinds).values_list(by, *kinds))  # type: ignore[arg-type]


def _summed(groups: dict[Any, list[tuple[int, ...]]]) -> dict[Any, list[int]]:
    """Counts per key, from the (assessment id, counts...) rows gathered under it, summed column by
    column (the id column is dropped)."""
    return {key: list(map(sum, zip(*rows, strict=True)))[1:] for key, rows in groups.items()}


def _bars(groups: dict[str, _Tally]) -> list[Bar]:
    return [tally.bar(label) for label, tally in sorted(groups.items())]


def _labelled(counts: dict[Any, list[int]], label: Any) -> dict[str, _Tally]:
    """Counts per id as tallies per label (ids sharing a label, such as two teams of one name, add up)."""
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    for key, tally in counts.items():
        tallies[label(key)].add(*tally)
    return tallies


def analytics(
    *, user: Any, since: dt.date | None = None, until: dt.date | None = None, live: bool = False
) -> Analytics:
    """Scores and marking statistics over the assessments in the user's aggregate scope: for a
    national, area or unit-head reader over all periods, the stored figures of their scope (as at
    the last refresh) where there are any; otherwise counted now."""
    from casework.quality import analytics_store

    if not (since or until or live):
        stored = analytics_store.stored_for(user)
        if stored is not None:
            return stored
    scope = Assessment.objects.aggregate_scope(user)
    if since:
        scope = scope.filter(submitted_at__date__gte=since)
    if until:
        scope = scope.filter(submitted_at__date__lte=until)
    # A scope of the reader's own (a legal manager's or prosecutor's: visible_to, several joined
    # conditions) is read once as ids; a shared scope stays a subquery (all of a nation's ids would
    # be one very long parameter).
    own = Assessment.objects.shared_scope_key(user) is None
    return analytics_of(scope, named=sees_names(user), policy_day=until or clock.today(), read_once=own)


def analytics_of(
    scope: QuerySet[Assessment], *, named: bool, policy_day: dt.date, read_once: bool = False
) -> Analytics:
    """Scores and marking statistics over these assessments; names shown only when `named`.
    `read_once`: read the scope's ids first and pass them as one parameter, rather than have each of
    the five statements below work the scope out again."""
    policy = policy_on(policy_day)
    # One narrow row per assessment (newest first: the order pseudonyms are handed out in), and the
    # answers counted by kind per assessment and per question, filtered by the scope as a subquery.
    # Every score, count and fully-met rate below adds up those counts: going through 100,000
    # answers one by one in Python (and binding every assessment id as a parameter, or sorting the
    # answers) made this page take seconds on PostgreSQL. Names and question texts come from small
    # lookups.
    counted: Any = scope.order_by().values("pk")
    if read_once:
        counted = among(counted.values_list("pk", flat=True), using=scope.db)
    answers_in_scope = AssessmentAnswer.objects.filter(assessment_id__in=counted).order_by()
    # The assessments (from the subquery of ids, not the scope, whose joins could repeat one), and
    # their answers counted by kind, grouped by assessment without the assessment's columns or order.
    # Read as the driver returns them (`plain_rows`): ids, quarters and counts need no conversion,
    # and Django's (an int() per count per row) was about a tenth of the page's CPU time.
    assessments = plain_rows(
        Assessment.objects.filter(pk__in=counted)
        .order_by("-created_at", "-id")
        .values_list("pk", "prosecutor_id", "assessor_id", "unit_id", "team_id", "quarter")
    )
    per_assessment = {row[0]: row for row in _answer_counts(answers_in_scope, "assessment_id")}
    per_question = _answer_counts(answers_in_scope, "question_id")
    questions = {
        pk: (code, text, standard)
        for pk, code, text, standard in Question.objects.filter(pk__in={row[0] for row in per_question}).values_list(
            "pk", "code", "text", "section__standard"
        )
    }
    units = dict(Unit.objects.values_list("pk", "name"))
    teams = dict(Team.objects.values_list("pk", "name"))
    # The counts of each answered assessment gathered per prosecutor, assessor, unit, team and
    # quarter, newest assessment first: a dict keeps the order of first appearance, which is the
    # order people are numbered in. Summed column by column at the end rather than added one
    # assessment at a time (five `_Tally.add` calls per assessment were most of this function's
    # own Python time).
    gathered: tuple[dict[Any, list[tuple[int, ...]]], ...] = tuple(defaultdict(list) for _ in range(5))
    by_prosecutor_id, by_assessor_id, by_unit_id, by_team_id, by_quarter = gathered
    counted_for = per_assessment.get
    for pk, prosecutor, assessor, unit, team, quarter in assessments:
        counts = counted_for(pk)
        if counts is None:  # no answers: neither numbered nor counted
            continue
        by_prosecutor_id[prosecutor].append(counts)
        by_assessor_id[assessor].append(counts)
        by_unit_id[unit].append(counts)
        by_team_id[team].append(counts)
        by_quarter[quarter].append(counts)
    per_prosecutor, per_assessor, per_unit, per_team, per_quarter = (_summed(group) for group in gathered)
    # Names carry the username: two people may share a name, and groups must never merge them.
    names = (
        {
            pk: f"{first} {last} ({username})".strip()
            for pk, first, last, username in User.objects.filter(
                pk__in=among(per_prosecutor.keys() | per_assessor.keys(), using=User.objects.db)
            ).values_list("pk", "first_name", "last_name", "username")
        }
        if named
        else {}
    )
    pseudonyms: dict[tuple[str, int], str] = {}
    numbered: dict[str, int] = defaultdict(int)

    def who(kind: str, pk: int) -> str:
        if named:
            return names.get(pk, f"{kind} {pk}")
        key = (kind, pk)
        if key not in pseudonyms:
            numbered[kind] += 1
            pseudonyms[key] = f"{kind} {numbered[kind]}"
        return pseudonyms[key]

    groups: dict[str, dict[str, _Tally]] = {
        "prosecutor": _labelled(per_prosecutor, lambda pk: who("Prosecutor", pk)),
        "unit": _labelled(per_unit, units.__getitem__),
        "team": _labelled(per_team, lambda pk: teams.get(pk) or "No team"),
        "quarter": _labelled(per_quarter, str),
        "standard": defaultdict(_Tally),
        "question": defaultdict(_Tally),
    }
    by_assessor = _labelled(per_assessor, lambda pk: who("Assessor", pk))
    for question_id, *of_question in per_question:
        code, text, standard = questions[question_id]
        groups["standard"][standard].add(*of_question)
        groups["question"][f"{code}: {text}"].add(*of_question)
    result = Analytics(named=named, assessments=len(assessments), alpha=float(policy.significance))
    result.by_standard = _bars(groups["standard"])
    result.by_question = _bars(groups["question"])
    result.by_unit = _bars(groups["unit"])
    result.by_team = _bars(groups["team"])
    result.by_prosecutor = _bars(groups["prosecutor"])
    result.by_quarter = _bars(groups["quarter"])
    result.failure_points = sorted(
        (
            Bar(label, (tally.partially + tally.not_met) / tally.scored, tally.scored)
            for label, tally in groups["question"].items()
            if tally.scored
        ),
        key=lambda b: (-(b.value or 0), b.label),
    )[:5]
    # Second marks paired with the first marks of the same question, counted per (assessor,
    # question, first, second) by the database.
    # The first mark of the same question joined on (assessment, question): a real join, where a
    # correlated subquery looked the first mark up once per second mark (and twice, to drop the
    # questions without one).
    first_mark = FilteredRelation(
        "moderation__assessment__answers", condition=Q(moderation__assessment__answers__question=F("question"))
    )
    pairs = plain_rows(
        ModerationAnswer.objects.filter(
            moderation__assessment_id__in=counted,
            moderation__status__in=[ModerationStatus.COMPLETED, ModerationStatus.RESOLVED],
        )
        .annotate(first=first_mark)
        .filter(first__isnull=False)
        .order_by()
        .values("moderation__assessment__assessor_id", "question_id", "first__value", "value")
        .annotate(n=Count("pk"))
        .values_list("moderation__assessment__assessor_id", "question_id", "first__value", "value", "n")
    )
    moderated: list[tuple[str, str, str, int]] = []
    by_question_rows: list[tuple[str, str, str, int]] = []
    for assessor, question_id, first, second, n in pairs:
        moderated.append((who("Assessor", assessor), first, second, n))
        by_question_rows.append((questions[question_id][0], first, second, n))
    answered = {
        key: (tally.total - tally.na, tally.fully) for key, tally in by_assessor.items() if tally.total > tally.na
    }
    result.leniency = [
        (item.assessor_key, item) for item in rules.leniency_of_counts(answered, moderated, alpha=result.alpha)
    ]
    result.agreement_by_question = list(rules.agreement_by_counts(by_question_rows).items())
    result.agreement_by_assessor = list(rules.agreement_by_counts(moderated).items())
    # From the subquery of ids, not the (DISTINCT) scope: identical date pairs must not collapse.
    # Counted per (day submitted in London, feedback meeting day): a few hundred rows, not one per
    # assessment.
    timed = (
        Assessment.objects.filter(pk__in=counted, submitted_at__isnull=False)
        .order_by()
        .values("feedback_meeting_on", submitted_on=TruncDate("submitted_at", tzinfo=clock.LONDON))
        .annotate(n=Count("pk"))
        .values_list("submitted_on", "feedback_meeting_on", "n")
    )
    total = on_time = 0
    for submitted_on, met, n in timed:
        total += n
        if met is not None and not rules.feedback_overdue(
            submitted_on=submitted_on, feedback_on=met, today=met, days=policy.feedback_days
        ):
            on_time += n
    if total:
        result.feedback_on_time = Bar(f"Feedback within {policy.feedback_days} days", on_time / total, total)
    return result


# --- assurance facts ---------------------------------------------------------------------------------


def assurance_facts(case_ids: list[int], today: dt.date) -> dict[int, Any]:
    """Facts for the IQA assurance rules, per case: the allocated lawyer's quota and receipts for
    the last complete quarter, and the timeliness of feedback on this case's assessments."""
    quarter = rules.Quarter.of(today).previous()
    policy = policy_on(quarter.starts_on)
    lawyers = dict(
        Case.objects.filter(pk__in=among(case_ids), allocated_lawyer__isnull=False).values_list(
            "pk", "allocated_lawyer_id"
        )
    )
    prosecutors = User.objects.filter(
        pk__in=among(set(lawyers.values()), using=User.objects.db), roles__code=RoleCode.PROSECUTOR
    ).distinct()
    rows = {r.person_id: r for r in coverage_for(people=prosecutors, quarter=quarter, policy=policy)} if lawyers else {}
    feedback: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for pk, case_id, submitted_at, meeting_on in Assessment.objects.filter(
        case_id__in=among(case_ids), submitted_at__isnull=False
    ).values_list("pk", "case_id", "submitted_at", "feedback_meeting_on"):
        if submitted_at is None:  # excluded by the filter; narrows the type
            continue
        feedback[case_id].append(
            {"assessment_id": pk, "submitted_on": clock.local(submitted_at).date(), "feedback_on": meeting_on}
        )
    facts: dict[int, Any] = {}
    for case_id in case_ids:
        lawyer = lawyers.get(case_id)
        row = rows.get(lawyer) if lawyer else None
        facts[case_id] = {
            "quarter": quarter.label,
            "prosecutor_id": lawyer if row else None,
            "expected": row.expected if row else None,
            "received": row.received if row else None,
            "quota_explanation": row.explanation if row else "",
            "assessments": feedback.get(case_id, []),
            "feedback_days": policy.feedback_days,
        }
    return facts
