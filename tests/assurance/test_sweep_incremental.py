"""The nightly assurance sweep evaluates only what could have changed, stays right as days pass, and
answers the re-checks of the cases it evaluated (but not a change made during its evaluation)."""

from __future__ import annotations

import datetime as dt

import pytest

from casework.assurance import engine, selectors, services
from casework.assurance.models import AssuranceRule, PendingRecheck, VerdictPeriod
from casework.assurance.sweep import assurance_sweep
from casework.cases import services as case_services
from casework.cases.models import Case, CaseSweepMark
from casework.core.case_changes import notify_case_changed
from tests.factories import make_case

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 6, 1)


def stored(case_ids) -> dict[tuple[int, str], tuple[str, str]]:
    return {
        (case_id, code): (outcome, reason)
        for case_id, code, outcome, reason in VerdictPeriod.objects.filter(
            case_id__in=case_ids, valid_to__isnull=True
        ).values_list("case_id", "rule_code", "outcome", "reason")
    }


def evaluated_afresh(case_ids, today) -> dict[tuple[int, str], tuple[str, str]]:
    rules, ctx = selectors.rules_in_force(today), services.evaluation_context(today)
    return {
        (case_id, verdict.rule_code): (verdict.outcome, verdict.reason)
        for case_id, facts in selectors.facts_for_cases(list(case_ids), today).items()
        for verdict in engine.evaluate(facts, rules, ctx)
    }


def test_a_second_sweep_the_same_day_evaluates_nothing_and_an_edit_makes_its_case_due(personas, case_a, case_b):
    first = assurance_sweep(today=DAY)
    assert first.cases == Case.objects.count()
    second = assurance_sweep(today=DAY)
    assert second.cases == 0 and second.cases_unchanged == first.cases
    case_services.case_update(actor=personas.manager_a, case=case_a, expected_version=case_a.version, summary="New")
    third = assurance_sweep(today=DAY)
    assert third.cases == 1 and third.cases_unchanged == first.cases - 1


def test_day_by_day_the_stored_verdicts_equal_a_fresh_evaluation(personas, case_a, case_b):
    """Time passing alone (reviews and deadlines falling due, waivers running out) is caught on the
    day it changes a verdict, though most days evaluate nothing."""
    ids = list(Case.objects.values_list("pk", flat=True))
    evaluated_days = 0
    changed_days = 0
    before = None
    for offset in range(0, 400, 3):
        today = DAY + dt.timedelta(days=offset)
        report = assurance_sweep(today=today)
        evaluated_days += report.cases > 0
        now = stored(ids)
        assert now == evaluated_afresh(ids, today), today
        changed_days += before is not None and now != before
        before = now
    assert changed_days >= 1  # the register does change with time in this span
    assert evaluated_days < 134  # and most runs evaluate nothing


def test_a_rule_version_taking_effect_makes_every_case_due(personas, case_a, case_b):
    assurance_sweep(today=DAY)
    code = AssuranceRule.objects.order_by("code").values_list("code", flat=True).first()
    services.rule_publish_version(
        actor=personas.admin, code=code, effective_from=DAY + dt.timedelta(days=10), changes={"title": "Renamed"}
    )
    assert assurance_sweep(today=DAY + dt.timedelta(days=9)).cases < Case.objects.count()
    on_the_day = assurance_sweep(today=DAY + dt.timedelta(days=10))
    assert on_the_day.cases == Case.objects.count()
    rule_ids = VerdictPeriod.objects.filter(rule_code=code, valid_to__isnull=True).values_list(
        "rule__version", flat=True
    )
    assert set(rule_ids) == {AssuranceRule.objects.filter(code=code).order_by("-version").first().version}


def test_the_sweep_answers_the_waiting_rechecks_of_the_cases_it_evaluated(personas, case_a, case_b):
    case_services.case_update(actor=personas.manager_a, case=case_a, expected_version=case_a.version, summary="x")
    assert PendingRecheck.objects.filter(case=case_a).exists()
    report = assurance_sweep(today=DAY)
    assert not PendingRecheck.objects.exists()
    assert report.rechecks_answered >= 1


def test_a_change_during_the_sweep_keeps_its_recheck_and_makes_the_case_due_again(
    personas, case_a, case_b, monkeypatch
):
    case_services.case_update(actor=personas.manager_a, case=case_a, expected_version=case_a.version, summary="x")
    real = selectors.facts_for_cases

    def facts_then_a_change(case_ids, today):
        facts = real(case_ids, today)
        notify_case_changed(case_a.pk)  # a user's edit lands after the facts were read
        return facts

    monkeypatch.setattr(selectors, "facts_for_cases", facts_then_a_change)
    assurance_sweep(today=DAY)
    monkeypatch.setattr(selectors, "facts_for_cases", real)
    row = PendingRecheck.objects.get(case=case_a)
    assert row.generation >= 2  # the change during the sweep is still waiting
    mark = CaseSweepMark.objects.get(sweep="assurance", case=case_a)
    assert mark.generation != mark.swept_generation
    assert assurance_sweep(today=DAY).cases >= 1


def test_a_case_made_after_the_sweep_is_evaluated_by_the_next(personas, case_a):
    assurance_sweep(today=DAY)
    make_case(actor=personas.manager_a, operation_name="Newcomer")
    assert assurance_sweep(today=DAY).cases == 1
