"""The retention arithmetic and where a record stands, without a database."""

from __future__ import annotations

import datetime as dt

import pytest

from casework.records import rules
from casework.records.choices import Decision, RetentionState

D = dt.date


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2020, 1, 31), 1, D(2020, 2, 29)),
        (D(2019, 1, 31), 1, D(2019, 2, 28)),
        (D(2016, 3, 14), 84, D(2023, 3, 14)),
        (D(2020, 12, 15), 1, D(2021, 1, 15)),
        (D(2021, 3, 31), -1, D(2021, 2, 28)),
    ],
)
def test_add_months(day, months, expected):
    assert rules.add_months(day, months) == expected


def verdict(**changes):
    values = {
        "today": D(2026, 6, 1),
        "trigger_date": D(2020, 1, 10),
        "period_months": 36,
        "rule": "case-file-acquitted v1",
        "trigger_text": "the date the case was finalised",
        "holds": [],
        "decision": None,
    }
    values.update(changes)
    return rules.retention_verdict(**values)


def test_a_record_past_its_period_is_due_and_says_why():
    result = verdict()
    assert (result.state, result.due_on) == (RetentionState.DUE, D(2023, 1, 10))
    assert "case-file-acquitted v1" in result.explanation and "10 January 2020" in result.explanation


def test_before_the_period_ends_it_is_not_due():
    assert verdict(today=D(2023, 1, 9)).state == RetentionState.NOT_DUE
    assert verdict(today=D(2023, 1, 10)).state == RetentionState.DUE


def test_without_a_trigger_date_the_period_has_not_started():
    result = verdict(trigger_date=None)
    assert (result.state, result.due_on) == (RetentionState.NOT_DUE, None)


def test_a_legal_hold_beats_an_approval():
    approved = rules.LastDecision(Decision.APPROVE, None, "over")
    result = verdict(holds=[rules.Hold("Appeal pending", None)], decision=approved)
    assert result.state == RetentionState.HELD
    assert not result.disposable
    assert "Appeal pending" in result.explanation


def test_an_approval_makes_it_disposable():
    result = verdict(decision=rules.LastDecision(Decision.APPROVE, None, "over"))
    assert result.state == RetentionState.APPROVED and result.disposable


def test_keeping_it_longer_defers_it_until_the_date_then_it_is_due_again():
    kept = rules.LastDecision(Decision.EXTEND, D(2027, 1, 1), "complaint open")
    assert verdict(decision=kept).state == RetentionState.EXTENDED
    assert verdict(decision=kept).due_on == D(2027, 1, 1)
    later = verdict(decision=kept, today=D(2027, 1, 1))
    assert (later.state, later.due_on) == (RetentionState.DUE, D(2027, 1, 1))


def test_an_extension_beyond_the_normal_due_date_only():
    kept = rules.LastDecision(Decision.EXTEND, D(2021, 1, 1), "short")
    assert verdict(decision=kept, today=D(2022, 1, 1)).state == RetentionState.NOT_DUE


def test_the_rule_for_a_case_follows_its_outcome_or_closing_stage():
    assert rules.case_outcome_key(stage="finalised", outcome="acquitted") == "acquitted"
    assert rules.case_outcome_key(stage="nfa", outcome="") == "nfa"
    assert rules.case_outcome_key(stage="discontinued", outcome="") == "discontinued"
    assert rules.case_outcome_key(stage="finalised", outcome="") == ""
