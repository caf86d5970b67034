"""Check that ids a client sends name real records, so a typo is a 422 and not a database error."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Model

from casework.cases.models import AcceptanceCriterion, OffenceCategory
from casework.core.errors import ValidationFailed
from casework.people.models import PoliceForce, Unit, User

_PERSON_FIELDS = ("allocated_lawyer_id", "deputy_lawyer_id", "paralegal_id", "legal_manager_id")


def _missing(model: type[Model], ids: Iterable[int], **filters: Any) -> set[int]:
    wanted = set(ids)
    if not wanted:
        return set()
    found = set(model._default_manager.filter(pk__in=wanted, **filters).values_list("pk", flat=True))
    return wanted - found


def check_case_references(values: dict[str, Any]) -> None:
    """Raise ValidationFailed naming every field whose id matches no usable record."""
    errors: dict[str, list[str]] = {}
    people = {values[name] for name in _PERSON_FIELDS if values.get(name)}
    missing_people = _missing(User, people, is_active=True)
    for name in _PERSON_FIELDS:
        if values.get(name) in missing_people:
            errors[name] = ["No active person has this id."]
    singles: list[tuple[str, type[Model], dict[str, Any], str]] = [
        ("unit_id", Unit, {}, "No unit has this id."),
        ("lead_force_id", PoliceForce, {}, "No police force has this id."),
        (
            "acceptance_criterion_id",
            AcceptanceCriterion,
            {"is_active": True},
            "No current acceptance criterion has this id.",
        ),
    ]
    for name, model, filters, message in singles:
        if values.get(name) and _missing(model, [values[name]], **filters):
            errors[name] = [message]
    categories = values.get("offence_category_ids") or []
    unknown = _missing(OffenceCategory, categories)
    if unknown:
        errors["offence_category_ids"] = [f"No offence category has id {pk}." for pk in sorted(unknown)]
    if errors:
        raise ValidationFailed("Some of the records you referred to do not exist.", field_errors=errors)
