"""What the audit trail asks the case register (a hook, casework.core.extensions).

The trail holds a case only as its id (AuditEvent.case_id), so the audit app, which sits below the
case register, never imports it. Two questions need the register: which events a unit head may
read (those about the unit's cases) and which case `casework audit export --case URN` means. The
cases app answers them on its AppConfig:

    audit_case_lookups = {"unit_case_ids": "...", "case_by_reference": "..."}
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

from casework.core.extensions import ExtensionPoint

CASE_LOOKUPS = ExtensionPoint[Callable[..., Any]](
    "audit_case_lookups",
    "unit_case_ids(unit_id) -> a query of the unit's case ids; case_by_reference(reference) -> case or None.",
)


def _lookup(name: str) -> Callable[..., Any]:
    found = CASE_LOOKUPS.by_key().get(name)
    if found is None:
        raise ImproperlyConfigured(f"No installed app declares audit_case_lookups[{name!r}] (the cases app should).")
    return found


def unit_case_ids(unit_id: int) -> QuerySet[Any]:
    """The ids of the unit's cases, as a query to use inside another (one round trip)."""
    ids: QuerySet[Any] = _lookup("unit_case_ids")(unit_id)
    return ids


def case_by_reference(reference: str) -> Any | None:
    """The case with this URN, or with this id when the reference is a number; None if none."""
    return _lookup("case_by_reference")(reference)
