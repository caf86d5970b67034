"""The IQA rules reported through the assurance engine."""

from __future__ import annotations

import datetime as dt

from casework.assurance import engine, rules
from casework.assurance.models import AssuranceRule
from casework.assurance.selectors import facts_for_cases, rules_in_force
from casework.cases.models import CaseSweepMark
from casework.core.working_days import WorkingCalendar
from casework.quality import services
from casework.quality.models import Assessment
from tests.quality.conftest import submitted


def _verdicts(case_id: int, today: dt.date) -> dict[str, engine.Verdict]:
    facts = facts_for_cases([case_id], today)[case_id]
    ctx = rules.EvaluationContext(today=today, calendar=WorkingCalendar())
    chosen = [r for r in rules_in_force(today) if r.code.startswith("iqa.")]
    return {v.rule_code: v for v in engine.evaluate(facts, chosen, ctx)}


def test_rule_rows_loaded(db) -> None:
    rows = {r.code: r for r in AssuranceRule.objects.filter(code__startswith="iqa.")}
    assert set(rows) == {"iqa.quota", "iqa.feedback_timely"}
    assert {r.evaluator for r in rows.values()} <= set(rules.EVALUATORS.by_key())
    assert rows["iqa.feedback_timely"].parameters == {"days": 14}


def test_quota_not_met_then_met(personas, case_a, time_machine) -> None:
    today = dt.date(2026, 5, 11)  # last complete quarter: 2026-Q1
    verdict = _verdicts(case_a.pk, today)["iqa.quota"]
    assert verdict.outcome == "not_met" and "0 of 2" in verdict.reason and verdict.facts["quarter"] == "2026-Q1"
    time_machine.move_to(dt.datetime(2026, 2, 10, 10, tzinfo=dt.UTC), tick=False)
    for _ in range(2):
        submitted(personas.manager_a, case_a)
    assert set(Assessment.objects.values_list("quarter", flat=True)) == {"2026-Q1"}
    assert _verdicts(case_a.pk, today)["iqa.quota"].outcome == "met"


def test_feedback_timeliness(personas, case_a, time_machine) -> None:
    assert _verdicts(case_a.pk, dt.date(2026, 5, 11))["iqa.feedback_timely"].outcome == "na"
    a = submitted(personas.manager_a, case_a)  # submitted 11 May 2026
    assert _verdicts(case_a.pk, dt.date(2026, 5, 20))["iqa.feedback_timely"].outcome == "met"  # not yet due
    verdict = _verdicts(case_a.pk, dt.date(2026, 5, 26))["iqa.feedback_timely"]
    assert verdict.outcome == "not_met" and "not given" in verdict.reason
    time_machine.move_to(dt.datetime(2026, 5, 29, 10, tzinfo=dt.UTC), tick=False)
    services.assessment_feedback_record(
        actor=personas.manager_a,
        assessment_id=a.pk,
        expected_version=3,
        meeting_on=dt.date(2026, 5, 28),
        notes="Late meeting.",
    )
    verdict = _verdicts(case_a.pk, dt.date(2026, 5, 29))["iqa.feedback_timely"]
    assert verdict.outcome == "not_met" and "given Thu 28 May 2026" in verdict.reason


def test_a_submission_makes_every_open_case_of_the_prosecutor_due_for_the_incremental_sweep(
    personas, case_a, time_machine
) -> None:
    """The quota verdict of every case the prosecutor holds depends on their assessments: the next
    nightly sweep must evaluate them all again, not keep their stored verdicts."""
    from casework.assurance.sweep import assurance_sweep
    from tests.factories import make_case

    other = make_case(actor=personas.manager_a, allocated_lawyer_id=case_a.allocated_lawyer_id)
    unrelated = make_case(actor=personas.manager_a)
    time_machine.move_to(dt.datetime(2026, 2, 10, 10, tzinfo=dt.UTC), tick=False)
    today = dt.date(2026, 2, 10)
    assurance_sweep(today=today)
    assert assurance_sweep(today=today).cases == 0  # nothing changed
    generations = dict(CaseSweepMark.objects.filter(sweep="assurance").values_list("case_id", "generation"))
    assessment = submitted(personas.manager_a, case_a)
    swept = assurance_sweep(today=today)
    assert swept.cases == 2  # the assessed case and the prosecutor's other open case
    marks = CaseSweepMark.objects.filter(sweep="assurance")
    assert marks.get(case=other).generation > generations[other.pk]
    assert marks.get(case=unrelated).generation == generations[unrelated.pk]
    # Feedback changes the assessed case's timeliness: that case (and the prosecutor's) again.
    services.assessment_feedback_record(
        actor=personas.manager_a,
        assessment_id=assessment.pk,
        expected_version=Assessment.objects.get(pk=assessment.pk).version,
        meeting_on=today,
        notes="Discussed.",
    )
    assert assurance_sweep(today=today).cases == 2
