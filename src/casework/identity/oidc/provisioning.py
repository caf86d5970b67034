"""First and every sign-in through a provider: match or create the person, then make their access
exactly what the provider's role map gives (a group removed at the provider removes the role here).
Every change of access is a `permission_change` event; a refusal leaves no role behind."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.core import clock
from casework.identity.models import ExternalIdentity
from casework.identity.oidc import rules
from casework.identity.oidc.config import Provider
from casework.people.choices import RoleCode
from casework.people.models import Area, PoliceForce, Role, Unit, User


class SignInRefused(Exception):
    def __init__(self, refusal: rules.Refusal) -> None:
        super().__init__(refusal.reason)
        self.refusal = refusal


ACCOUNT_OFF = rules.Refusal(
    "account deactivated", "Your account in Casework Assurance is switched off. Ask your administrator."
)
NOT_YOURS = rules.Refusal(
    "existing account outside this provider's scope",
    "An account with your e-mail address already exists and cannot be linked to this sign-in. Ask your administrator.",
)
CONFIG = rules.Refusal(
    "role map names an unknown unit, Area or force",
    "Casework Assurance could not place you in your unit or force. Ask your administrator to check the set-up.",
)


@dataclass(frozen=True)
class Placement:
    roles: frozenset[str]
    unit: Unit | None
    area: Area | None
    force: PoliceForce | None


def _placement(access: rules.Access) -> Placement:
    def find(model: Any, code: str | None) -> Any:
        if code is None:
            return None
        found = model.objects.filter(code=code).first()
        if found is None:
            raise SignInRefused(CONFIG)
        return found

    return Placement(access.roles, find(Unit, access.unit), find(Area, access.area), find(PoliceForce, access.force))


def _username_for(claims: dict[str, Any], provider: Provider) -> str:
    base = str(claims.get("preferred_username") or claims.get("email") or f"{provider.name}.{claims['sub']}")
    base = re.sub(r"[^\w.@+-]", "", base)[:140] or f"{provider.name}.user"
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base[:140]}.{n}"
    return candidate


def _match_by_email(provider: Provider, claims: dict[str, Any]) -> User | None:
    """An existing account with no provider link yet, matched on its e-mail address only where the
    provider speaks for that domain and the account holds nothing the provider could not grant.
    (E-mail claims can be changed by users at some providers: never trust them wider than that.)"""
    email = str(claims.get("email") or "").lower()
    if not email or "@" not in email or email.rsplit("@", 1)[1] not in provider.email_domains:
        return None
    if claims.get("email_verified") is False:
        return None
    matches = list(User.objects.filter(email__iexact=email, external_identities__isnull=True)[:2])
    if len(matches) != 1:
        return None
    user = matches[0]
    if provider.is_police:
        fits = user.role_codes <= {RoleCode.POLICE_LIAISON} and (
            user.police_force is None or user.police_force.code == provider.force
        )
    else:
        fits = RoleCode.POLICE_LIAISON not in user.role_codes and user.police_force_id is None
    if not fits:
        raise SignInRefused(NOT_YOURS)
    return user


def _apply(user: User, placement: Placement, claims: dict[str, Any], provider: Provider, created: bool) -> None:
    before = {
        "roles": sorted(user.role_codes) if not created else [],
        "unit": user.unit.code if user.unit else None,
        "area": user.area.code if user.area else None,
        "police_force": user.police_force.code if user.police_force else None,
    }
    personal_before = {"first_name": user.first_name, "last_name": user.last_name, "email": user.email}
    user.unit, user.area, user.police_force = placement.unit, placement.area, placement.force
    user.first_name = str(claims.get("given_name") or user.first_name)[:150]
    user.last_name = str(claims.get("family_name") or user.last_name)[:150]
    user.email = str(claims.get("email") or user.email)[:254]
    user.save()
    user.roles.set(Role.objects.filter(code__in=placement.roles))
    user.__dict__.pop("role_codes", None)
    after = {
        "roles": sorted(placement.roles),
        "unit": placement.unit.code if placement.unit else None,
        "area": placement.area.code if placement.area else None,
        "police_force": placement.force.code if placement.force else None,
    }
    access_changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if access_changes or created:
        access_changes["granted_by"] = [None, f"OpenID Connect provider {provider.name} ({provider.issuer})"]
        audit.record(
            actor=None,
            action=Action.PERMISSION_CHANGE,
            subject=user,
            subject_label=user.username,
            changes=access_changes,
        )
    personal = {
        key: [value, getattr(user, key)] for key, value in personal_before.items() if value != getattr(user, key)
    }
    if personal and not created:
        audit.record(actor=None, action=Action.ALTER, subject=user, subject_label=user.username, changes=personal)


def _strip_access(user: User, provider: Provider, reason: str) -> None:
    if not user.role_codes:
        return
    audit.record(
        actor=None,
        action=Action.PERMISSION_CHANGE,
        subject=user,
        subject_label=user.username,
        changes={"roles": [sorted(user.role_codes), []], "removed_by": [None, f"provider {provider.name}: {reason}"]},
    )
    user.roles.clear()
    user.__dict__.pop("role_codes", None)


@transaction.atomic
def provision(*, provider: Provider, claims: dict[str, Any]) -> User | rules.Refusal:
    """The person these verified claims describe, with the access the role map gives them now, or
    why they are refused. A refusal of a known person commits the removal of the roles the
    provider no longer gives: they are not left holding access their organisation took away."""
    subject = str(claims["sub"])
    link = ExternalIdentity.objects.select_related("user").filter(issuer=provider.issuer, subject=subject).first()
    user = link.user if link else None
    if user is not None and not user.is_active:
        return ACCOUNT_OFF
    access = rules.access_from_claims(provider, rules.claim_values(claims, provider.role_claim))
    if isinstance(access, rules.Refusal):
        if user is not None:
            _strip_access(user, provider, access.reason)
        return access
    try:
        placement = _placement(access)
        if user is None:
            user = _match_by_email(provider, claims)
    except SignInRefused as refused:
        return refused.refusal
    if user is not None and not user.is_active:
        return ACCOUNT_OFF
    created = user is None
    if user is None:
        user = User(username=_username_for(claims, provider))
        user.set_unusable_password()
    if not created and link is None and user.has_usable_password():
        # Linked to the organisation now: a local password would outlive a group removed there.
        user.set_unusable_password()
        user.save(update_fields=["password"])
        audit.record(
            actor=None,
            action=Action.PERMISSION_CHANGE,
            subject=user,
            subject_label=user.username,
            changes={"password": ["(set)", f"(removed: signs in through {provider.name})"]},
        )
    _apply(user, placement, claims, provider, created)
    now = clock.now()
    if link is None:
        link = ExternalIdentity.objects.create(
            user=user, provider=provider.name, issuer=provider.issuer, subject=subject, created_at=now
        )
    link.last_sign_in_at = now
    link.save(update_fields=["last_sign_in_at"])
    return user
