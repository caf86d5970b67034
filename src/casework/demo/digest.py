"""A fingerprint of the demo data by natural keys (usernames, URNs), independent of row ids and of
password salts: equal digests mean the same people, cases and case content were generated."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from casework.cases.models import (
    Case,
    CaseDocument,
    CaseReview,
    CaseStageEntry,
    Charge,
    Defendant,
    DocumentVersion,
    Hearing,
)
from casework.people.models import Absence, User

_QUERIES: list[tuple[Any, tuple[str, ...]]] = [
    (
        User.objects,
        ("username", "first_name", "last_name", "unit__code", "area__code", "police_force__code", "grade__code",
         "team__name", "line_manager__username", "fte", "contracted_hours", "working_pattern", "is_superuser"),
    ),
    (User.roles.through.objects, ("user__username", "role__code")),
    (User.specialisms.through.objects, ("user__username", "specialism__code")),
    (Absence.objects, ("person__username", "kind", "starts_on", "ends_on", "hours_per_week", "reason")),
    (
        Case.objects,
        ("urn", "operation_name", "summary", "unit__code", "lead_force__code", "acceptance_criterion__code",
         "ccp_direction_reason", "accepted_on", "accepted_by__username", "stage", "stage_changed_at",
         "allocated_lawyer__username", "deputy_lawyer__username", "paralegal__username", "legal_manager__username",
         "trial_estimate_days", "estimated_cost", "is_very_high_cost", "vhcc_received_on", "case_plan_agreed_on",
         "hq_notified_on", "outcome", "principal_offence_category__code"),
    ),
    (Case.offence_categories.through.objects, ("case__urn", "offencecategory__code")),
    (CaseStageEntry.objects, ("case__urn", "stage", "entered_at", "entered_by__username", "reason")),
    (Defendant.objects, ("case__urn", "first_names", "last_name", "date_of_birth", "custody_status")),
    (Charge.objects, ("defendant__case__urn", "defendant__last_name", "offence", "classification", "charged_on")),
    (Hearing.objects, ("case__urn", "hearing_type", "starts_at", "court", "outcome")),
    (CaseDocument.objects, ("case__urn", "kind", "title", "current_version_number")),
    (DocumentVersion.objects, ("document__case__urn", "document__title", "number", "body", "rationale", "metadata",
                               "author__username", "created_at")),
    (CaseReview.objects, ("case__urn", "kind", "reviewed_on", "reviewer__username", "note")),
]  # fmt: skip


def _rows(manager: Any, fields: tuple[str, ...]) -> Iterable[tuple[Any, ...]]:
    rows = [tuple(map(str, row)) for row in manager.values_list(*fields).iterator(chunk_size=5000)]
    return sorted(rows)


def demo_digest() -> str:
    """SHA-256 over every demo table's rows, sorted by their natural-key values."""
    digest = hashlib.sha256()
    for manager, fields in _QUERIES:
        digest.update(repr(fields).encode())
        for row in _rows(manager, fields):
            digest.update(repr(row).encode())
    return digest.hexdigest()
