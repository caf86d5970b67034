"""Where the England-and-Wales bank holidays come from, and the calendar every app counts with.

The stored table (`NonWorkingDay`, with `BankHolidayYear` marking the years it is complete for)
is loaded from the `holidays` package (England subdivision, substitute days included; pinned in
uv.lock, so upgrading it brings new one-off holidays) or from the JSON file GOV.UK publishes at
/bank-holidays.json, for deployments that must follow the official list exactly. Years the table
does not hold are worked out from the package's rules when asked about, and flagged.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path

import holidays

from casework.core.models import BankHolidayYear, NonWorkingDay
from casework.core.working_days import WorkingCalendar

PACKAGE_SOURCE = f"holidays package {holidays.__version__} (UK, England subdivision)"
GOV_UK_DIVISION = "england-and-wales"


def from_package(first_year: int, last_year: int) -> dict[dt.date, str]:
    return dict(holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1)))


def rules_for_year(year: int) -> dict[dt.date, str]:
    """One year's holidays from the package's rules (for years the table does not hold)."""
    return from_package(year, year)


def from_gov_uk_file(path: Path) -> dict[dt.date, str]:
    """Parse GOV.UK's bank-holidays.json; raise ValueError with a clear message if it is not that."""
    try:
        data = json.loads(path.read_text())
        events = data[GOV_UK_DIVISION]["events"]
        return {dt.date.fromisoformat(event["date"]): str(event["title"]) for event in events}
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(
            f"{path} is not a GOV.UK bank holidays file (expected an '{GOV_UK_DIVISION}' section with events): {exc}"
        ) from exc


def complete_years(days: Mapping[dt.date, str]) -> list[int]:
    """Years a published list covers in full: it has the New Year holiday (1 to 3 January) and the
    Christmas holidays (25 to 28 December) of that year. A file listing only a one-off holiday in
    some year does not make that year complete."""
    by_year: dict[int, list[dt.date]] = defaultdict(list)
    for day in days:
        by_year[day.year].append(day)
    return sorted(
        year
        for year, dates in by_year.items()
        if any(d.month == 1 and d.day <= 3 for d in dates) and any(d.month == 12 and d.day >= 25 for d in dates)
    )


def working_calendar() -> WorkingCalendar:
    """The national calendar: the stored table for the years it holds, the package's rules beyond."""
    table = dict(NonWorkingDay.objects.values_list("date", "name"))
    years = frozenset(BankHolidayYear.objects.values_list("year", flat=True))
    return WorkingCalendar(table, years=years, rules=rules_for_year)
