"""Demo records-management data: finalised case files in unit A past their retention date (some
under legal hold, one approved for disposal, one already disposed of) and a restricted case, so
`records.a` has a review to do and an inspector has a disposal log to read. Idempotent.

The case files are recorded through the case services (so their audit trail is real); only their
finalisation date is then moved into the past, which is what makes them due.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from casework.cases import services as case_services
from casework.cases.models import Case, CaseStageEntry
from casework.core import clock
from casework.people.models import User
from casework.records import services
from casework.records.choices import Decision, RecordType
from casework.records.models import LegalHold, RetentionDecision

#: (years ago finalised, hold reason or "") for the unit's closed case files, oldest plan first.
PLANS: tuple[tuple[float, str], ...] = (
    (9.5, ""),
    (8.2, "Appeal against conviction lodged out of time: Court of Appeal reference pending."),
    (7.6, ""),
    (6.4, ""),
    (5.1, "Civil claim for malicious prosecution issued against the CPS."),
    (4.8, ""),
)


def _already_loaded() -> bool:
    """Loaded once already (a small demo may leave too few closed files for a retention decision,
    so every kind of thing this demo makes counts as the mark)."""
    return (
        RetentionDecision.objects.exists()
        or LegalHold.objects.exists()
        or Case.objects.filter(restricted_at__isnull=False).exists()
    )


@transaction.atomic
def load_records_demo(*, seed: int = 1) -> dict[str, int]:
    officer = User.objects.filter(username="records.a").first()
    head = User.objects.filter(username="unithead.a").first()
    if officer is None or head is None or officer.unit_id is None or _already_loaded():
        return {"case_files": 0}
    unit_id: int = officer.unit_id
    today = clock.today()
    closed = list(
        Case.objects.filter(unit_id=unit_id, stage__in=["finalised", "nfa", "discontinued"])
        .order_by("pk")
        .values_list("pk", flat=True)[: len(PLANS)]
    )
    for case_id, (years, _) in zip(closed, PLANS, strict=False):
        # Only the finalisation date moves into the past: it is what makes the file due.
        finalised = clock.now() - dt.timedelta(days=round(365.25 * years))
        case = Case.objects.get(pk=case_id)
        Case.objects.filter(pk=case_id).update(stage_changed_at=finalised)
        CaseStageEntry.objects.filter(case_id=case_id, stage=case.stage).update(entered_at=finalised)
    for case_id, (_, hold_reason) in zip(closed, PLANS, strict=False):
        if hold_reason:
            services.hold_place(
                actor=officer,
                record_type=RecordType.CASE_FILE,
                record_id=str(case_id),
                reason=hold_reason,
                until=today + dt.timedelta(days=365),
            )
    counts = {"case_files": len(closed), "held": sum(1 for _, (_, r) in zip(closed, PLANS, strict=False) if r)}
    if len(closed) >= 4:
        services.retention_decide(
            actor=officer,
            record_type=RecordType.CASE_FILE,
            record_id=str(closed[2]),
            decision=Decision.APPROVE,
            reason="Retention period over; no appeal or claim pending.",
        )
        services.retention_decide(
            actor=officer,
            record_type=RecordType.CASE_FILE,
            record_id=str(closed[3]),
            decision=Decision.EXTEND,
            reason="Complaint to the Inspectorate still open.",
            keep_until=today + dt.timedelta(days=180),
        )
        services.dispose_case_now(
            approver_username=officer.username, case_id=closed[0], reason="Retention period over; nothing pending."
        )
        counts["disposed"] = 1
    open_case = Case.objects.filter(unit_id=unit_id, stage="trial_preparation").order_by("pk").first()
    if open_case is not None:
        case_services.case_restrict(
            actor=head, case_id=open_case.pk, reason="The defendant contests the accuracy of the recorded address."
        )
        counts["restricted"] = 1
    return counts
