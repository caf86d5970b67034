"""Dates and times as the GOV.UK style guide writes them: "8 December 2026", "8 December 2026 at 14:05".

Pages, messages and documents use these; exports keep ISO 8601 for machines.
"""

from __future__ import annotations

import datetime as dt

from casework.core import clock
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
