"""Records management: the retention schedule (versioned policy data), legal holds, review
decisions, disposal runs and the disposal log an inspector reads.

A record is named by (record_type, record_id): a case file is ("case_file", "<case id>"), a referral
("referral_not_accepted" or "early_advice", "<referral id>"). `label` is what the record is called
in the logs, never personal data (a URN, a reference, an id).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from casework.cases.choices import CaseOutcome
from casework.core import clock
from casework.records.choices import Decision, DisposalAction, RecordType, RunStatus, Trigger


class RetentionRule(models.Model):
    """How long one type of record is kept after its trigger date, and what then happens to it.

    Versioned like every rule table: a change is a new version with its own effective date; a
    disposal records the version that made it due."""

    code = models.SlugField(max_length=60)
    version = models.PositiveIntegerField(default=1)
    record_type = models.CharField(max_length=30, choices=RecordType.choices)
    outcome = models.CharField(
        max_length=30, blank=True, help_text="Case files only: the case outcome this rule is for (blank: any other)."
    )
    period_months = models.PositiveIntegerField(help_text="Kept for this many months after the trigger date.")
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    action = models.CharField(max_length=10, choices=DisposalAction.choices, default=DisposalAction.ERASE)
    source = models.CharField(max_length=300, help_text="Legislation, guidance, or 'local policy'.")
    is_local_policy = models.BooleanField(
        default=True, help_text="A default chosen for this service: check it against your own retention schedule."
    )
    explanation = models.TextField(blank=True)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["record_type", "outcome", "code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="retention_rule_version")]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"

    @property
    def label(self) -> str:
        """The rule in words, as the schedule and the review pages name it (the code stays in exports):
        "Case file (after finalisation), convicted on all counts"."""
        kind = self.get_record_type_display()
        if self.outcome:
            outcome = dict(CaseOutcome.choices).get(self.outcome, self.outcome.replace("_", " "))
            return f"{kind}, {outcome[:1].lower()}{outcome[1:]}"
        return f"{kind}, any other outcome" if self.record_type == RecordType.CASE_FILE else kind

    @property
    def period_text(self) -> str:
        years, months = divmod(self.period_months, 12)
        parts = [f"{years} year{'s' if years != 1 else ''}" if years else "", f"{months} months" if months else ""]
        return " ".join(part for part in parts if part) or "0 months"


class ActiveHoldQuerySet(models.QuerySet["LegalHold"]):
    def active(self) -> ActiveHoldQuerySet:
        today = clock.today()
        return self.filter(lifted_at__isnull=True).filter(models.Q(until__isnull=True) | models.Q(until__gte=today))


class LegalHold(models.Model):
    """A record that must not be disposed of (litigation, an appeal, an inquiry, a complaint)."""

    record_type = models.CharField(max_length=30, choices=RecordType.choices)
    record_id = models.CharField(max_length=40)
    label = models.CharField(max_length=120)
    unit = models.ForeignKey("people.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField()
    until = models.DateField(null=True, blank=True, help_text="Blank: until it is lifted.")
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)

    objects = ActiveHoldQuerySet.as_manager()

    class Meta:
        ordering = ["-placed_at"]
        indexes = [models.Index(fields=["record_type", "record_id"], name="hold_record")]

    def __str__(self) -> str:
        return f"Legal hold on {self.label}"


class RetentionDecision(models.Model):
    """A records officer's review of one record that fell due: disposal approved, or kept longer.
    The latest decision for a record is the one in force."""

    record_type = models.CharField(max_length=30, choices=RecordType.choices)
    record_id = models.CharField(max_length=40)
    label = models.CharField(max_length=120)
    unit = models.ForeignKey("people.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    rule = models.ForeignKey(RetentionRule, on_delete=models.PROTECT, related_name="decisions")
    trigger_date = models.DateField()
    due_on = models.DateField()
    decision = models.CharField(max_length=10, choices=Decision.choices)
    keep_until = models.DateField(null=True, blank=True, help_text="For a decision to keep it longer.")
    reason = models.TextField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["record_type", "record_id", "-decided_at"], name="decision_record")]

    def __str__(self) -> str:
        return f"{self.get_decision_display()}: {self.label}"


class DisposalRun(models.Model):
    """One run of disposal (the worker's, or `casework retention dispose`): batches of approved
    records, each disposed in its own transaction, so an interrupted run leaves nothing half-done
    and the next run finishes it."""

    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey("people.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=10, blank=True)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    planned = models.PositiveIntegerField(default=0)
    disposed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failure = models.CharField(max_length=500, blank=True)
    started_at = models.DateTimeField()
    progressed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Disposal run {self.pk} ({self.get_status_display()})"


class DisposalRecord(models.Model):
    """The disposal log: who disposed of what, when, under which rule, on whose approval. Never the
    erased content (DPA 2018 s.62): the label is a reference, not personal data."""

    record_type = models.CharField(max_length=30, choices=RecordType.choices)
    record_id = models.CharField(max_length=40)
    label = models.CharField(max_length=120)
    unit = models.ForeignKey("people.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    run = models.ForeignKey(DisposalRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="records")
    rule = models.ForeignKey(RetentionRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    trigger_date = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField()
    reason = models.TextField()
    disposed_at = models.DateTimeField(db_index=True)
    erase_event_seq = models.BigIntegerField()
    audit_events_redacted = models.PositiveIntegerField(default=0)
    rows_erased = models.JSONField(default=dict, help_text="How many rows of each kind were erased or blanked.")

    class Meta:
        ordering = ["-disposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["record_type", "record_id"], name="disposal_once_per_record"),
        ]

    def __str__(self) -> str:
        return f"Disposal of {self.label}"

    @property
    def rows_total(self) -> int:
        values: Any = self.rows_erased.values() if isinstance(self.rows_erased, dict) else []
        return sum(int(value) for value in values)
