"""Account links (invitations and password resets) and the link from a person to their
organisation's identity provider."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class LinkPurpose(models.TextChoices):
    INVITATION = "invitation", "Invitation"
    PASSWORD_RESET = "password_reset", "Password reset"


class AccountLink(models.Model):
    """A one-time, expiring link sent by e-mail to set a password. Only a hash of the token is kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_links")
    purpose = models.CharField(max_length=20, choices=LinkPurpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    #: Set when a newer link for the same purpose replaced this one, or the password was set.
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "purpose", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} for {self.user}"


class ExternalIdentity(models.Model):
    """A person's account at an OpenID Connect provider: matched by issuer and subject, never by
    a claim the person or their provider's users could change (such as an e-mail address)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_identities")
    provider = models.CharField(max_length=40)
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField()
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["provider", "subject"]
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="identity_one_person_per_subject")]
        verbose_name_plural = "external identities"

    def __str__(self) -> str:
        return f"{self.provider}: {self.subject}"
