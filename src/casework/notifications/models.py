"""The record of every e-mail the service queued, sent, retried, or refused to send."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class EmailStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    RETRYING = "retrying", "Waiting to retry"
    FAILED = "failed", "Failed"
    REFUSED = "refused", "Refused (recipient may not receive it)"


class OutboundEmail(models.Model):
    """One message to one address. The personalisation is what the recipient was allowed to see."""

    kind = models.CharField(max_length=40, db_index=True)
    template_id = models.CharField(max_length=64, blank=True)
    to_email = models.EmailField()
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    personalisation = models.JSONField(default=dict)
    case_ids = models.JSONField(default=list, blank=True)
    #: Sent to Notify as `reference`, and unique: lets a retry be matched to the first attempt.
    reference = models.CharField(max_length=64, unique=True)
    #: Set by callers that must send a message at most once (a reminder for one overdue step).
    once_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    status = models.CharField(max_length=10, choices=EmailStatus.choices, default=EmailStatus.QUEUED, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_error = models.CharField(max_length=500, blank=True)
    provider_id = models.CharField(max_length=64, blank=True, help_text="GOV.UK Notify's notification id.")
    backend = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        verbose_name = "outbound e-mail"

    def __str__(self) -> str:
        return f"{self.kind} to {self.to_email} ({self.get_status_display()})"
