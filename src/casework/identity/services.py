"""Writes for accounts: invitations and password resets by e-mail, passwords, the second factor,
deactivation. Every change is audited (`permission_change`: it changes how a person gets in);
secrets never reach the audit trail."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.core import clock
from casework.core.errors import NotFound, PermissionDenied, ValidationFailed
from casework.identity.models import AccountLink, ExternalIdentity, LinkPurpose
from casework.notifications import services as notifications
from casework.people.choices import RoleCode
from casework.people.credentials import credentials_changed
from casework.people.models import User

HIDDEN = "(not recorded)"
RECOVERY_DEVICE = "Recovery codes"
AUTHENTICATOR_DEVICE = "Authenticator app"
#: At most this many reset e-mails per person per hour (the rest are dropped without saying so).
RESETS_PER_HOUR = 3


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _require_administrator(actor: User) -> None:
    if not (getattr(actor, "is_authenticated", False) and RoleCode.ADMINISTRATOR in actor.role_codes):
        raise PermissionDenied("Only a system administrator can do this.")


def _record_access(*, actor: User | None, user: Any, changes: dict[str, Any]) -> None:
    """A change to how a person gets in: a permission change in the audit trail (never a secret)."""
    audit.record(
        actor=actor, action=Action.PERMISSION_CHANGE, subject=user, subject_label=user.username, changes=changes
    )


def uses_organisation_sign_in(user: Any) -> bool:
    return ExternalIdentity.objects.filter(user=user).exists()


def mfa_required(user: Any) -> bool:
    """A local sign-in needs a one-time code: for administrators, for everyone with LOCAL_MFA, and
    for anyone who has set up an authenticator app."""
    if settings.LOCAL_MFA or (settings.MFA_FOR_ADMINISTRATORS and RoleCode.ADMINISTRATOR in user.role_codes):
        return True
    return authenticator_for(user) is not None


def authenticator_for(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def recovery_codes_left(user: Any) -> int:
    return int(StaticToken.objects.filter(device__user=user, device__name=RECOVERY_DEVICE).count())


# --- invitations and password resets ------------------------------------------------------------


def _issue_link(*, user: Any, purpose: str, actor: User | None, lifetime: timedelta) -> str:
    now = clock.now()
    for earlier in AccountLink.objects.filter(user=user, purpose=purpose, used_at=None, cancelled_at=None):
        earlier.cancelled_at = now
        earlier.save(update_fields=["cancelled_at"])
    token = secrets.token_urlsafe(32)
    AccountLink.objects.create(
        user=user,
        purpose=purpose,
        token_hash=_hash(token),
        created_at=now,
        expires_at=now + lifetime,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    return token


def _link_email(*, user: Any, purpose: str, token: str, expires_at: Any) -> None:
    notifications.notify(
        kind=purpose,
        to=notifications.Recipient.for_user(user),
        personalisation={
            "name": user.display_name,
            "username": user.username,
            "link": notifications.absolute_url(reverse("account_set_password", args=[token])),
            "expires_at": f"{clock.local(expires_at):%H:%M on %d %B %Y}",
        },
    )


def _send_link(*, user: Any, purpose: str, actor: User | None, lifetime: timedelta) -> AccountLink:
    """Issue a one-time link, audit that it was sent (never the token) and queue its e-mail."""
    token = _issue_link(user=user, purpose=purpose, actor=actor, lifetime=lifetime)
    link = AccountLink.objects.get(token_hash=_hash(token))
    _record_access(
        actor=actor,
        user=user,
        changes={purpose: [None, f"sent to {user.email}, expires {link.expires_at.isoformat()}"]},
    )
    _link_email(user=user, purpose=purpose, token=token, expires_at=link.expires_at)
    return link


@transaction.atomic
def invitation_send(*, actor: User, user_id: int) -> AccountLink:
    """E-mail a person a one-time link to set their password (any earlier invitation stops working)."""
    _require_administrator(actor)
    if not settings.LOCAL_LOGIN:
        raise ValidationFailed(
            "Local sign-in is switched off (LOCAL_LOGIN=0): people sign in with their organisation account."
        )
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound("Person not found.")
    if not user.is_active:
        raise ValidationFailed("This account is switched off. Reactivate it before inviting the person.")
    if not user.email:
        raise ValidationFailed("This person has no e-mail address. Add one before sending an invitation.")
    if uses_organisation_sign_in(user):
        raise ValidationFailed("This person signs in with their organisation account: there is no password to set.")
    lifetime = timedelta(hours=settings.INVITATION_LIFETIME_HOURS)
    return _send_link(user=user, purpose=LinkPurpose.INVITATION, actor=actor, lifetime=lifetime)


@transaction.atomic
def password_reset_request(*, email: str) -> None:
    """E-mail a reset link to the active local account with this address, if there is exactly one.

    Says nothing either way to the caller, so the form cannot be used to find out who has an account.
    """
    if not settings.LOCAL_LOGIN or not email.strip():
        return
    matches = list(User.objects.filter(email__iexact=email.strip(), is_active=True)[:2])
    if len(matches) != 1 or uses_organisation_sign_in(matches[0]):
        return
    user = matches[0]
    recent = AccountLink.objects.filter(
        user=user, purpose=LinkPurpose.PASSWORD_RESET, created_at__gte=clock.now() - timedelta(hours=1)
    ).count()
    if recent >= RESETS_PER_HOUR:
        return
    lifetime = timedelta(minutes=settings.PASSWORD_RESET_LIFETIME_MINUTES)
    _send_link(user=user, purpose=LinkPurpose.PASSWORD_RESET, actor=None, lifetime=lifetime)


def account_link_find(*, token: str) -> AccountLink | None:
    """The link for this token if it can still be used: not used, not replaced, not expired, and
    for an active account while local sign-in is on."""
    if not settings.LOCAL_LOGIN or not token or len(token) > 100:
        return None
    link = AccountLink.objects.select_related("user").filter(token_hash=_hash(token)).first()
    if link is None or link.used_at or link.cancelled_at or link.expires_at <= clock.now() or not link.user.is_active:
        return None
    return link


@transaction.atomic
def password_set_with_link(*, token: str, password: str) -> User:
    """Set the password through an invitation or reset link. The link then stops working."""
    link = account_link_find(token=token)
    if link is None:
        raise NotFound("This link has expired or has already been used.")
    link = AccountLink.objects.select_for_update().get(pk=link.pk)
    if link.used_at or link.cancelled_at:
        raise NotFound("This link has expired or has already been used.")
    user = link.user
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationFailed(
            "Choose a different password.", field_errors={"new_password1": list(error.messages)}
        ) from error
    now = clock.now()
    user.set_password(password)
    user.save(update_fields=["password"])
    link.used_at = now
    link.save(update_fields=["used_at"])
    for other in AccountLink.objects.filter(user=user, used_at=None, cancelled_at=None):
        other.cancelled_at = now
        other.save(update_fields=["cancelled_at"])
    _record_access(actor=user, user=user, changes={"password": [HIDDEN, HIDDEN], link.purpose: ["sent", "used"]})
    credentials_changed(user=user, actor=user, reason=f"password set with a {link.get_purpose_display().lower()} link")
    return user


@transaction.atomic
def password_changed(*, user: Any) -> None:
    """Record a password the person changed themselves (the form saved it in this transaction)."""
    audit.record(
        actor=user,
        action=Action.ALTER,
        subject=user,
        subject_label=user.get_username(),
        changes={"password": ["(changed)", "(changed)"]},
    )
    credentials_changed(user=user, actor=user, reason="password changed")


# --- the second factor ----------------------------------------------------------------------------


@transaction.atomic
def authenticator_enrolment_start(*, user: Any) -> TOTPDevice:
    """A new, unconfirmed authenticator for `user` (an earlier unconfirmed one is discarded)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_DEVICE, confirmed=False)


def _new_recovery_codes(user: Any) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_DEVICE, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(settings.MFA_RECOVERY_CODES)]
    for code in codes:
        device.token_set.create(token=code)
    return codes


@transaction.atomic
def authenticator_enrolment_confirm(*, user: Any, device_id: int, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the new authenticator with a code from it; returns it and fresh recovery codes."""
    device = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()
    if device is None:
        raise ValidationFailed("Start setting up your authenticator app again.")
    if not device.verify_token(code.replace(" ", "")):
        raise ValidationFailed(
            "The code is not correct. Enter the 6-digit code your app shows now.",
            field_errors={"code": ["Enter the 6-digit code your app shows now"]},
        )
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(user)
    _record_access(
        actor=user,
        user=user,
        changes={"second_factor": [None, "authenticator app"], "recovery_codes": [None, f"{len(codes)} issued"]},
    )
    return device, codes


@transaction.atomic
def recovery_codes_replace(*, user: Any) -> list[str]:
    if authenticator_for(user) is None:
        raise ValidationFailed("Set up an authenticator app first.")
    codes = _new_recovery_codes(user)
    _record_access(actor=user, user=user, changes={"recovery_codes": ["replaced", f"{len(codes)} issued"]})
    return codes


@dataclass(frozen=True)
class SecondFactor:
    device: Any
    used_recovery_code: bool


@transaction.atomic
def second_factor_verify(*, user: Any, code: str) -> SecondFactor | None:
    """Check a one-time code (or a recovery code, which is then used up). None when wrong.

    The authenticator refuses a code already used (django-otp remembers the last time step)."""
    cleaned = code.strip().replace(" ", "").lower()
    device = authenticator_for(user)
    if device is not None and cleaned.isdigit() and device.verify_token(cleaned):
        return SecondFactor(device=device, used_recovery_code=False)
    recovery = StaticDevice.objects.filter(user=user, name=RECOVERY_DEVICE).first()
    if recovery is not None and recovery.verify_token(cleaned):
        _record_access(
            actor=user, user=user, changes={"recovery_codes": ["unused", f"one used, {recovery_codes_left(user)} left"]}
        )
        return SecondFactor(device=recovery, used_recovery_code=True)
    return None


@transaction.atomic
def second_factor_reset(*, actor: User, user_id: int) -> None:
    """An administrator removes a person's authenticator and recovery codes (lost phone): they set
    up a new one at their next sign-in."""
    _require_administrator(actor)
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound("Person not found.")
    if user.pk == actor.pk:
        raise PermissionDenied("Ask another administrator to reset your own authenticator.")
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    _record_access(actor=actor, user=user, changes={"second_factor": ["set up", "reset by an administrator"]})


# --- switching an account off and on ------------------------------------------------------------


@transaction.atomic
def account_set_active(*, actor: User, user_id: int, active: bool) -> User:
    """Deactivate (the person cannot sign in; their sessions and API tokens end) or reactivate."""
    _require_administrator(actor)
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound("Person not found.")
    if user.pk == actor.pk and not active:
        raise PermissionDenied("You cannot switch off your own account.")
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    _record_access(actor=actor, user=user, changes={"is_active": [not active, active]})
    if not active:
        credentials_changed(user=user, actor=actor, reason="account deactivated")
    return user


@transaction.atomic
def person_open(*, actor: User, person_id: int, justification: str = "") -> Any:
    """Open a person record (a report about a person is a consultation under s.62)."""
    person = (
        User.objects.visible_to(actor)
        .select_related("unit", "grade", "team", "line_manager")
        .filter(pk=person_id)
        .first()
    )
    if person is None:
        raise NotFound("Person not found.")
    reason = justification or ("Own record" if person.pk == actor.pk else "Line management / unit oversight")
    audit.record(
        actor=actor, action=Action.CONSULT, subject=person, subject_label=person.username, justification=reason
    )
    return person
