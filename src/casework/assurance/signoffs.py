"""Reads for the sign-off loop: where each checkpoint of a case stands (approved, waiting, returned, not
requested), which may be requested now, and what an approver needs on the decision page (days waiting,
the case's verdicts, its key documents).

The callers have already put the case through `visible_to(user)`; these reads take the case itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Max

from casework.assurance import selectors
from casework.assurance.choices import Outcome, SignOffStatus
from casework.assurance.engine import CheckpointRule
from casework.assurance.models import SignOffRequest
from casework.cases.choices import DocumentKind
from casework.cases.models import Case, CaseDocument
from casework.core import clock

#: The documents an approver weighs a sign-off against: the strategy, disclosure and charging records.
KEY_DOCUMENTS = (DocumentKind.PSD, DocumentKind.DMD, DocumentKind.MG3)

#: Most serious failures first (the compliance panel sorts the same way).
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}

#: Each state: its words on screen and the GOV.UK tag colour (red is for problems only).
STATES: dict[str, tuple[str, str]] = {
    "approved": ("Approved", "govuk-tag--green"),
    "waiting": ("Waiting for a decision", "govuk-tag--blue"),
    "returned": ("Returned", "govuk-tag--orange"),
    "not_requested": ("Not requested", "govuk-tag--grey"),
}
_STATE_OF: dict[str, str] = {
    SignOffStatus.APPROVED.value: "approved",
    SignOffStatus.PENDING.value: "waiting",
    SignOffStatus.RETURNED.value: "returned",
}


def days_waiting(request: SignOffRequest, today: dt.date) -> int:
    """Whole days since the request was made (UK dates): 0 on the day it was asked for."""
    return max(0, (today - clock.local(request.created_at).date()).days)


@dataclass(frozen=True)
class CheckpointState:
    checkpoint: CheckpointRule
    state: str
    #: The latest request for the checkpoint (None when never requested, or only withdrawn).
    request: SignOffRequest | None
    days_waiting: int | None

    @property
    def label(self) -> str:
        return STATES[self.state][0]

    @property
    def tag_class(self) -> str:
        return STATES[self.state][1]

    @property
    def available(self) -> bool:
        """May be requested now: never asked for, or returned (asking again is the way to resubmit)."""
        return self.state in ("not_requested", "returned")


def checkpoint_states(*, case: Case, today: dt.date) -> list[CheckpointState]:
    """Every checkpoint in force with where it stands for the case (two queries)."""
    latest: dict[str, SignOffRequest] = {}
    for row in (
        SignOffRequest.objects.filter(case=case)
        .exclude(status=SignOffStatus.WITHDRAWN)
        .select_related("checkpoint", "requested_by", "approver", "decided_by")
        .order_by("-created_at", "-pk")
    ):
        latest.setdefault(row.checkpoint.code, row)
    states = []
    for checkpoint in selectors.checkpoints_in_force(today):
        request = latest.get(checkpoint.code)
        state = _STATE_OF.get(request.status, "not_requested") if request is not None else "not_requested"
        waiting = days_waiting(request, today) if request is not None and state == "waiting" else None
        states.append(CheckpointState(checkpoint, state, request, waiting))
    return states


def requestable_checkpoints(*, case: Case, today: dt.date) -> list[tuple[str, str]]:
    """The checkpoints a sign-off may be asked for now, as (code, label) choices: not those waiting for a
    decision or already approved."""
    return [
        (s.checkpoint.code, s.checkpoint.title + (" (blocks the stage change)" if s.checkpoint.blocking else ""))
        for s in checkpoint_states(case=case, today=today)
        if s.available
    ]


@dataclass(frozen=True)
class KeyDocument:
    kind: str
    label: str
    document: Any | None
    last_revised: dt.datetime | None


def key_documents(case: Case) -> list[KeyDocument]:
    """The case's strategy, disclosure and charging documents, each with when it was last revised, and
    the kinds not on file (one query)."""
    found: dict[str, list[Any]] = {}
    for document in (
        CaseDocument.objects.filter(case=case, kind__in=KEY_DOCUMENTS)
        .annotate(last_revised=Max("versions__created_at"))
        .order_by("kind", "-last_revised", "-pk")
    ):
        found.setdefault(document.kind, []).append(document)
    rows = []
    for kind in KEY_DOCUMENTS:
        documents = found.get(kind) or [None]
        for document in documents:
            revised = getattr(document, "last_revised", None)
            rows.append(KeyDocument(kind, DocumentKind(kind).label, document, revised))
    return rows


def decision_context(*, user: Any, request: SignOffRequest, today: dt.date) -> dict[str, Any]:
    """What the decision page shows besides the request: how long it has waited, the case's other
    checkpoints, its current assurance verdicts (not met first) and its key documents."""
    verdicts = list(selectors.current_verdicts(user=user, case_id=request.case_id))
    not_met = [v for v in verdicts if v.outcome == Outcome.NOT_MET]
    return {
        "days_waiting": days_waiting(request, today),
        "not_met": sorted(not_met, key=lambda v: (SEVERITY_ORDER.get(v.rule.severity, 9), v.rule_code)),
        "met_count": sum(v.outcome == Outcome.MET for v in verdicts),
        "settled_count": sum(v.outcome in (Outcome.WAIVED, Outcome.EXEMPT) for v in verdicts),
        "evaluated": bool(verdicts),
        "documents": key_documents(request.case),
        "states": checkpoint_states(case=request.case, today=today),
    }
