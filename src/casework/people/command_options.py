"""Option parsing about the organisation, shared by the management commands (one clear error each)."""

from __future__ import annotations

from django.core.management.base import CommandError

from casework.people.models import Unit


def unit_id_from_code(code: str | None) -> int | None:
    """The id of the unit with this code; None when no code was given."""
    if not code:
        return None
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        known = ", ".join(Unit.objects.values_list("code", flat=True))
        raise CommandError(f"No unit with code {code!r}. Known units: {known}")
    return unit.pk
