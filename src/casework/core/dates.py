"""Dates for people and the one bound on the dates the service stores.

Formatting: dates and times as the GOV.UK style guide writes them ("8 December 2026", "8 December
2026 at 14:05"). Pages, messages and documents use these; exports keep ISO 8601 for machines.

Plausibility: a date such as 01/01/0001 or 31/12/9999 is a typing slip or an attack, never a fact
about a case: stored, it breaks every calculation that adds days to it (working-day arithmetic,
custody time limits, the nightly sweeps). Services refuse it with a field message before anything
is written. The checks are pure functions: the caller passes `today` (from casework.core.clock).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from typing import Any

from casework.core import clock
from casework.core.errors import ValidationFailed
from casework.core.working_days import long_date


def govuk_date(value: dt.date | None) -> str:
    """A calendar date in full, without a leading zero: 8 December 2026."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = clock.local(value).date() if value.tzinfo else value.date()
    return long_date(value)


def govuk_datetime(value: dt.datetime | None) -> str:
    """An instant as UK wall-clock time: 8 December 2026 at 14:05."""
    if value is None:
        return ""
    local = clock.local(value) if value.tzinfo else value
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def govuk_month(value: dt.date | None) -> str:
    """A month: December 2026."""
    return "" if value is None else f"{value:%B %Y}"


#: Nothing the service records happened before this (the oldest living person was born after it).
EARLIEST = dt.date(1900, 1, 1)
#: Nothing is planned further ahead than this many years (trials are listed up to a few years out).
YEARS_AHEAD = 10


@functools.lru_cache(maxsize=16)  # asked once per date checked: an import checks thousands
def latest(today: dt.date) -> dt.date:
    """The last plausible date: YEARS_AHEAD years from today (28 February for a 29 February today)."""
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


#: How a field is named in a message where its attribute name reads badly.
LABELS = {
    "starts_at": "The date of the hearing",
    "occurred_on": "The date of the event",
    "held_on": "The date of the meeting",
    "meeting_on": "The date of the meeting",
    "met_on": "The date it was met",
    "entry_on": "The date of the check",
    "due_on": "The due date",
    "reviewed_on": "The date of the review",
    "accepted_on": "The date the case was accepted",
    "week_starting": "The week",
    "since": "The date the post became vacant",
    "filled_on": "The date the post was filled",
    "expires_on": "The end date",
    "effective_from": "The date it takes effect",
}


def _label(field: str) -> str:
    if field in LABELS:
        return LABELS[field]
    words = field.removesuffix("_id").replace("_", " ").strip()
    return (words[:1].upper() + words[1:]) or "The date"


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None


def _long(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def date_problem(field: str, value: Any, *, today: dt.date, past_only: bool = False) -> str | None:
    """The GOV.UK-worded message for an implausible date, or None if `value` is fine or not a date."""
    day = _day(value)
    if day is None:
        return None
    if day < EARLIEST:
        return f"{_label(field)} must be on or after {_long(EARLIEST)}"
    if past_only and day > today:
        return f"{_label(field)} must be in the past"
    last = latest(today)
    if day > last:
        return f"{_label(field)} must be on or before {_long(last)}"
    return None


def date_field_errors(
    values: Mapping[str, Any], *, today: dt.date, past_only: Iterable[str] = ()
) -> dict[str, list[str]]:
    """{field: [message]} for every date or datetime among `values` outside the plausible range."""
    past = set(past_only)
    errors: dict[str, list[str]] = {}
    for field, value in values.items():
        problem = date_problem(field, value, today=today, past_only=field in past)
        if problem:
            errors[field] = [problem]
    return errors


def require_plausible_dates(values: Mapping[str, Any], *, today: dt.date, past_only: Iterable[str] = ()) -> None:
    """Raise ValidationFailed naming each implausible date among `values` (other values are ignored)."""
    errors = date_field_errors(values, today=today, past_only=past_only)
    if errors:
        raise ValidationFailed("Some dates are not plausible. Check the day, month and year.", field_errors=errors)


def require_plausible(**values: Any) -> None:
    """require_plausible_dates for a service's named date arguments, against today's date."""
    require_plausible_dates(values, today=clock.today())
