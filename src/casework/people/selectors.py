"""Reads about people. Every query starts from User.objects.visible_to(viewer)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from casework.core.streaming import NameTable, display_names, names
from casework.people.models import Absence, Unit, User


def visible_person_ids(*, viewer: Any, person_ids: Iterable[int | None]) -> frozenset[int]:
    """Which of these people the viewer may open, in one query (for linking names on a page)."""
    wanted = {pk for pk in person_ids if pk}
    if not wanted:
        return frozenset()
    return frozenset(User.objects.visible_to(viewer).filter(pk__in=wanted).values_list("pk", flat=True))


def absences_from(*, person: User, today: dt.date) -> QuerySet[Absence]:
    """The person's current and upcoming absences and reductions (not those already over)."""
    return Absence.objects.filter(person=person, ends_on__gte=today).order_by("starts_on", "id")


def lawyer_names() -> NameTable:
    """Every user's display name by id, formula-safe, for a streamed export (a few hundred rows even
    nationally: read once instead of joined per exported row)."""
    return NameTable(display_names, User.objects.all())


def unit_names() -> NameTable:
    """Every unit's name by id, formula-safe, for a streamed export."""
    return NameTable(names, Unit.objects.all())
