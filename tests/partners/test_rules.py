"""Pure rules: the 8 items, template diffs, deviations, lifecycle, SLA arithmetic, the ladder."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from casework.core.working_days import WorkingCalendar
from casework.partners import rules
from casework.partners.templates_data import template_v1
from tests.partners.conftest import ITEMS

V1 = template_v1()
# Easter 2026: Good Friday 3 April, Easter Monday 6 April; early May bank holiday 4 May.
CALENDAR = WorkingCalendar(
    {
        dt.date(2026, 4, 3): "Good Friday",
        dt.date(2026, 4, 6): "Easter Monday",
        dt.date(2026, 5, 4): "Early May bank holiday",
    }
)


def test_the_default_template_is_valid() -> None:
    assert rules.validate_template(V1) == []


def test_complete_request_has_nothing_missing() -> None:
    assert rules.check_completeness(ITEMS) == []


def test_each_missing_item_is_named_with_what_to_do() -> None:
    missing = rules.check_completeness({**ITEMS, "specific_questions": "", "disclosable_material": "  "})
    assert [(m.number, m.field) for m in missing] == [(6, "specific_questions"), (8, "disclosable_material")]
    assert missing[0].message == "Item 6 is missing. Set out the specific questions you want advice on."


def test_placeholders_and_too_short_answers_are_not_complete() -> None:
    missing = rules.check_completeness({**ITEMS, "key_evidence": "TBC", "factual_summary": "Fraud."})
    messages = {m.field: m.message for m in missing}
    assert messages["key_evidence"].startswith("Item 7 says only “TBC”.")
    assert messages["factual_summary"].startswith("Item 2 is too short to act on.")


def test_nothing_given_lists_all_eight() -> None:
    assert [m.number for m in rules.check_completeness({})] == list(range(1, 9))


def _v2() -> dict:
    v2 = copy.deepcopy(V1)
    v2["parameters"][1]["default"] = 8  # respond_days
    v2["sections"][5]["clauses"].append({"code": "progression.5", "text": "Digital files.", "required": True})
    v2["sections"][5]["clauses"][3]["required"] = True  # progression.4 becomes required
    v2["sections"][0]["clauses"][1]["text"] = "The prosecutor advises and does not direct the investigation."
    del v2["sections"][3]["clauses"][0]  # liaison.1 removed
    v2["ladder"][0]["response_days"] = 1
    return v2


def test_template_diff_lists_every_kind_of_change() -> None:
    summary = {(c.kind, c.area, c.code) for c in rules.template_diff(V1, _v2())}
    assert summary == {
        ("changed", "parameter", "respond_days"),
        ("added", "clause", "progression.5"),
        ("required_changed", "clause", "progression.4"),
        ("changed", "clause", "parties.2"),
        ("removed", "clause", "liaison.1"),
        ("changed", "ladder", "1"),
    }


def test_template_diff_of_identical_versions_is_empty() -> None:
    assert rules.template_diff(V1, copy.deepcopy(V1)) == []


def test_first_version_shows_everything_added() -> None:
    changes = rules.template_diff({}, V1)
    assert all(c.kind == "added" for c in changes)
    assert sum(c.area == "clause" for c in changes) == len(rules.clause_index(V1))


def test_invalid_templates_are_refused() -> None:
    bad = copy.deepcopy(V1)
    bad["sections"][1]["clauses"][2]["text"] = "Within {unknown_days} days."
    bad["ladder"] = [{"level": 2, "police": "x", "cps": "y", "response_days": 0}]
    problems = rules.validate_template(bad)
    assert any("unknown parameter {unknown_days}" in p for p in problems)
    assert any("levels numbered" in p for p in problems)


def test_agreement_clauses_show_variations_as_word_differences() -> None:
    deviations = {
        "liaison.2": rules.Deviation(
            text="Operational meetings every {operational_meeting_weeks} weeks by video.", reason="Rural force"
        ),
        "progression.4": rules.Deviation(text="", reason="No trial reviews", omitted=True),
    }
    views = {v.code: v for v in rules.agreement_clauses(V1, {"operational_meeting_weeks": 6}, deviations)}
    assert views["referral.3"].status == "as_template"
    assert "within 2 working days" in views["referral.3"].agreed_text
    varied = views["liaison.2"]
    assert varied.status == "varied" and varied.reason == "Rural force"
    assert varied.agreed_text == "Operational meetings every 6 weeks by video."
    assert varied.diff == [
        ("equal", "Operational"),
        ("delete", "liaison"),
        ("equal", "meetings"),
        ("delete", "are held"),
        ("equal", "every 6 weeks"),
        ("delete", "and strategic meetings every 13 weeks, with attendance and actions recorded."),
        ("insert", "by video."),
    ]
    assert views["progression.4"].status == "omitted" and views["progression.4"].diff[0][0] == "delete"


def test_required_clauses_cannot_be_left_out() -> None:
    problems = rules.deviation_problems(V1, "referral.1", omitted=True, text="", reason="Local")
    assert problems == [
        "Clause referral.1 is required by the HQ template and cannot be left out; vary its wording instead."
    ]
    assert rules.deviation_problems(V1, "progression.4", omitted=True, text="", reason="Local") == []
    assert "Give the reason" in rules.deviation_problems(V1, "referral.1", omitted=False, text="x", reason="")[0]


def test_parameters_are_checked_against_the_template_range() -> None:
    assert rules.validate_parameters(V1, {"acknowledge_days": 3}) == {}
    errors = rules.validate_parameters(V1, {"acknowledge_days": 30, "nonsense": 1})
    assert "between 1 and 10" in errors["acknowledge_days"][0]
    assert "no such parameter" in errors["nonsense"][0]


def test_migration_plan_says_what_must_change() -> None:
    steps = rules.migration_plan(V1, _v2(), {"respond_days": 12}, ["parties.2", "progression.4"])
    text = "\n".join(steps)
    assert "Clause parties.2 has a local variation" in text
    assert "New clause progression.5" in text
    assert "Clause progression.4 is now required" in text
    assert "escalation ladder changed" in text


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        ("draft", "negotiating", True),
        ("negotiating", "signed", True),
        ("draft", "signed", False),
        ("signed", "review_due", True),
        ("review_due", "signed", True),
        ("signed", "draft", False),
        ("expired", "signed", False),
        ("superseded", "signed", False),
    ],
)
def test_lifecycle_transitions(current: str, target: str, allowed: bool) -> None:
    assert (rules.transition_problem(current, target) is None) is allowed


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (dt.date(2026, 1, 1), "in_force"),
        (dt.date(2026, 2, 20), "reminder"),
        (dt.date(2026, 4, 1), "review_due"),
        (dt.date(2026, 10, 2), "expired"),
    ],
)
def test_review_state(today: dt.date, state: str) -> None:
    assert (
        rules.review_state(
            status="signed",
            review_due_on=dt.date(2026, 4, 1),
            expires_on=dt.date(2026, 10, 1),
            today=today,
            reminder_days=60,
        )
        == state
    )


def test_add_months_clamps_to_month_end() -> None:
    assert rules.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert rules.add_months(dt.date(2026, 11, 15), 14) == dt.date(2028, 1, 15)
    assert rules.add_months(dt.date(2026, 3, 15), -13) == dt.date(2025, 2, 15)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (dt.date(2026, 3, 30), 2, dt.date(2026, 4, 1)),  # Mon + 2 = Wed
        (dt.date(2026, 4, 2), 1, dt.date(2026, 4, 7)),  # Thu + 1 skips Good Friday, weekend, Easter Monday
        (dt.date(2026, 4, 1), 10, dt.date(2026, 4, 17)),  # 10 working days over Easter
        (dt.date(2026, 5, 1), 1, dt.date(2026, 5, 5)),  # Fri + 1 skips the weekend and the May bank holiday
        (dt.date(2026, 4, 4), 2, dt.date(2026, 4, 8)),  # submitted on a Saturday before Easter Monday
    ],
)
def test_sla_due_dates_count_working_days_only(start: dt.date, days: int, due: dt.date) -> None:
    assert rules.due_after(CALENDAR, start, days) == due


def test_sla_clock_states() -> None:
    due = dt.date(2026, 4, 7)
    assert rules.sla_clock("x", "cps", due, None, dt.date(2026, 4, 6)).state == "running"
    assert rules.sla_clock("x", "cps", due, None, due).state == "due_today"
    assert rules.sla_clock("x", "cps", due, None, dt.date(2026, 4, 8)).breached
    assert rules.sla_clock("x", "cps", due, dt.date(2026, 4, 7), dt.date(2026, 5, 1)).state == "met"
    assert rules.sla_clock("x", "cps", due, dt.date(2026, 4, 9), dt.date(2026, 5, 1)).state == "met_late"


def test_escalation_ladder_timing() -> None:
    ladder = V1["ladder"]
    raised = dt.date(2026, 4, 2)  # Thursday before Easter
    due_1 = rules.escalation_due(CALENDAR, ladder, 1, raised)
    assert due_1 == dt.date(2026, 4, 8)  # 2 working days: Tue 7, Wed 8
    assert rules.next_level(ladder, 1, due_1, due_1) is None
    assert rules.next_level(ladder, 1, due_1, due_1 + dt.timedelta(days=1)) == 2
    assert rules.escalation_due(CALENDAR, ladder, 3, dt.date(2026, 4, 27)) == dt.date(2026, 5, 5)  # 5 days, May BH
    assert rules.next_level(ladder, 4, due_1, dt.date(2027, 1, 1)) is None  # the top stays at the top


def test_coverage_gap_reasons() -> None:
    assert (
        rules.coverage_gap(status=None, template_number=None, current_number=2, review_state_="not_in_force")
        == "No agreement"
    )
    assert rules.coverage_gap(status="signed", template_number=2, current_number=2, review_state_="in_force") is None
    assert "version 1" in rules.coverage_gap(
        status="signed", template_number=1, current_number=2, review_state_="in_force"
    )
    assert (
        rules.coverage_gap(status="signed", template_number=2, current_number=2, review_state_="expired")
        == "Agreement expired"
    )
    assert rules.coverage_gap(
        status="negotiating", template_number=2, current_number=2, review_state_="not_in_force"
    ).startswith("Agreement not signed")
