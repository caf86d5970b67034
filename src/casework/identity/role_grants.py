"""Two-person control of access: a role that widens access to case data (choices.WIDENING_ROLES)
is requested by one administrator and takes effect only when a second administrator approves.

Neither the requester nor the person receiving the role may approve, so nobody can give
themselves the inspector role and read every case. Requests and decisions are audited as
permission changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.core import clock
from casework.core.errors import NotFound, PermissionDenied, TransitionRefused
from casework.people.choices import WIDENING_ROLES, RoleCode
from casework.people.models import Role, RoleGrant, RoleGrantStatus, User


def needs_second_person(codes: Iterable[str]) -> frozenset[str]:
    """Which of the roles being added must wait for a second administrator."""
    return frozenset(code for code in codes if code in WIDENING_ROLES)


def _require_administrator(actor: Any) -> None:
    if actor is not None and not actor.has_role(RoleCode.ADMINISTRATOR):
        raise PermissionDenied("Only an administrator can grant roles.")


@transaction.atomic
def role_grant_request(*, actor: Any, user: User, code: str, reason: str = "") -> RoleGrant:
    """Record a request for `user` to hold role `code` (idempotent while one is pending)."""
    _require_administrator(actor)
    role = Role.objects.get_or_create(code=code)[0]
    pending = RoleGrant.objects.filter(user=user, role=role, status=RoleGrantStatus.PENDING).first()
    if pending is not None:
        return pending
    grant = RoleGrant.objects.create(
        user=user,
        role=role,
        requested_by=actor if actor is not None else None,
        requested_at=clock.now(),
        reason=reason[:250],
    )
    audit.record(
        actor=actor,
        action=Action.PERMISSION_CHANGE,
        subject=user,
        subject_label=user.username,
        changes={"role_requested": [None, f"{RoleCode(code).label} (waiting for a second administrator)"]},
        justification=reason,
    )
    return grant


@transaction.atomic
def role_grant_decide(*, actor: Any, grant_id: int, approve: bool) -> RoleGrant:
    """A second administrator approves (the role is then held) or refuses a pending request."""
    _require_administrator(actor)
    grant = RoleGrant.objects.select_for_update().filter(pk=grant_id).first()
    if grant is None:
        raise NotFound("Role request not found.")
    if grant.status != RoleGrantStatus.PENDING:
        raise TransitionRefused("This request has already been decided.")
    if actor.pk in {grant.requested_by_id, grant.user_id}:
        raise PermissionDenied(
            "A second administrator must decide: you cannot approve a request you made or a role for yourself."
        )
    grant.status = RoleGrantStatus.APPROVED if approve else RoleGrantStatus.REFUSED
    grant.decided_by = actor
    grant.decided_at = clock.now()
    grant.save(update_fields=["status", "decided_by", "decided_at"])
    user = grant.user
    label = RoleCode(grant.role.code).label
    before = sorted(RoleCode(code).label for code in user.roles.values_list("code", flat=True))
    if approve:
        user.roles.add(grant.role)
    after = sorted(RoleCode(code).label for code in user.roles.values_list("code", flat=True))
    audit.record(
        actor=actor,
        action=Action.PERMISSION_CHANGE,
        subject=user,
        subject_label=user.username,
        changes={"roles": [before, after]} if approve else {"role_refused": [label, None]},
        justification=f"Second administrator {'approved' if approve else 'refused'} the request for {label}",
    )
    return grant
