"""Cases: list (cursor pages), read (logged), create, update, change stage."""

from __future__ import annotations

import binascii
import datetime as dt
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from casework.api import render
from casework.api.locking import update_with_version
from casework.api.schemas import CaseDetailOut, CaseListQuery, CaseOut, CasePageOut
from casework.cases import selectors, services
from casework.cases.models import Case
from casework.cases.schemas import CaseIn, CasePatch, StageChangeIn
from casework.core.api_types import MAX_ID, ConflictOut, ErrorOut
from casework.core.errors import CaseworkError, NotFound, ValidationFailed

router = Router(tags=["cases"])

CaseId = Path(..., ge=1, le=MAX_ID, description="The case id.")
ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _checked_cursor(cursor: str) -> str:
    """Refuse a cursor this API did not make, before it reaches a query."""
    problem = CaseworkError(
        "The cursor is not valid. Use the next_cursor value of the previous page exactly as returned, "
        "or leave it out to start from the first page.",
        field_errors={"cursor": ["Not a cursor from this API."]},
    )
    try:
        updated_iso, last_id = selectors.decode_cursor(cursor)
        updated = dt.datetime.fromisoformat(updated_iso)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise problem from None
    if updated.tzinfo is None or not 0 < last_id <= MAX_ID:
        raise problem
    return cursor


def _visible_case(request: HttpRequest, case_id: int) -> Case:
    case = selectors.case_visible(user=_actor(request), case_id=case_id)
    if case is None:
        raise NotFound("Case not found.")
    return case


@router.get("", response={200: CasePageOut, **ERRORS})
def case_list(request: HttpRequest, params: Query[CaseListQuery]) -> dict[str, Any]:
    """Cases you can see, most recently updated first, a page at a time."""
    filters = selectors.CaseFilters(
        unit_id=params.unit, stage=params.stage or "", lawyer_id=params.lawyer, text=params.q
    )
    cursor = _checked_cursor(params.cursor) if params.cursor else None
    cases, next_cursor = selectors.case_keyset_page(
        user=_actor(request), filters=filters, cursor=cursor, limit=params.limit
    )
    services.cases_consulted(actor=_actor(request), purpose="Case list (API)", cases=cases)
    return {"items": [render.case_summary(case) for case in cases], "next_cursor": next_cursor}


@router.post("", response={201: CaseOut, **ERRORS})
def case_create(request: HttpRequest, payload: CaseIn) -> Status[dict[str, Any]]:
    """Record a new case in your unit (at pre-charge)."""
    actor = _actor(request)
    values = payload.model_dump()
    unit_id = values.pop("unit_id") or actor.unit_id
    if unit_id is None:
        raise ValidationFailed("Say which unit the case belongs to.", field_errors={"unit_id": ["Give a unit id."]})
    # The service owns every rule of a case (who may record it, the URN, the people and records it
    # names); it refuses outsiders before looking at the ids they sent, so nobody can probe them.
    case = services.case_create(actor=actor, unit_id=unit_id, urn=values.pop("urn"), **values)
    return Status(201, render.case_fields(case))


@router.get("/{case_id}", response={200: CaseDetailOut, **ERRORS})
def case_detail(request: HttpRequest, case_id: int = CaseId) -> dict[str, Any]:
    """One case with its defendants, charges, hearings and document list. Logged as a consultation."""
    case = services.case_open(actor=_actor(request), case_id=case_id)
    return render.case_detail(case, selectors.case_api_parts(case))


@router.patch("/{case_id}", response={200: CaseOut, 409: ConflictOut, **ERRORS})
def case_update(request: HttpRequest, payload: CasePatch, case_id: int = CaseId) -> dict[str, Any]:
    """Change a case's details. Send the `version` you read; a stale version is refused (409)."""
    actor = _actor(request)
    case = _visible_case(request, case_id)
    changes = payload.changes()
    with transaction.atomic():  # re-read before commit: an error answer then means nothing was saved
        update_with_version(
            instance=case,
            version=payload.version,
            sent=changes,
            update=lambda: services.case_update(actor=actor, case=case, expected_version=payload.version, **changes),
        )
        saved = _reload(actor, case.pk)
    return render.case_fields(saved)


@router.post("/{case_id}/stage", response={200: CaseOut, 409: ConflictOut, **ERRORS})
def case_stage(request: HttpRequest, payload: StageChangeIn, case_id: int = CaseId) -> dict[str, Any]:
    """Move a case to another stage. Refused transitions are a 409 that says what may come next."""
    actor = _actor(request)
    case = _visible_case(request, case_id)
    with transaction.atomic():  # as in case_update: the response is read before the commit
        update_with_version(
            instance=case,
            version=payload.version,
            sent={"stage": payload.stage},
            update=lambda: services.case_change_stage(
                actor=actor, case=case, expected_version=payload.version, stage=payload.stage, reason=payload.reason
            ),
        )
        saved = _reload(actor, case.pk)
    return render.case_fields(saved)


def _reload(actor: Any, case_id: int) -> Case:
    """The case as saved, with everyone it names, for the response to a write."""
    return Case.objects.visible_to(actor).select_related(*_CASE_PEOPLE).get(pk=case_id)


_CASE_PEOPLE = ("unit", "allocated_lawyer", "deputy_lawyer", "paralegal", "legal_manager", "acceptance_criterion")
