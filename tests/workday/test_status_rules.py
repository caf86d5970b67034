"""A case's status and one next action, from its facts (pure rules, CPS naming, three urgency words)."""

from __future__ import annotations

import datetime as dt

import pytest

from casework.workday.rules import CaseStatusFacts, case_status, urgency_of

TODAY = dt.date(2026, 3, 2)


def status(**facts):
    return case_status(CaseStatusFacts(**{"stage": "charged", "has_prosecutor": True, **facts}), TODAY)


@pytest.mark.parametrize(
    ("days", "word"),
    [(30, ""), (7, "Due soon"), (0, "Due soon"), (-1, "Overdue"), (-7, "Overdue"), (-8, "Critically overdue")],
)
def test_urgency_words(days: int, word: str) -> None:
    assert urgency_of(TODAY + dt.timedelta(days=days), TODAY) == word


def test_custody_comes_first_and_names_the_extension() -> None:
    result = status(has_prosecutor=False, ctl_expires_on=TODAY + dt.timedelta(days=5))
    assert result.label == "Custody time limit: extension needed"
    assert result.next_action == "Apply to extend the custody time limit" and result.urgency == "Due soon"
    # A trial listed before the expiry, or an application in hand, needs no extension.
    assert status(ctl_expires_on=TODAY + dt.timedelta(days=5), next_trial_on=TODAY).label != result.label
    assert status(ctl_expires_on=TODAY + dt.timedelta(days=5), extension_in_hand=True).label != result.label
    assert status(ctl_expired=True).urgency == "Critically overdue"
    undecided = status(extension_hearing_undecided_on=TODAY - dt.timedelta(days=2))
    assert undecided.label == "Custody time limit: extension decision not recorded" and undecided.colour == "red"


def test_statuses_in_the_order_of_harm() -> None:
    assert status(has_prosecutor=False).label == "Ready to allocate"
    late = status(next_deadline_on=TODAY - dt.timedelta(days=10), next_deadline_title="Serve the case")
    assert (late.label, late.next_action, late.urgency) == ("Deadline overdue", "Serve the case", "Critically overdue")
    assert status(hearing_record_sheet_missing=True).label == "Waiting for hearing record sheet"
    assert status(signoff_waiting_since=TODAY).label == "Waiting for sign-off"
    assert status(review_overdue=True).label == "Ready for case review"
    assert status(stage="pre_charge").label == "Ready for charging decision"
    assert status().label == "Waiting for a hearing date"
    listed = status(next_hearing_on=TODAY + dt.timedelta(days=20), next_hearing_label="trial")
    assert listed.label == "Waiting for trial" and listed.urgency == ""
    assert status(stage="finalised").label == "Case finalised"


def test_no_escalated_and_red_only_for_problems() -> None:
    calm = status(next_hearing_on=TODAY + dt.timedelta(days=20))
    assert calm.colour != "red" and "Escalated" not in (calm.label + calm.urgency)
