"""The one place the product asks what time it is.

Business code never calls `datetime.now()` or `date.today()`: it calls `clock.now()` or
`clock.today()`, so tests can freeze time (time-machine patches the underlying calls) and rules
can be given dates explicitly.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

LONDON = ZoneInfo("Europe/London")


def now() -> dt.datetime:
    """The current instant, timezone-aware, in UTC."""
    return timezone.now()


def today() -> dt.date:
    """Today's date in England and Wales (legal deadlines are London calendar dates)."""
    return now().astimezone(LONDON).date()


def local(instant: dt.datetime) -> dt.datetime:
    return instant.astimezone(LONDON)
