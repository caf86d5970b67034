"""The stage machine: every allowed and refused transition, with reasons."""

import pytest

from casework.cases.choices import Stage
from casework.cases.rules import TRANSITIONS, allowed_next_stages, check_transition

ALLOWED = [
    (Stage.PRE_CHARGE, Stage.CHARGING_DECISION),
    (Stage.PRE_CHARGE, Stage.NO_FURTHER_ACTION),
    (Stage.CHARGING_DECISION, Stage.CHARGED),
    (Stage.CHARGED, Stage.PTPH),
    (Stage.CHARGED, Stage.DISCONTINUED),
    (Stage.PTPH, Stage.TRIAL_PREPARATION),
    (Stage.PTPH, Stage.SENTENCE),
    (Stage.TRIAL_PREPARATION, Stage.TRIAL),
    (Stage.TRIAL, Stage.SENTENCE),
    (Stage.TRIAL, Stage.FINALISED),
    (Stage.SENTENCE, Stage.FINALISED),
]

REFUSED = [
    (Stage.PRE_CHARGE, Stage.TRIAL, "cannot move to “Trial”"),
    (Stage.CHARGED, Stage.NO_FURTHER_ACTION, "next can be: Plea and trial preparation hearing, Discontinued"),
    (Stage.FINALISED, Stage.TRIAL, "the case is closed"),
    (Stage.DISCONTINUED, Stage.CHARGED, "the case is closed"),
    (Stage.TRIAL, Stage.TRIAL, "already at “Trial”"),
    (Stage.PTPH, "bogus", "is not a stage"),
]


@pytest.mark.parametrize(("current", "target"), ALLOWED)
def test_allowed_transitions(current, target):
    verdict = check_transition(current, target)
    assert verdict.allowed, verdict.reason


@pytest.mark.parametrize(("current", "target", "reason"), REFUSED)
def test_refused_transitions_explain_why(current, target, reason):
    verdict = check_transition(current, target)
    assert not verdict.allowed
    assert reason in verdict.reason


def test_every_stage_has_a_transition_entry():
    assert set(TRANSITIONS) == set(Stage.values)


def test_terminal_stages_have_no_next_stage():
    for stage in (Stage.FINALISED, Stage.DISCONTINUED, Stage.NO_FURTHER_ACTION):
        assert allowed_next_stages(stage) == []


def test_every_open_stage_can_reach_a_closed_stage():
    closed = {Stage.FINALISED, Stage.DISCONTINUED, Stage.NO_FURTHER_ACTION}
    for start in Stage.values:
        seen, frontier = {start}, [start]
        while frontier:
            for nxt in TRANSITIONS[frontier.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    frontier.append(nxt)
        assert seen & closed, f"{start} can never be closed"
