"""Option parsing shared by the management commands (one clear error message each)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError


def date_option(value: str | None, option: str) -> dt.date | None:
    """A YYYY-MM-DD option value as a date; None when not given."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"{option}: {value!r} is not a real date in the form YYYY-MM-DD (e.g. 2026-02-09)."
        ) from None
