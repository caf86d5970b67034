"""Exports prepared in the background: who asked for which list, with which filters, how far the
worker has got, and where the finished file is until it expires.

The file lives under settings.EXPORTS_DIR (not in the database): a national XLSX is tens of
megabytes, written by a write-only workbook straight to disk, and served from there in chunks.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (XLSX)"


class ExportState(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Being prepared"
    DONE = "done", "Ready to download"
    FAILED = "failed", "Not made"
    EXPIRED = "expired", "Expired"


#: States in which a worker is (or should soon be) busy: the page keeps refreshing, and asking for
#: the same export again returns this job.
ACTIVE_STATES = (ExportState.QUEUED, ExportState.RUNNING)


class ExportJobQuerySet(models.QuerySet["ExportJob"]):
    def visible_to(self, user: Any) -> ExportJobQuerySet:
        """The one access path for export jobs: a job and its file are the requester's alone
        (anyone else, administrators included, gets a 404), and only while they are active."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self.filter(requester=user)


class ExportJob(models.Model):
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=40, help_text="Which export (see casework.exports.kinds).")
    title = models.CharField(max_length=250, help_text="What the file holds, as the requester saw it.")
    parameters = models.JSONField(default=dict, blank=True, help_text="The list's filters, to run it again.")
    fmt = models.CharField(max_length=4, choices=ExportFormat.choices)
    recipient = models.CharField(max_length=250)
    purpose = models.CharField(max_length=500)
    request_key = models.CharField(
        max_length=64, help_text="SHA-256 of kind, parameters, format, recipient and purpose: the same request."
    )
    state = models.CharField(max_length=10, choices=ExportState.choices, default=ExportState.QUEUED)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_written = models.PositiveIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True)
    requested_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    progressed_at = models.DateTimeField(null=True, blank=True, help_text="Last block written (a heartbeat).")
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="When the file is removed.")
    file_name = models.CharField(max_length=120, blank=True, help_text="Under settings.EXPORTS_DIR; blank: none.")
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    disclosure_seq = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The audit `disclose` event written when the file was made."
    )
    failure = models.CharField(max_length=500, blank=True, help_text="Why it was not made, and what to do.")

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["requester", "-requested_at"], name="export_job_requester")]
        constraints = [
            # Asking twice while the first is queued or running returns the first (see services).
            models.UniqueConstraint(
                fields=["requester", "request_key"],
                condition=Q(state__in=["queued", "running"]),
                name="export_job_one_active_per_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_fmt_display()}, {self.get_state_display()})"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def percent_done(self) -> int:
        if self.state == ExportState.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(100, int(100 * self.rows_written / self.rows_total))
