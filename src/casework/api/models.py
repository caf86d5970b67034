"""API tokens for machine clients. Only a hash of each token is stored; the token is shown once."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from casework.core import clock

ADMINISTRATOR = "administrator"


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        """Not revoked and not expired, for an active user."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=clock.now(), user__is_active=True)

    def visible_to(self, user: Any) -> ApiTokenQuerySet:
        """A person's own tokens; every token for a system administrator (who may revoke them)."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if ADMINISTRATOR in user.role_codes:
            return self.all()
        return self.filter(user_id=user.pk)


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True, help_text="What the token is for, e.g. 'nightly import'.")
    # The prefix finds the row quickly; the hash proves the token. The prefix alone is not a secret.
    key_prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 (hex) of the whole token.")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=200, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"API token {self.key_prefix}… ({self.name or 'unnamed'})"
