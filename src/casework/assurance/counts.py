"""The assurance figures every page counts from: one selector per figure.

The assurance dashboard, the overviews and the case statuses all use these, so "Hearings without a
record sheet" or "Reviews overdue" is the same number everywhere and its drill-down lists exactly the
cases counted. Each takes the reader's cases (already narrowed by `Case.objects.visible_to`).
"""

from __future__ import annotations

from django.db.models import QuerySet

from casework.assurance.choices import Outcome, SignOffStatus
from casework.assurance.models import SignOffRequest, VerdictPeriod
from casework.cases.models import Case, rows_of_cases

#: The rule whose current verdict says a hearing has no (timely) record sheet.
HRS_RULE = "hrs.timely"
#: The rule whose current verdict says a case is overdue for its regular review.
REVIEW_RULE = "review.current"


def rule_not_met(*, cases: QuerySet[Case], rule_code: str) -> QuerySet[VerdictPeriod]:
    """Current "not met" verdicts of one rule on these cases, oldest failure first."""
    return (
        rows_of_cases(VerdictPeriod.objects.all(), cases)
        .filter(valid_to__isnull=True, outcome=Outcome.NOT_MET, rule_code=rule_code)
        .select_related("case", "case__allocated_lawyer", "case__unit")
        .order_by("valid_from", "case__urn", "pk")
    )


def hearings_without_record_sheet(*, cases: QuerySet[Case]) -> QuerySet[VerdictPeriod]:
    """Cases with a hearing whose record sheet is missing or was late (one row per case)."""
    return rule_not_met(cases=cases, rule_code=HRS_RULE)


def reviews_overdue(*, cases: QuerySet[Case]) -> QuerySet[VerdictPeriod]:
    """Open cases not reviewed within the review interval (one row per case)."""
    return rule_not_met(cases=cases, rule_code=REVIEW_RULE)


def signoffs_waiting(*, cases: QuerySet[Case]) -> QuerySet[SignOffRequest]:
    """Sign-off requests waiting for a decision, the longest waiting first."""
    return (
        rows_of_cases(SignOffRequest.objects.all(), cases)
        .filter(status=SignOffStatus.PENDING)
        .select_related("case", "checkpoint", "requested_by", "approver")
        .order_by("created_at", "pk")
    )


def signoffs_returned_to(*, user: object, cases: QuerySet[Case]) -> QuerySet[SignOffRequest]:
    """Sign-off requests the user made that a manager returned, still to act on (no later request
    at the same checkpoint), most recent first."""
    from django.db.models import Exists, OuterRef

    later = SignOffRequest.objects.filter(
        case_id=OuterRef("case_id"),
        checkpoint__code=OuterRef("checkpoint__code"),
        created_at__gt=OuterRef("created_at"),
    )
    return (
        SignOffRequest.objects.filter(case__in=cases.values("pk"), requested_by=user, status=SignOffStatus.RETURNED)
        .exclude(Exists(later))
        .select_related("case", "checkpoint", "decided_by")
        .order_by("-decided_at", "pk")
    )
