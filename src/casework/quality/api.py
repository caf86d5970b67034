"""IQA over the API: the same access path (Assessment.objects.visible_to) and the same services
and audit as the pages. Opening one assessment is logged as a consultation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Path, Query, Router, Schema, Status
from ninja.renderers import JSONRenderer
from pydantic import Field

from casework.core import clock
from casework.core.api_types import MAX_ID, ErrorOut
from casework.core.errors import NotFound, ValidationFailed
from casework.people.choices import NATIONAL_READ_ROLES, UNIT_MANAGER_ROLES, RoleCode
from casework.quality import rules, selectors, services
from casework.quality.choices import AssessmentKind

router = Router(tags=["quality"])
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
AssessmentId = Path(..., ge=1, le=MAX_ID, description="The assessment id.")
OVERSIGHT = UNIT_MANAGER_ROLES | NATIONAL_READ_ROLES | {RoleCode.AREA_LEADERSHIP}
_JSON = JSONRenderer()


class AssessmentSummaryOut(Schema):
    id: int
    case_id: int
    prosecutor_id: int
    assessor_id: int
    quarter: str
    kind: str
    status: str
    version: int


class AnswerOut(Schema):
    question: str
    section: str
    value: str
    comment: str


class AssessmentOut(AssessmentSummaryOut):
    question_set: str
    case_stage: str
    summary: str
    submitted_at: dt.datetime | None
    feedback_meeting_on: dt.date | None
    feedback_notes: str
    acknowledged_at: dt.datetime | None
    prosecutor_comment: str
    prosecutor_disagrees: bool
    closed_at: dt.datetime | None
    answers: list[AnswerOut]


class StartIn(Schema):
    case_id: int = Field(..., ge=1, le=MAX_ID)
    kind: AssessmentKind = AssessmentKind.CASEWORK
    sample_item_id: int | None = Field(None, ge=1, le=MAX_ID)


class AnswerIn(Schema):
    question: str = Field(..., max_length=60)
    value: str = Field(..., max_length=16)
    comment: str = Field("", max_length=20_000)


class AnswersIn(Schema):
    version: int = Field(..., ge=1)
    answers: list[AnswerIn]
    summary: str = Field("", max_length=20_000)


class VersionIn(Schema):
    version: int = Field(..., ge=1)


class FeedbackIn(VersionIn):
    meeting_on: dt.date
    notes: str = Field(..., min_length=1, max_length=20_000)


class AcknowledgeIn(VersionIn):
    comment: str = Field("", max_length=20_000)
    disagrees: bool = False


class CoverageOut(Schema):
    prosecutor: str
    unit: str
    team: str
    expected: int
    received: int
    behind: int
    explanation: str


class CoverageQuery(Schema):
    quarter: str | None = Field(None, pattern=r"^\d{4}-Q[1-4]$", description="For example 2026-Q2; default: now.")


class LeniencyOut(Schema):
    assessor: str
    answered: int
    fully_met_rate: float | None
    peer_rate: float | None
    peer_p_value: float | None
    moderated_pairs: int
    moderation_p_value: float | None
    flagged: bool


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _oversight(request: HttpRequest) -> Any:
    user = _actor(request)
    if not (user.role_codes & OVERSIGHT):
        raise NotFound("Not found.")
    return user


def _detail(assessment: Any) -> dict[str, Any]:
    answers = [
        {"question": a.question.code, "section": a.question.section.code, "value": a.value, "comment": a.comment}
        for a in assessment.answers.select_related("question__section")
    ]
    return {
        **{f: getattr(assessment, f) for f in AssessmentOut.model_fields if f not in {"answers", "question_set"}},
        "question_set": f"{assessment.question_set.code}@v{assessment.question_set.version}",
        "answers": answers,
    }


@router.get("/quality/assessments", response={200: list[AssessmentSummaryOut], **ERRORS})
def assessment_list(request: HttpRequest) -> list[Any]:
    """Assessments you may see individually (your own, those you made or line-manage, your unit)."""
    return list(selectors.assessments_for(_actor(request))[:500])


@router.get("/quality/assessments/{assessment_id}", response={200: AssessmentOut, **ERRORS})
def assessment_get(request: HttpRequest, assessment_id: int = AssessmentId) -> dict[str, Any]:
    """One assessment with its answers. Logged as a consultation with your relationship to it."""
    return _detail(services.assessment_open(actor=_actor(request), assessment_id=assessment_id))


@router.post("/quality/assessments", response={201: AssessmentOut, **ERRORS})
def assessment_create(request: HttpRequest, body: StartIn) -> Status:
    assessment = services.assessment_start(
        actor=_actor(request), case_id=body.case_id, kind=body.kind, sample_item_id=body.sample_item_id
    )
    return Status(201, _detail(assessment))


@router.put("/quality/assessments/{assessment_id}/answers", response={200: AssessmentOut, **ERRORS})
def assessment_answers(request: HttpRequest, body: AnswersIn, assessment_id: int = AssessmentId) -> dict[str, Any]:
    answers = {a.question: (a.value, a.comment) for a in body.answers}
    if len(answers) != len(body.answers):
        raise ValidationFailed("Each question may be answered once.")
    return _detail(
        services.assessment_answers_save(
            actor=_actor(request),
            assessment_id=assessment_id,
            expected_version=body.version,
            answers=answers,
            summary=body.summary,
        )
    )


@router.post("/quality/assessments/{assessment_id}/submit", response={200: AssessmentOut, **ERRORS})
def assessment_submit(request: HttpRequest, body: VersionIn, assessment_id: int = AssessmentId) -> dict[str, Any]:
    return _detail(
        services.assessment_submit(actor=_actor(request), assessment_id=assessment_id, expected_version=body.version)
    )


@router.post("/quality/assessments/{assessment_id}/feedback", response={200: AssessmentOut, **ERRORS})
def assessment_feedback(request: HttpRequest, body: FeedbackIn, assessment_id: int = AssessmentId) -> dict[str, Any]:
    return _detail(
        services.assessment_feedback_record(
            actor=_actor(request),
            assessment_id=assessment_id,
            expected_version=body.version,
            meeting_on=body.meeting_on,
            notes=body.notes,
        )
    )


@router.post("/quality/assessments/{assessment_id}/acknowledge", response={200: AssessmentOut, **ERRORS})
def assessment_acknowledge(
    request: HttpRequest, body: AcknowledgeIn, assessment_id: int = AssessmentId
) -> dict[str, Any]:
    return _detail(
        services.assessment_acknowledge(
            actor=_actor(request),
            assessment_id=assessment_id,
            expected_version=body.version,
            comment=body.comment,
            disagrees=body.disagrees,
        )
    )


@router.post("/quality/assessments/{assessment_id}/close", response={200: AssessmentOut, **ERRORS})
def assessment_close(request: HttpRequest, body: VersionIn, assessment_id: int = AssessmentId) -> dict[str, Any]:
    return _detail(
        services.assessment_close(actor=_actor(request), assessment_id=assessment_id, expected_version=body.version)
    )


@router.get("/quality/coverage", response={200: list[CoverageOut], **ERRORS})
def coverage(request: HttpRequest, params: Query[CoverageQuery]) -> HttpResponse:
    """Quota coverage for a quarter in your scope. Names are withheld unless you may see them."""
    user = _oversight(request)
    quarter = rules.Quarter.parse(params.quarter) if params.quarter else rules.Quarter.of(clock.today())
    rows, _named = selectors.coverage(user=user, quarter=quarter)
    # Rendered here: nationally this lists every prosecutor (about 16,000 at 100,000 cases), and
    # checking each row against CoverageOut took about half the answer. The rows are CoverageOut's
    # fields with its types (a test checks every row against it).
    body = _JSON.render(request, [coverage_out(r) for r in rows], response_status=200)
    return HttpResponse(body, content_type=_JSON.media_type)


def coverage_out(row: selectors.CoverageRow) -> dict[str, Any]:
    return {
        "prosecutor": row.name,
        "unit": row.unit,
        "team": row.team,
        "expected": row.expected,
        "received": row.received,
        "behind": row.behind,
        "explanation": row.explanation,
    }


@router.get("/quality/leniency", response={200: list[LeniencyOut], **ERRORS})
def leniency(request: HttpRequest) -> list[dict[str, Any]]:
    """Each assessor's marking against peers (two-proportion z-test) and moderation (exact McNemar)."""
    data = selectors.analytics(user=_oversight(request))
    return [
        {
            "assessor": key,
            "answered": item.answered,
            "fully_met_rate": item.rate,
            "peer_rate": item.peer_rate,
            "peer_p_value": item.peer_test.p_value if item.peer_test else None,
            "moderated_pairs": item.moderated_pairs,
            "moderation_p_value": item.moderation_test.p_value if item.moderation_test else None,
            "flagged": item.flagged,
        }
        for key, item in data.leniency
    ]
