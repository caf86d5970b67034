"""Parts of a case: defendants and their charges, hearings."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Path, Router, Status

from casework.api import render
from casework.api.locking import update_with_version
from casework.api.schemas import ChargeOut, DefendantOut, HearingOut
from casework.cases import selectors, services
from casework.cases.schemas import ChargeIn, DefendantIn, DefendantPatch, HearingIn, HearingPatch
from casework.core.api_types import MAX_ID, ConflictOut, ErrorOut
from casework.core.errors import NotFound

router = Router()

ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
CaseId = Path(..., ge=1, le=MAX_ID)
DefendantId = Path(..., ge=1, le=MAX_ID)
HearingId = Path(..., ge=1, le=MAX_ID)


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _case(request: HttpRequest, case_id: int) -> Any:
    case = selectors.case_visible(user=_actor(request), case_id=case_id)
    if case is None:
        raise NotFound("Case not found.")
    return case


def _defendant(request: HttpRequest, defendant_id: int) -> Any:
    defendant = selectors.defendant_visible(user=_actor(request), defendant_id=defendant_id)
    if defendant is None:
        raise NotFound("Defendant not found.")
    return defendant


def _hearing(request: HttpRequest, hearing_id: int) -> Any:
    hearing = selectors.hearing_visible(user=_actor(request), hearing_id=hearing_id)
    if hearing is None:
        raise NotFound("Hearing not found.")
    return hearing


# --- defendants ----------------------------------------------------------------------------


@router.get("/cases/{case_id}/defendants", response={200: list[DefendantOut], **ERRORS}, tags=["defendants"])
def defendant_list(request: HttpRequest, case_id: int = CaseId) -> list[dict[str, Any]]:
    """A case's defendants with their charges. Logged as a consultation of the case."""
    case = services.case_open(actor=_actor(request), case_id=case_id)
    return [render.defendant(item) for item in selectors.defendants_of_case(case)]


@router.post("/cases/{case_id}/defendants", response={201: DefendantOut, **ERRORS}, tags=["defendants"])
def defendant_add(request: HttpRequest, payload: DefendantIn, case_id: int = CaseId) -> Status[dict[str, Any]]:
    defendant = services.defendant_add(actor=_actor(request), case=_case(request, case_id), **payload.model_dump())
    return Status(201, render.defendant(defendant, charges=[]))


@router.patch(
    "/defendants/{defendant_id}", response={200: DefendantOut, 409: ConflictOut, **ERRORS}, tags=["defendants"]
)
def defendant_update(request: HttpRequest, payload: DefendantPatch, defendant_id: int = DefendantId) -> dict[str, Any]:
    """Change a defendant. Send the `version` you read; a stale version is refused (409)."""
    actor = _actor(request)
    defendant = _defendant(request, defendant_id)
    changes = payload.changes()
    update_with_version(
        instance=defendant,
        version=payload.version,
        sent=changes,
        update=lambda: services.defendant_update(
            actor=actor, defendant=defendant, expected_version=payload.version, **changes
        ),
    )
    return render.defendant(defendant)


@router.post("/defendants/{defendant_id}/charges", response={201: ChargeOut, **ERRORS}, tags=["defendants"])
def charge_add(request: HttpRequest, payload: ChargeIn, defendant_id: int = DefendantId) -> Status[dict[str, Any]]:
    defendant = _defendant(request, defendant_id)
    charge = services.charge_add(actor=_actor(request), defendant=defendant, **payload.model_dump())
    return Status(201, render.charge(charge))


# --- hearings ------------------------------------------------------------------------------


@router.get("/cases/{case_id}/hearings", response={200: list[HearingOut], **ERRORS}, tags=["hearings"])
def hearing_list(request: HttpRequest, case_id: int = CaseId) -> list[dict[str, Any]]:
    """A case's hearings, earliest first. Logged as a consultation of the case."""
    case = services.case_open(actor=_actor(request), case_id=case_id)
    return [render.hearing(item) for item in selectors.hearings_of_case(case)]


@router.post("/cases/{case_id}/hearings", response={201: HearingOut, **ERRORS}, tags=["hearings"])
def hearing_add(request: HttpRequest, payload: HearingIn, case_id: int = CaseId) -> Status[dict[str, Any]]:
    hearing = services.hearing_add(actor=_actor(request), case=_case(request, case_id), **payload.model_dump())
    return Status(201, render.hearing(hearing))


@router.patch("/hearings/{hearing_id}", response={200: HearingOut, 409: ConflictOut, **ERRORS}, tags=["hearings"])
def hearing_update(request: HttpRequest, payload: HearingPatch, hearing_id: int = HearingId) -> dict[str, Any]:
    """Change a hearing (e.g. record its outcome). Send the `version` you read."""
    actor = _actor(request)
    hearing = _hearing(request, hearing_id)
    changes = payload.changes()
    update_with_version(
        instance=hearing,
        version=payload.version,
        sent=changes,
        update=lambda: services.hearing_update(
            actor=actor, hearing=hearing, expected_version=payload.version, **changes
        ),
    )
    return render.hearing(hearing)
