"""Every workflow transition, its audit event, optimistic locking and refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from casework.audit.models import AuditEvent
from casework.core.errors import EditConflict, NotFound, PermissionDenied, TransitionRefused, ValidationFailed
from casework.quality import services
from casework.quality.choices import AssessmentStatus, ModerationStatus
from casework.quality.models import Assessment, Moderation, QuestionSet, QuotaPolicy
from casework.quality.question_sets import DEFAULT_SET
from tests.quality.conftest import all_answers, reload, submitted


def _last_event(assessment: Assessment) -> AuditEvent:
    return AuditEvent.objects.filter(subject_type="quality.assessment", subject_id=str(assessment.pk)).order_by("-seq")[
        0
    ]


def test_full_workflow_each_step_audited(personas, case_a, monkeypatch) -> None:
    # Second marking is drawn from the assessment's id, which differs between databases and runs;
    # this test follows the path without it (moderation has its own tests).
    monkeypatch.setattr(services.rules, "selected_for_moderation", lambda **kwargs: False)
    manager, prosecutor = personas.manager_a, personas.prosecutor_a
    a = services.assessment_start(actor=manager, case_id=case_a.pk)
    assert (a.status, a.prosecutor, a.quarter, a.question_set.version) == ("draft", prosecutor, "2026-Q2", 1)
    event = _last_event(a)
    assert (event.action, event.case_id, event.changes_dict["status"]) == ("collect", case_a.pk, [None, "draft"])

    answers = all_answers(a)
    answers["disclosure-strategy"] = ("partially_met", "The DMD does not address third-party material.")
    services.assessment_answers_save(
        actor=manager, assessment_id=a.pk, expected_version=1, answers=answers, summary="Good overall"
    )
    assert _last_event(a).action == "alter" and "disclosure-strategy" in _last_event(a).changes_dict

    services.assessment_submit(actor=manager, assessment_id=a.pk, expected_version=2)
    a = reload(a)
    assert a.status == AssessmentStatus.SUBMITTED and a.submitted_at is not None
    assert _last_event(a).changes_dict["status"] == ["draft", "submitted"]

    services.assessment_feedback_record(
        actor=manager,
        assessment_id=a.pk,
        expected_version=3,
        meeting_on=dt.date(2026, 5, 11),
        notes="Discussed disclosure.",
    )
    assert _last_event(a).changes_dict["status"] == ["submitted", "feedback_given"]
    assert _last_event(a).changes_dict["feedback_meeting_on"] == [None, "2026-05-11"]

    services.assessment_acknowledge(
        actor=prosecutor, assessment_id=a.pk, expected_version=4, comment="I disagree on disclosure.", disagrees=True
    )
    event = _last_event(a)
    assert event.actor_id == prosecutor.pk and event.changes_dict["prosecutor_disagrees"] == [False, True]

    services.assessment_close(actor=manager, assessment_id=a.pk, expected_version=5)
    a = reload(a)
    assert a.status == AssessmentStatus.CLOSED and a.version == 6
    assert _last_event(a).changes_dict["status"] == ["acknowledged", "closed"]


def test_comment_required_when_not_fully_met(personas, case_a) -> None:
    a = services.assessment_start(actor=personas.manager_a, case_id=case_a.pk)
    with pytest.raises(ValidationFailed) as error:
        services.assessment_answers_save(
            actor=personas.manager_a, assessment_id=a.pk, expected_version=1, answers={"rationale": ("not_met", "")}
        )
    assert "rationale" in error.value.field_errors


def test_cannot_submit_incomplete(personas, case_a) -> None:
    a = services.assessment_start(actor=personas.manager_a, case_id=case_a.pk)
    with pytest.raises(ValidationFailed):
        services.assessment_submit(actor=personas.manager_a, assessment_id=a.pk, expected_version=1)


def test_stale_version_is_a_conflict(personas, case_a) -> None:
    a = submitted(personas.manager_a, case_a)
    with pytest.raises(EditConflict):
        services.assessment_feedback_record(
            actor=personas.manager_a, assessment_id=a.pk, expected_version=1, meeting_on=dt.date(2026, 5, 11), notes="x"
        )


def test_steps_out_of_order_refused(personas, case_a) -> None:
    a = submitted(personas.manager_a, case_a)
    with pytest.raises(TransitionRefused):
        services.assessment_acknowledge(actor=personas.prosecutor_a, assessment_id=a.pk, expected_version=3)
    with pytest.raises(TransitionRefused):
        services.assessment_close(actor=personas.manager_a, assessment_id=a.pk, expected_version=3)


def test_only_the_right_people_act(personas, case_a, team) -> None:
    a = submitted(personas.manager_a, case_a)
    with pytest.raises(NotFound):  # not the prosecutor's line manager nor assessor: cannot see it
        services.assessment_feedback_record(
            actor=team.manager_a2, assessment_id=a.pk, expected_version=3, meeting_on=dt.date(2026, 5, 11), notes="x"
        )
    with pytest.raises(PermissionDenied):  # the unit head sees it but is not the assessor
        services.assessment_feedback_record(
            actor=personas.unithead_a,
            assessment_id=a.pk,
            expected_version=3,
            meeting_on=dt.date(2026, 5, 11),
            notes="x",
        )
    with pytest.raises(PermissionDenied):  # prosecutors cannot assess
        services.assessment_start(actor=personas.prosecutor_a, case_id=case_a.pk)
    with pytest.raises(NotFound):  # another unit's case
        services.assessment_start(actor=personas.prosecutor_b, case_id=case_a.pk)


def test_assessor_cannot_assess_a_case_they_work_on(personas, case_a) -> None:
    case_a.deputy_lawyer = personas.manager_a
    case_a.save(update_fields=["deputy_lawyer"])
    with pytest.raises(PermissionDenied):
        services.assessment_start(actor=personas.manager_a, case_id=case_a.pk)


def test_feedback_date_must_be_real(personas, case_a) -> None:
    a = submitted(personas.manager_a, case_a)
    with pytest.raises(ValidationFailed):
        services.assessment_feedback_record(
            actor=personas.manager_a,
            assessment_id=a.pk,
            expected_version=3,
            meeting_on=dt.date(2026, 6, 1),
            notes="Future meeting",
        )


def test_opening_writes_a_consult_event_with_relationship(personas, case_a) -> None:
    a = submitted(personas.manager_a, case_a)
    services.assessment_feedback_record(
        actor=personas.manager_a, assessment_id=a.pk, expected_version=3, meeting_on=dt.date(2026, 5, 11), notes="ok"
    )
    services.assessment_open(actor=personas.prosecutor_a, assessment_id=a.pk)
    event = _last_event(a)
    assert (event.action, event.justification, event.actor_id) == (
        "consult",
        "Own assessment",
        personas.prosecutor_a.pk,
    )


def _moderated(personas, case_a, value: str = "fully_met") -> Assessment:
    QuotaPolicy.objects.filter(version=1).update(moderation_share=Decimal("1.000"))
    return submitted(personas.manager_a, case_a, value)


def test_moderation_blind_second_marking_and_resolution(personas, case_a, team) -> None:
    a = _moderated(personas, case_a)
    moderation = Moderation.objects.get(assessment=a)
    # the least-loaded other manager of the unit, not the assessor
    assert moderation.moderator in (team.manager_a2, personas.unithead_a)
    moderator = moderation.moderator
    if moderator == team.manager_a2:
        # blind: the second marker cannot open the first marking before their own is in
        with pytest.raises(NotFound):
            services.assessment_open(actor=moderator, assessment_id=a.pk)
    second = all_answers(a)
    second["rationale"] = ("partially_met", "Reasons thin on the public interest.")
    services.moderation_submit(actor=moderator, moderation_id=moderation.pk, expected_version=1, answers=second)
    moderation.refresh_from_db()
    n = len(second)
    assert moderation.status == ModerationStatus.COMPLETED
    assert moderation.agreement == pytest.approx(Decimal(round((n - 1) / n, 3)))
    services.assessment_open(actor=moderator, assessment_id=a.pk)  # now visible
    services.moderation_resolve(
        actor=moderator,
        moderation_id=moderation.pk,
        expected_version=2,
        outcome="second_mark_stands",
        notes="Agreed at the moderation meeting.",
    )
    moderation.refresh_from_db()
    assert (moderation.status, moderation.resolved_by) == (ModerationStatus.RESOLVED, moderator)
    events = list(
        AuditEvent.objects.filter(subject_type="quality.moderation").order_by("seq").values_list("action", flat=True)
    )
    assert events == ["collect", "alter", "alter"]


def test_close_waits_for_pending_moderation(personas, case_a, team) -> None:
    a = _moderated(personas, case_a)
    services.assessment_feedback_record(
        actor=personas.manager_a, assessment_id=a.pk, expected_version=3, meeting_on=dt.date(2026, 5, 11), notes="ok"
    )
    services.assessment_acknowledge(actor=personas.prosecutor_a, assessment_id=a.pk, expected_version=4)
    with pytest.raises(TransitionRefused):
        services.assessment_close(actor=personas.manager_a, assessment_id=a.pk, expected_version=5)


def test_publishing_a_new_version_keeps_old_assessments(personas, case_a) -> None:
    old = services.assessment_start(actor=personas.manager_a, case_id=case_a.pk)
    spec = {**DEFAULT_SET, "effective_from": "2026-05-01"}
    spec["sections"] = [
        *DEFAULT_SET["sections"][:-1],
        {
            **DEFAULT_SET["sections"][-1],
            "questions": [
                *DEFAULT_SET["sections"][-1]["questions"],
                {
                    "code": "disclosure-third-party",
                    "text": "Third-party material was pursued.",
                    "guidance": "",
                    "kinds": ["casework"],
                    "stages": [],
                },
            ],
        },
    ]
    new_set = services.question_set_publish(actor=personas.admin, spec=spec, change_note="Third-party material")
    assert new_set.version == 2
    assert AuditEvent.objects.filter(subject_type="quality.questionset", action="config_change").exists()
    fresh = services.assessment_start(actor=personas.manager_a, case_id=case_a.pk)
    assert reload(old).question_set.version == 1 and fresh.question_set == new_set
    assert QuestionSet.objects.get(code="iqa", version=1).sections.count() == 5
    with pytest.raises(ValidationFailed):
        services.question_set_publish(actor=personas.admin, spec={**spec, "sections": []})
