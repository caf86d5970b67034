"""Who may act on the partnership's records: the checks every partnership service makes first.

Visibility comes first, so a record outside the actor's view is NotFound, never "forbidden".
"""

from __future__ import annotations

from casework.core.errors import NotFound, PermissionDenied, ValidationFailed
from casework.partners.models import Agreement, Referral, force_scope
from casework.people.choices import CASEWORKER_ROLES, UNIT_MANAGER_ROLES, RoleCode
from casework.people.models import PoliceForce, Unit, User


def is_police(actor: User) -> bool:
    return RoleCode.POLICE_LIAISON in actor.role_codes


def serving_unit(force: PoliceForce) -> Unit:
    area = force.areas.select_related("unit").order_by("pk").first()
    if area is None:
        raise ValidationFailed(f"{force} is not linked to a CPS Area, so no CCU serves it.")
    return area.unit


def require_unit_manager(actor: User, unit_id: int) -> None:
    if not (actor.role_codes & UNIT_MANAGER_ROLES) or actor.unit_id != unit_id:
        raise PermissionDenied("Only the unit's legal managers and Unit Head can do this.")


def require_unit_lawyer(actor: User, unit_id: int) -> None:
    if not (actor.role_codes & (UNIT_MANAGER_ROLES | CASEWORKER_ROLES)) or actor.unit_id != unit_id:
        raise PermissionDenied("Only the unit's prosecutors and managers can do this.")


def visible_force(actor: User, force_id: int) -> PoliceForce:
    scope = force_scope(actor)
    forces = PoliceForce.objects.all() if scope is None else PoliceForce.objects.filter(scope)
    force = forces.filter(pk=force_id).first()
    if force is None:
        raise NotFound("Police force not found.")
    return force


def visible_agreement(actor: User, agreement: Agreement) -> Agreement:
    """The caller's own instance (its version is the one the caller saw), once we know the actor may see it."""
    if not Agreement.objects.visible_to(actor).filter(pk=agreement.pk).exists():
        raise NotFound("Agreement not found.")
    return agreement


def visible_referral(actor: User, referral: Referral) -> Referral:
    if not Referral.objects.visible_to(actor).filter(pk=referral.pk).exists():
        raise NotFound("Referral not found.")
    return referral


def police_of_force(actor: User, force_id: int) -> None:
    if not is_police(actor) or actor.police_force_id != force_id:
        raise NotFound("Referral not found.")
