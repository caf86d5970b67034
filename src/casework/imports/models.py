"""Import runs, their row-level report, and the uploaded files a background import reads.

An ImportRun remembers which file (by SHA-256), mapping and unit it imports, and the last group
committed, so re-running the same file after an interruption continues where it stopped.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportKind(models.TextChoices):
    CASES = "cases", "Cases, defendants, charges and hearings"
    STAFF = "staff", "Staff"
    TIME = "time", "Time records"


class RunStatus(models.TextChoices):
    CHECKING = "checking", "Being checked"
    REJECTED = "rejected", "Rejected: the file has errors"
    VALIDATED = "validated", "Checked: ready to import (nothing written yet)"
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Running or interrupted"
    FAILED = "failed", "Stopped by an error: committed batches are kept, resume to finish"
    COMPLETED = "completed", "Completed"


#: Statuses in which the page keeps refreshing because a worker is (or should be) busy.
ACTIVE_STATUSES = frozenset({RunStatus.CHECKING, RunStatus.QUEUED, RunStatus.RUNNING})


class ImportRun(models.Model):
    kind = models.CharField(max_length=10, choices=ImportKind.choices, default=ImportKind.CASES)
    file_name = models.CharField(max_length=250)
    file_digest = models.CharField(max_length=64, help_text="SHA-256 of the files' contents.")
    mapping_name = models.CharField(max_length=120)
    mapping_data = models.JSONField(default=dict, blank=True, help_text="The mapping used, to run it again later.")
    unit = models.ForeignKey(
        "people.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Staff imports may span units; case and time imports are for one unit.",
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=RunStatus.choices)
    total_groups = models.PositiveIntegerField(default=0, help_text="Units of work: a case with its parts, or a row.")
    total_rows = models.PositiveIntegerField(default=0)
    last_committed_group = models.PositiveIntegerField(default=0)
    rows_committed = models.PositiveIntegerField(default=0)
    batches_committed = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    altered_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    failure = models.CharField(max_length=500, blank=True, help_text="Why a background run stopped.")
    task_id = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField()
    progressed_at = models.DateTimeField(null=True, blank=True, help_text="Last batch committed (a heartbeat).")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["file_digest", "mapping_name", "unit", "status"], name="import_resume")]

    def __str__(self) -> str:
        return f"Import of {self.file_name} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def percent_done(self) -> int:
        return int(100 * self.last_committed_group / self.total_groups) if self.total_groups else 100


class ImportFile(models.Model):
    """An uploaded file kept until its background import has finished (then deleted: the records
    and the audit trail are the lasting copy; the digest stays on the run)."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=250)
    content = models.BinaryField()

    class Meta:
        ordering = ["run", "id"]

    def __str__(self) -> str:
        return self.name


class RowProblem(models.Model):
    """One validation finding: which sheet, row and column, the value, and why it was refused."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="problems")
    sheet = models.CharField(max_length=60)
    row = models.PositiveIntegerField(help_text="Spreadsheet row number (1 is the header).")
    column = models.CharField(max_length=120, blank=True)
    value = models.CharField(max_length=250, blank=True)
    reason = models.CharField(max_length=500)

    class Meta:
        ordering = ["run", "id"]

    def __str__(self) -> str:
        return f"{self.sheet} row {self.row}: {self.reason}"
