"""Every figure the overviews show, each from one selector shared with the other pages that show it.

A Figure names what it counts ("custody time limits expiring within 28 days"), the selector that
returns the counted items most urgent first (progression.counts, assurance.counts, or the quality and
partners reads), and how one item reads as a row of its drill-down. The overview's number is the
count of those items; the drill-down lists exactly those items ("53 limits on 22 cases"), with the
date and the days left or overdue. The unit board and the assurance and oversight dashboards link
their figures here, so every number has one definition and one list behind it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse

from casework.assurance import counts as assurance_counts
from casework.cases.models import Case
from casework.partners.choices import OPEN_REFERRAL_STATUSES, ReferralStatus
from casework.partners.models import ActionPlan, Referral
from casework.progression import counts as progression_counts
from casework.workday import rules
from casework.workday.scope import FORCE, MINE, NATIONAL, UNIT, Scope
from casework.workday.status import ready_to_allocate_q

CASE_SCOPES = frozenset({MINE, UNIT, NATIONAL})
MANAGED = frozenset({UNIT, NATIONAL})


@dataclass(frozen=True)
class Row:
    """One counted item as a drill-down row."""

    case: Case | None
    what: str
    date: dt.date | None
    date_label: str
    detail: str = ""
    #: Where to act on the item (defaults to the case page).
    link: str = ""
    link_text: str = ""
    flag: str = ""

    def days(self, today: dt.date) -> int | None:
        return None if self.date is None else (self.date - today).days

    def urgency(self, today: dt.date) -> str:
        return rules.urgency_of(self.date, today)


@dataclass(frozen=True)
class Figure:
    key: str
    title: str
    #: The counted thing, singular and plural ("limit", "limits").
    noun: tuple[str, str]
    #: The counted items, most urgent first.
    items: Callable[[Scope, dt.date], QuerySet[Any] | Sequence[Any]]
    row: Callable[[Any, dt.date], Row]
    scopes: frozenset[str]
    #: Where the counted items belong on the overview ("Custody", "Deadlines" ...).
    group: str
    #: The path from an item to its case, for "on N cases" (None: the items are not cases' parts).
    case_path: str | None = "case"
    #: Red when there is at least one: every item is a problem, not just work due.
    problem: bool = False
    #: False: a list other pages link to (the board's 14-day window) that the overview leaves out.
    on_overview: bool = True
    #: The items depend on who reads (their own sign-offs, their feedback), not only on the cases in
    #: scope: never stored, always counted live.
    per_reader: bool = False

    @property
    def stored(self) -> bool:
        """Counted from the cases alone, so stored per unit and per person (workday.tallies)."""
        return self.case_path is not None and not self.per_reader

    def totals(self, scope: Scope, today: dt.date) -> tuple[int, int | None]:
        """How many items, and on how many cases where the figure says so ("53 limits on 22 cases",
        None otherwise or when there are none): one scan of the items."""
        return totals_of(self, self.items(scope, today))

    def describe(self, count: int, cases: int | None) -> str:
        """ "53 limits on 22 cases"."""
        text = rules.plural(count, *self.noun)
        if cases is not None and self.case_path not in (None, "pk"):
            text += f" on {rules.plural(cases, 'case')}"
        return text


def totals_of(figure: Figure, items: QuerySet[Any] | Sequence[Any]) -> tuple[int, int | None]:
    says_cases = figure.case_path not in (None, "pk")
    if not isinstance(items, QuerySet):
        total = len(items)
        cases = {getattr(item, f"{figure.case_path}_id", None) for item in items} if says_cases and total else None
        return total, None if cases is None else len(cases)
    if not says_cases:
        return items.count(), None
    row = items.order_by().aggregate(total=Count("pk"), cases=Count(str(figure.case_path), distinct=True))
    return row["total"], row["cases"] if row["total"] else None


# --- rows ------------------------------------------------------------------------------------------


def _defendant_charge(clock: Any) -> str:
    charge = clock.charge
    return f"{charge.defendant} – {charge.offence}" if charge else ""


def _dual_check(clock: Any) -> str:
    if clock.checked_expiry and clock.checked_expiry == clock.expires_on:
        return "Dual-checked"
    if clock.checked_expiry:
        return "Not dual-checked (the date changed since the check)"
    return "Not dual-checked"


def _clock_row(clock: Any, today: dt.date) -> Row:
    check = _dual_check(clock)
    flag = "Not dual-checked" if check != "Dual-checked" else ""
    return Row(clock.case, _defendant_charge(clock), clock.expires_on, "Expires", check, flag=flag)


def _failure_row(failure: Any, today: dt.date) -> Row:
    return Row(failure.case, failure.detail[:200], failure.expired_on, "Expired")


def _extension_row(application: Any, today: dt.date) -> Row:
    return Row(
        application.clock.case,
        _defendant_charge(application.clock),
        application.hearing_on,
        "Hearing was",
        "No decision recorded after the hearing",
        flag="Decision not recorded",
    )


def _deadline_row(deadline: Any, today: dt.date) -> Row:
    owner = deadline.owner.display_name if deadline.owner_id else "No owner"
    return Row(deadline.case, deadline.title, deadline.due_on, "Due", owner)


def _task_row(task: Any, today: dt.date) -> Row:
    owner = task.assignee.display_name if task.assignee_id else (str(task.team) if task.team_id else "No owner")
    return Row(task.case, task.title, task.due_on, "Due", owner)


def _verdict_row(verdict: Any, today: dt.date) -> Row:
    return Row(verdict.case, verdict.reason, verdict.valid_from.date(), "Since", verdict.remedy)


def _signoff_row(request: Any, today: dt.date) -> Row:
    waited = (today - request.created_at.date()).days
    return Row(
        request.case,
        request.checkpoint.title,
        request.created_at.date(),
        "Requested",
        f"Requested by {request.requested_by.display_name}; waiting {rules.plural(waited, 'day')}",
        link=reverse("assurance:signoff_decide", args=[request.pk]),
        link_text="Decide",
    )


def _returned_row(request: Any, today: dt.date) -> Row:
    by = request.decided_by.display_name if request.decided_by_id else "a legal manager"
    return Row(
        request.case,
        request.checkpoint.title,
        request.decided_at.date() if request.decided_at else None,
        "Returned",
        f"Returned by {by}: {request.rationale or request.note}"[:300],
    )


def _case_row(case: Any, today: dt.date) -> Row:
    lawyer = case.allocated_lawyer.display_name if case.allocated_lawyer_id else "Unassigned"
    return Row(
        case,
        case.operation_name or case.get_stage_display(),
        case.accepted_on,
        "Accepted",
        f"{case.get_stage_display()}; prosecutor: {lawyer}",
        link=reverse("resourcing:allocate", args=[case.pk])
        + "?next="
        + reverse("workday:figure", args=["ready-to-allocate"]),
        link_text="Allocate",
    )


def _assessment_row(assessment: Any, today: dt.date) -> Row:
    return Row(
        assessment.case,
        f"Quality assessment by {assessment.assessor.display_name}",
        assessment.updated_at.date(),
        "Feedback given",
        link=reverse("quality:assessment", args=[assessment.pk]),
        link_text="Read and acknowledge",
    )


def _coverage_row(line: Any, today: dt.date) -> Row:
    return Row(
        None,
        line.name,
        None,
        "",
        f"{line.received} of {line.expected} assessments this quarter; {line.behind} still due",
        link=reverse("quality:coverage"),
        link_text="Coverage",
    )


def _referral_row(referral: Any, today: dt.date) -> Row:
    due = referral.acknowledge_due_on if referral.acknowledged_on is None else referral.respond_due_on
    label = "Acknowledge by" if referral.acknowledged_on is None else "Answer by"
    missing = ", ".join(referral.missing_items) if referral.missing_items else ""
    return Row(
        None,
        f"{referral.reference}: {referral.get_kind_display()} from {referral.force}",
        due,
        label,
        f"Still missing: {missing}" if missing else referral.get_status_display(),
        link=reverse("partners:referral", args=[referral.pk]),
        link_text=referral.reference,
    )


def _police_referral_row(referral: Any, today: dt.date) -> Row:
    row = _referral_row(referral, today)
    return Row(
        None,
        row.what,
        row.date,
        row.date_label,
        row.detail,
        reverse("partners:portal_referral", args=[referral.pk]),
        row.link_text,
    )


def _action_plan_row(plan: Any, today: dt.date) -> Row:
    return Row(
        None,
        f"Action plan on {plan.referral.reference}",
        plan.response_due_on,
        "Answer by",
        plan.actions[:200],
        link=reverse("partners:portal_referral", args=[plan.referral_id]),
        link_text=plan.referral.reference,
    )


# --- items -----------------------------------------------------------------------------------------


def _iqa_to_acknowledge(scope: Scope, today: dt.date) -> QuerySet[Any]:
    from casework.quality.choices import AssessmentStatus
    from casework.quality.selectors import assessments_for

    return (
        assessments_for(scope.user)
        .filter(prosecutor=scope.user, status=AssessmentStatus.FEEDBACK_GIVEN)
        .select_related("case", "assessor")
        .order_by("updated_at", "pk")
    )


def _iqa_due(scope: Scope, today: dt.date) -> list[Any]:
    from casework.quality import rules as quality_rules
    from casework.quality import selectors as quality

    quarter = quality_rules.Quarter.of(today)
    people = quality.prosecutors_in_scope(scope.user)
    if scope.unit is not None:
        people = people.filter(unit=scope.unit)
    lines = quality.coverage_for(people=people, quarter=quarter, policy=quality.policy_on(quarter.starts_on))
    return [line for line in lines if line.behind]


def _referrals(scope: Scope) -> QuerySet[Referral]:
    referrals = Referral.objects.visible_to(scope.user).select_related("force")
    if scope.unit is not None:
        referrals = referrals.filter(unit=scope.unit)
    return referrals


def _referrals_to_triage(scope: Scope, today: dt.date) -> QuerySet[Referral]:
    return _referrals(scope).filter(status=ReferralStatus.SUBMITTED).order_by("acknowledge_due_on", "pk")


def _referrals_past_time(scope: Scope, today: dt.date) -> QuerySet[Referral]:
    late = Q(acknowledged_on__isnull=True, acknowledge_due_on__lt=today) | Q(
        responded_on__isnull=True, respond_due_on__lt=today
    )
    return _referrals(scope).filter(late, status__in=OPEN_REFERRAL_STATUSES).order_by("respond_due_on", "pk")


def _referrals_waiting_cps(scope: Scope, today: dt.date) -> QuerySet[Referral]:
    return _referrals(scope).filter(status__in=OPEN_REFERRAL_STATUSES).order_by("respond_due_on", "pk")


def _action_plans_to_answer(scope: Scope, today: dt.date) -> QuerySet[ActionPlan]:
    return (
        ActionPlan.objects.filter(referral__in=_referrals(scope).values("pk"), answered_on__isnull=True)
        .select_related("referral")
        .order_by("response_due_on", "pk")
    )


def _ready_to_allocate(scope: Scope, today: dt.date) -> QuerySet[Case]:
    return (
        scope.cases()
        .filter(ready_to_allocate_q())
        .select_related("allocated_lawyer", "unit")
        .order_by(F("accepted_on").asc(nulls_last=True), "urn")
    )


def _cases_of(scope: Scope) -> QuerySet[Case]:
    return scope.cases()


FIGURES: tuple[Figure, ...] = (
    Figure(
        "ctl-within-7",
        f"Custody time limits expiring within {progression_counts.CTL_URGENT_DAYS} days",
        ("limit", "limits"),
        lambda s, t: progression_counts.ctl_expiring(
            cases=_cases_of(s), today=t, within_days=progression_counts.CTL_URGENT_DAYS
        ),
        _clock_row,
        CASE_SCOPES,
        "Custody time limits",
        problem=True,
    ),
    Figure(
        "ctl-within-28",
        f"Custody time limits expiring within {progression_counts.CTL_WINDOWS[0]} days",
        ("limit", "limits"),
        lambda s, t: progression_counts.ctl_expiring(cases=_cases_of(s), today=t),
        _clock_row,
        CASE_SCOPES,
        "Custody time limits",
    ),
    Figure(
        "ctl-within-14",
        "Custody time limits expiring within 14 days",
        ("limit", "limits"),
        lambda s, t: progression_counts.ctl_expiring(cases=_cases_of(s), today=t, within_days=14),
        _clock_row,
        CASE_SCOPES,
        "Custody time limits",
        on_overview=False,
    ),
    Figure(
        "ctl-not-dual-checked",
        f"Custody time limits within {progression_counts.CTL_WINDOWS[0]} days not dual-checked",
        ("limit", "limits"),
        lambda s, t: progression_counts.ctl_not_dual_checked(cases=_cases_of(s), today=t),
        _clock_row,
        CASE_SCOPES,
        "Custody time limits",
        problem=True,
    ),
    Figure(
        "ctl-extension-undecided",
        "Extension hearings passed with no decision recorded",
        ("application", "applications"),
        lambda s, t: progression_counts.extensions_undecided_after_hearing(cases=_cases_of(s), today=t),
        _extension_row,
        CASE_SCOPES,
        "Custody time limits",
        case_path="clock__case",
        problem=True,
    ),
    Figure(
        "ctl-expired",
        "Custody time limits expired",
        ("limit", "limits"),
        lambda s, t: progression_counts.ctl_expired(cases=_cases_of(s), today=t),
        _clock_row,
        CASE_SCOPES,
        "Custody time limits",
        problem=True,
    ),
    Figure(
        "ctl-failures",
        "Custody time limit failures in the last 12 months",
        ("failure", "failures"),
        lambda s, t: progression_counts.ctl_failures(cases=_cases_of(s), today=t),
        _failure_row,
        MANAGED,
        "Custody time limits",
        problem=True,
    ),
    Figure(
        "deadlines-overdue",
        "Deadlines overdue",
        ("deadline", "deadlines"),
        lambda s, t: progression_counts.deadlines_overdue(cases=_cases_of(s), today=t),
        _deadline_row,
        CASE_SCOPES,
        "Deadlines and tasks",
        problem=True,
    ),
    Figure(
        "deadlines-due-soon",
        f"Deadlines due in the next {progression_counts.DUE_SOON_DAYS} days",
        ("deadline", "deadlines"),
        lambda s, t: progression_counts.deadlines_due_soon(cases=_cases_of(s), today=t),
        _deadline_row,
        CASE_SCOPES,
        "Deadlines and tasks",
    ),
    Figure(
        "tasks-overdue",
        "Tasks overdue",
        ("task", "tasks"),
        lambda s, t: progression_counts.tasks_overdue(cases=_cases_of(s), today=t),
        _task_row,
        CASE_SCOPES,
        "Deadlines and tasks",
        problem=True,
    ),
    Figure(
        "hrs-missing",
        "Hearings without a record sheet",
        ("case", "cases"),
        lambda s, t: assurance_counts.hearings_without_record_sheet(cases=_cases_of(s)),
        _verdict_row,
        CASE_SCOPES,
        "Deadlines and tasks",
        problem=True,
    ),
    Figure(
        "reviews-overdue",
        "Reviews overdue",
        ("case", "cases"),
        lambda s, t: assurance_counts.reviews_overdue(cases=_cases_of(s)),
        _verdict_row,
        CASE_SCOPES,
        "Deadlines and tasks",
        problem=True,
    ),
    Figure(
        "signoffs-waiting",
        "Sign-offs waiting for a decision",
        ("sign-off", "sign-offs"),
        lambda s, t: assurance_counts.signoffs_waiting(cases=_cases_of(s)),
        _signoff_row,
        MANAGED,
        "Decisions and allocation",
    ),
    Figure(
        "signoffs-returned",
        "Sign-offs returned to you",
        ("sign-off", "sign-offs"),
        lambda s, t: assurance_counts.signoffs_returned_to(user=s.user, cases=_cases_of(s)),
        _returned_row,
        frozenset({MINE}),
        "Decisions and allocation",
        per_reader=True,
    ),
    Figure(
        "ready-to-allocate",
        "Cases ready to allocate",
        ("case", "cases"),
        _ready_to_allocate,
        _case_row,
        MANAGED,
        "Decisions and allocation",
        case_path="pk",
    ),
    Figure(
        "iqa-to-acknowledge",
        "Quality feedback to acknowledge",
        ("assessment", "assessments"),
        _iqa_to_acknowledge,
        _assessment_row,
        frozenset({MINE}),
        "Quality",
        per_reader=True,
    ),
    Figure(
        "iqa-due",
        "Prosecutors with quality assessments still due this quarter",
        ("prosecutor", "prosecutors"),
        _iqa_due,
        _coverage_row,
        frozenset({UNIT}),
        "Quality",
        case_path=None,
    ),
    Figure(
        "referrals-to-triage",
        "Police requests awaiting triage",
        ("request", "requests"),
        _referrals_to_triage,
        _referral_row,
        frozenset({UNIT}),
        "Police requests",
        case_path=None,
    ),
    Figure(
        "referrals-past-time",
        "Police requests past the agreed time",
        ("request", "requests"),
        _referrals_past_time,
        _referral_row,
        frozenset({UNIT}),
        "Police requests",
        case_path=None,
        problem=True,
    ),
    Figure(
        "force-waiting",
        "Requests waiting for the CPS's answer",
        ("request", "requests"),
        _referrals_waiting_cps,
        _police_referral_row,
        frozenset({FORCE}),
        "Your requests",
        case_path=None,
    ),
    Figure(
        "force-past-time",
        "Requests the CPS has not answered in the agreed time",
        ("request", "requests"),
        _referrals_past_time,
        _police_referral_row,
        frozenset({FORCE}),
        "Your requests",
        case_path=None,
        problem=True,
    ),
    Figure(
        "force-action-plans",
        "Action plans for your force to answer",
        ("action plan", "action plans"),
        _action_plans_to_answer,
        _action_plan_row,
        frozenset({FORCE}),
        "Your requests",
        case_path=None,
    ),
)

BY_KEY = {figure.key: figure for figure in FIGURES}


def figures_for(scope: Scope) -> list[Figure]:
    """Every figure this scope has a list for (including those only other pages link to)."""
    return [figure for figure in FIGURES if scope.kind in figure.scopes]


def overview_figures(scope: Scope) -> list[Figure]:
    return [figure for figure in figures_for(scope) if figure.on_overview]
