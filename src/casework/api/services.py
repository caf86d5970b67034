"""Writes for API access: issuing, revoking and recording use of tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from casework.api.models import ADMINISTRATOR, ApiToken
from casework.audit import services as audit
from casework.audit.choices import Action
from casework.core import clock
from casework.core.errors import NotFound, ValidationFailed
from casework.people.models import User

PREFIX_LENGTH = 8
#: Only write last_used_at when it is this stale, so busy clients do not write on every request.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    """The one moment the secret exists outside the client: it is returned, never stored."""

    token: str
    record: ApiToken


@transaction.atomic
def api_token_issue(*, actor: User, name: str = "") -> IssuedToken:
    """Issue a bearer token for `actor` lasting settings.API_TOKEN_LIFETIME_DAYS."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise ValidationFailed("Only an active, signed-in user can be given a token.")
    token = secrets.token_urlsafe(32)
    now = clock.now()
    record = ApiToken.objects.create(
        user=actor,
        name=name.strip()[:100],
        key_prefix=token[:PREFIX_LENGTH],
        key_hash=token_hash(token),
        created_at=now,
        expires_at=now + timedelta(days=settings.API_TOKEN_LIFETIME_DAYS),
    )
    # The event names the token by prefix only: the audit trail must never hold the secret.
    audit.record(
        actor=actor,
        action=Action.PERMISSION_CHANGE,
        subject=record,
        changes={"api_token": [None, f"issued {record.key_prefix}… expires {record.expires_at.isoformat()}"]},
    )
    return IssuedToken(token=token, record=record)


def _revoke(*, actor: User | None, token: ApiToken, reason: str) -> None:
    token.revoked_at = clock.now()
    token.revoked_reason = reason[:200]
    token.save(update_fields=["revoked_at", "revoked_reason"])
    audit.record(
        actor=actor,
        action=Action.PERMISSION_CHANGE,
        subject=token,
        subject_label=f"API token {token.key_prefix}… of user {token.user_id}",
        changes={"api_token": [f"active {token.key_prefix}…", f"revoked: {reason}"[:200]]},
    )


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken | int, reason: str = "") -> ApiToken:
    """Revoke a token: one's own, or anyone's for an administrator. Any other is NotFound."""
    token_id = token.pk if isinstance(token, ApiToken) else token
    found = ApiToken.objects.visible_to(actor).select_for_update().filter(pk=token_id).first()
    if found is None:
        raise NotFound("API token not found.")
    if found.revoked_at is None:
        who = "by its holder" if found.user_id == actor.pk else "by an administrator"
        _revoke(actor=actor, token=found, reason=reason or f"revoked {who}")
    return found


@transaction.atomic
def api_tokens_revoke_all(*, actor: User | None, user_id: int, reason: str) -> int:
    """Revoke every live token of a person. `actor` None: the system (a change of credentials).
    A person may revoke all their own; an administrator anyone's; otherwise NotFound."""
    if actor is not None and actor.pk != user_id and ADMINISTRATOR not in getattr(actor, "role_codes", frozenset()):
        raise NotFound("Person not found.")
    live = list(ApiToken.objects.select_for_update().filter(user_id=user_id, revoked_at__isnull=True))
    for token in live:
        _revoke(actor=actor, token=token, reason=reason)
    return len(live)


def api_tokens_of(*, viewer: Any, user_id: int) -> list[ApiToken]:
    """A person's tokens, newest first, as the viewer may see them (own, or any for administrators);
    with the person, whose active flag each token's answer reports (one read, not one per token)."""
    return list(
        ApiToken.objects.visible_to(viewer)
        .filter(user_id=user_id)
        .select_related("user")
        .order_by("-created_at", "-id")
    )


def revoke_on_credentials_change(*, user: Any, actor: User, reason: str) -> None:
    """A changed password or a switched-off account ends every token the person holds."""
    api_tokens_revoke_all(actor=None, user_id=user.pk, reason=reason)


def api_token_authenticate(*, token: str) -> ApiToken | None:
    """The usable token record matching `token`, with its user, or None."""
    if len(token) < PREFIX_LENGTH or len(token) > 200:
        return None
    digest = token_hash(token)
    candidates = ApiToken.objects.usable().select_related("user").filter(key_prefix=token[:PREFIX_LENGTH])
    for candidate in candidates:
        if secrets.compare_digest(candidate.key_hash, digest):
            _touch(candidate)
            return candidate
    return None


def _touch(token: ApiToken) -> None:
    """Record use, coarsely (not audited: the requests it makes are)."""
    now = clock.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    ).update(last_used_at=now)
    token.last_used_at = now
