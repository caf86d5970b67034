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

from casework.api.models import ApiToken
from casework.audit import services as audit
from casework.audit.choices import Action
from casework.core import clock
from casework.core.errors import ValidationFailed

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
def api_token_issue(*, actor: Any, name: str = "") -> IssuedToken:
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


@transaction.atomic
def api_token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    """Revoke a token. A user may revoke their own tokens."""
    if token.user_id != actor.pk:
        raise ValidationFailed("You can only revoke your own tokens.")
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor=actor,
            action=Action.PERMISSION_CHANGE,
            subject=token,
            changes={"api_token": [f"active {token.key_prefix}…", "revoked"]},
        )
    return token


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
