"""From a provider's claims to a person's access: pure, so every mapping case is a table test."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from casework.identity.oidc.config import Provider
from casework.people.choices import CASEWORKER_ROLES, UNIT_MANAGER_ROLES, RoleCode

UNIT_ROLES = frozenset(CASEWORKER_ROLES | UNIT_MANAGER_ROLES)


@dataclass(frozen=True)
class Access:
    roles: frozenset[str]
    unit: str | None = None
    area: str | None = None
    force: str | None = None


@dataclass(frozen=True)
class Refusal:
    reason: str
    #: What the person is told (plain English, no configuration detail).
    message: str


UNMAPPED = Refusal(
    "unmapped",
    "Your organisation account is not set up for Casework Assurance: none of your groups gives you a role here.",
)


def claim_values(claims: dict[str, Any], claim: str) -> list[str]:
    """The role claim as a list of strings (providers send a list, a string, or space-separated roles)."""
    value = claims.get(claim)
    if value is None:
        return []
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return [str(value)]


def _one(values: Iterable[str | None], what: str) -> str | Refusal | None:
    found = {value for value in values if value}
    if len(found) > 1:
        return Refusal(
            f"conflicting {what}s: {sorted(found)}",
            f"Your groups place you in more than one {what}. Ask your administrator to correct your groups.",
        )
    return next(iter(found), None)


def access_from_claims(provider: Provider, values: Iterable[str]) -> Access | Refusal:
    """What the mapped claim values give, or why sign-in is refused. Never a default role."""
    grants = [grant for value in values for grant in provider.role_map.get(value, ())]
    # The map was checked at start-up; a grant this provider may not give is dropped all the same.
    grants = [grant for grant in grants if provider.may_grant(grant)]
    roles = frozenset(grant.role for grant in grants if grant.role)
    if not roles:
        return UNMAPPED
    unit, area = _one((g.unit for g in grants), "unit"), _one((g.area for g in grants), "Area")
    for value in (unit, area):
        if isinstance(value, Refusal):
            return value
    assert not isinstance(unit, Refusal) and not isinstance(area, Refusal)
    if roles & UNIT_ROLES and unit is None:
        return Refusal(
            "unit role without a unit", "Your groups give you a unit role but no unit. Ask your administrator."
        )
    if RoleCode.AREA_LEADERSHIP in roles and area is None:
        return Refusal(
            "area role without an Area", "Your groups give you an Area role but no Area. Ask your administrator."
        )
    return Access(roles=roles, unit=unit, area=area, force=provider.force)
