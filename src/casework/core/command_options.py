"""Option parsing shared by the management commands (one clear error message each)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError


def unit_id_from_code(code: str | None) -> int | None:
    """The id of the unit with this code; None when no code was given."""
    if not code:
        return None
    from casework.people.models import Unit

    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        known = ", ".join(Unit.objects.values_list("code", flat=True))
        raise CommandError(f"No unit with code {code!r}. Known units: {known}")
    return unit.pk


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
