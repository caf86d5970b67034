"""The national working-day calendar (casework.core): the loaded table, years worked out from the
rules (and said so), and dates no calendar covers refused rather than computed without holidays."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from casework.core import bank_holidays
from casework.core.models import BankHolidayYear, NonWorkingDay
from casework.core.working_days import CalendarNotCovered, WorkingCalendar
from casework.progression import services

D = dt.date


def test_table_years_use_the_table_and_other_years_the_rules() -> None:
    calendar = WorkingCalendar(
        {D(2026, 12, 25): "Christmas Day"}, years=frozenset({2026}), rules=bank_holidays.rules_for_year
    )
    assert calendar.non_working_reason(D(2026, 12, 25)) == "a bank holiday (Christmas Day)"
    # 2036 is not in the table: Christmas Day (a Thursday) comes from the rules.
    assert calendar.non_working_reason(D(2036, 12, 25)) == "a bank holiday (Christmas Day)"
    assert calendar.years_by_rule(D(2035, 12, 1), D(2036, 1, 5)) == [2035, 2036]
    assert calendar.years_by_rule(D(2026, 1, 1), D(2026, 12, 31)) == []


def test_a_year_no_calendar_covers_is_refused() -> None:
    table_only = WorkingCalendar({D(2026, 12, 25): "Christmas Day"})
    with pytest.raises(CalendarNotCovered, match="no bank-holiday information for 2036"):
        table_only.is_working_day(D(2036, 12, 24))
    with_rules = WorkingCalendar({}, rules=bank_holidays.rules_for_year)
    with pytest.raises(CalendarNotCovered, match="2150"):
        with_rules.preceding_working_day(D(2150, 1, 1))
    with pytest.raises(CalendarNotCovered, match="1980"):
        with_rules.is_working_day(D(1980, 1, 1))


def test_one_off_holidays_stored_for_a_rule_year_count_too() -> None:
    calendar = WorkingCalendar(
        {D(2041, 5, 8): "Coronation holiday"}, years=frozenset({2026}), rules=bank_holidays.rules_for_year
    )
    assert calendar.non_working_reason(D(2041, 5, 8)) == "a bank holiday (Coronation holiday)"
    assert calendar.non_working_reason(D(2041, 12, 25)) == "a bank holiday (Christmas Day)"


def test_complete_years_of_a_published_list() -> None:
    days = {D(2027, 1, 1): "New Year", D(2027, 12, 27): "Christmas", D(2028, 5, 8): "One-off"}
    assert bank_holidays.complete_years(days) == [2027]


def test_the_loaded_calendar_marks_its_years(db) -> None:
    assert set(range(2015, 2036)) <= set(BankHolidayYear.objects.values_list("year", flat=True))
    calendar = bank_holidays.working_calendar()
    assert 2026 in calendar.table_years and 2036 not in calendar.table_years
    assert calendar.non_working_reason(D(2036, 12, 25)) == "a bank holiday (Christmas Day)"


def test_refresh_from_a_gov_uk_file_marks_only_complete_years(db, tmp_path: Path) -> None:
    events = [
        {"title": "New Year's Day", "date": "2037-01-01"},
        {"title": "Christmas Day", "date": "2037-12-25"},
        {"title": "Coronation holiday", "date": "2041-05-08"},
    ]
    path = tmp_path / "bank-holidays.json"
    path.write_text(json.dumps({"england-and-wales": {"division": "england-and-wales", "events": events}}))
    result = services.calendar_refresh(actor=None, days=bank_holidays.from_gov_uk_file(path), source="GOV.UK test")
    assert result["complete_years"] == [2037]
    assert BankHolidayYear.objects.filter(year=2037).exists() and not BankHolidayYear.objects.filter(year=2041).exists()
    assert NonWorkingDay.objects.filter(date=D(2041, 5, 8)).exists()
