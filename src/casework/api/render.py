"""Model instances to response dictionaries. Only fields already loaded are touched, so the
query count of an endpoint is fixed by its selector."""

from __future__ import annotations

import datetime as dt
from typing import Any

from casework.cases.models import Case, CaseDocument, Charge, Defendant, Hearing


def plain(value: Any) -> Any:
    """A JSON-friendly form of a field value (for conflict reports)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def person_ref(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.username, "name": user.display_name}


def unit_ref(unit: Any) -> dict[str, Any] | None:
    if unit is None:
        return None
    return {"id": unit.pk, "code": unit.code, "name": unit.name}


def case_summary(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "urn": case.urn,
        "operation_name": case.operation_name,
        "unit": unit_ref(case.unit),
        "stage": case.stage,
        "stage_label": case.get_stage_display(),
        "allocated_lawyer": person_ref(case.allocated_lawyer),
        "updated_at": case.updated_at,
        "version": case.version,
    }


def case_fields(case: Case) -> dict[str, Any]:
    return {
        **case_summary(case),
        "summary": case.summary,
        "lead_force_id": case.lead_force_id,
        "acceptance_criterion_id": case.acceptance_criterion_id,
        "acceptance_basis": case.acceptance_basis,
        "ccp_direction_reason": case.ccp_direction_reason,
        "accepted_on": case.accepted_on,
        "deputy_lawyer": person_ref(case.deputy_lawyer),
        "paralegal": person_ref(case.paralegal),
        "legal_manager": person_ref(case.legal_manager),
        "stage_changed_at": case.stage_changed_at,
        "created_at": case.created_at,
    }


def case_detail(case: Case, parts: dict[str, Any]) -> dict[str, Any]:
    return {
        **case_fields(case),
        "offence_category_ids": parts["offence_category_ids"],
        "defendants": [defendant(item) for item in parts["defendants"]],
        "hearings": [hearing(item) for item in parts["hearings"]],
        "documents": [document(item) for item in parts["documents"]],
    }


def charge(item: Charge) -> dict[str, Any]:
    return {
        "id": item.pk,
        "offence": item.offence,
        "classification": item.classification,
        "charged_on": item.charged_on,
        "version": item.version,
    }


def defendant(item: Defendant, *, charges: list[Charge] | None = None) -> dict[str, Any]:
    return {
        "id": item.pk,
        "first_names": item.first_names,
        "last_name": item.last_name,
        "date_of_birth": item.date_of_birth,
        "custody_status": item.custody_status,
        "charges": [charge(c) for c in (charges if charges is not None else item.charges.all())],
        "version": item.version,
    }


def hearing(item: Hearing) -> dict[str, Any]:
    return {
        "id": item.pk,
        "hearing_type": item.hearing_type,
        "starts_at": item.starts_at,
        "court": item.court,
        "outcome": item.outcome,
        "version": item.version,
    }


def document(item: CaseDocument) -> dict[str, Any]:
    return {
        "id": item.pk,
        "kind": item.kind,
        "title": item.title,
        "current_version_number": item.current_version_number,
        "updated_at": item.updated_at,
        "version": item.version,
    }
