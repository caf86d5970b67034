"""Import runs and their row-level report.

An ImportRun remembers which file (by SHA-256), mapping and unit it imports, and the last case
group committed, so re-running the same file after an interruption continues where it stopped.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class RunStatus(models.TextChoices):
    REJECTED = "rejected", "Rejected: the file has errors"
    VALIDATED = "validated", "Validated (trial run, nothing written)"
    RUNNING = "running", "Running or interrupted"
    COMPLETED = "completed", "Completed"


class ImportRun(models.Model):
    file_name = models.CharField(max_length=250)
    file_digest = models.CharField(max_length=64, help_text="SHA-256 of the files' contents.")
    mapping_name = models.CharField(max_length=120)
    unit = models.ForeignKey("people.Unit", on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=RunStatus.choices)
    total_groups = models.PositiveIntegerField(default=0, help_text="Cases in the file, each with its parts.")
    total_rows = models.PositiveIntegerField(default=0)
    last_committed_group = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    altered_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["file_digest", "mapping_name", "unit", "status"], name="import_resume")]

    def __str__(self) -> str:
        return f"Import of {self.file_name} ({self.get_status_display()})"


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
