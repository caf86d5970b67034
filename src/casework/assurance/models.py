"""Assurance records: the rule library and checkpoints (versioned data), verdict history,
exemptions, waivers, sign-offs and the Case Management Panel."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from casework.assurance.choices import ExemptDocument, Outcome, PanelActionStatus, Scope, Severity, SignOffStatus
from casework.core.models import VersionedModel


class AssuranceRuleQuerySet(models.QuerySet["AssuranceRule"]):
    def in_force(self, on: Any) -> AssuranceRuleQuerySet:
        """The latest version of each rule in force on a date."""
        candidates = self.filter(effective_from__lte=on).filter(
            models.Q(effective_to__isnull=True) | models.Q(effective_to__gt=on)
        )
        latest = candidates.filter(code=models.OuterRef("code")).order_by("-effective_from", "-version")
        return candidates.filter(pk=models.Subquery(latest.values("pk")[:1]))


class AssuranceRule(models.Model):
    """One version of an assurance rule. Publishing a change adds a version; old ones stay."""

    code = models.CharField(max_length=60, db_index=True)
    version = models.PositiveIntegerField(default=1)
    title = models.CharField(max_length=200)
    statement = models.TextField()
    source = models.CharField(max_length=300)
    scope = models.CharField(max_length=12, choices=Scope.choices)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    evaluator = models.CharField(max_length=60)
    stages = models.JSONField(default=list, help_text="Case stages it applies at.")
    categories = models.JSONField(default=list, blank=True, help_text="Offence category codes; empty = every case.")
    parameters = models.JSONField(default=dict, blank=True)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    objects = AssuranceRuleQuerySet.as_manager()

    class Meta:
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="assurance_rule_version")]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"

    @property
    def version_label(self) -> str:
        return f"{self.code}@v{self.version}"


class Checkpoint(models.Model):
    code = models.CharField(max_length=40, db_index=True)
    version = models.PositiveIntegerField(default=1)
    title = models.CharField(max_length=200)
    trigger_stage = models.CharField(max_length=30, help_text="Stage (or 'acceptance') at which sign-off is due.")
    categories = models.JSONField(default=list, blank=True)
    approver_roles = models.JSONField(default=list)
    blocking = models.BooleanField(default=False, help_text="Refuse the stage change until approved.")
    source = models.CharField(max_length=300)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="checkpoint_version")]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class VerdictPeriod(models.Model):
    """A verdict and the time it held: [valid_from, valid_to). The current verdict has no valid_to.
    A unit's compliance on any past date is the set of periods covering that date."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="verdicts")
    rule = models.ForeignKey(AssuranceRule, on_delete=models.PROTECT, related_name="verdicts")
    rule_code = models.CharField(max_length=60)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.TextField()
    remedy = models.TextField(blank=True)
    facts = models.JSONField(default=dict, blank=True)
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case", "rule_code", "-valid_from"]
        indexes = [
            models.Index(fields=["case", "valid_to"], name="verdict_case_current"),
            models.Index(fields=["rule_code", "outcome", "valid_to"], name="verdict_rule_outcome"),
            models.Index(fields=["valid_from", "valid_to"], name="verdict_period"),
            # A rule's failing cases, the longest failing first: the drill-down's first page reads
            # the index in order instead of sorting every current failure in the country.
            models.Index(
                fields=["rule_code", "outcome", "valid_from"],
                condition=models.Q(valid_to__isnull=True),
                name="verdict_current_rule_since",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "rule_code"],
                condition=models.Q(valid_to__isnull=True),
                name="verdict_one_current_per_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_code}: {self.get_outcome_display()}"


class Exemption(models.Model):
    """A formal, recorded exemption from the PSD or DMD requirement."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="exemptions")
    document = models.CharField(max_length=8, choices=ExemptDocument.choices)
    reason = models.TextField()
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_on = models.DateField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case", "-approved_on"]

    def __str__(self) -> str:
        return f"{self.get_document_display()} exemption"


class Waiver(models.Model):
    """A waiver of one rule's verdict on one case: reason, approver and an expiry."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="waivers")
    rule_code = models.CharField(max_length=60)
    reason = models.TextField()
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    expires_on = models.DateField()
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case", "-created_at"]
        indexes = [models.Index(fields=["case", "rule_code"], name="waiver_case_rule")]

    def __str__(self) -> str:
        return f"Waiver of {self.rule_code}"


class SignOffRequest(VersionedModel):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="signoff_requests")
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signoffs_to_decide")
    routed_because = models.CharField(max_length=250, blank=True)
    status = models.CharField(max_length=10, choices=SignOffStatus.choices, default=SignOffStatus.PENDING)
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    rationale = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["approver", "status"], name="signoff_approver_status")]

    def __str__(self) -> str:
        return f"Sign-off: {self.checkpoint.title}"


class PanelRegistration(models.Model):
    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="panel_registration")
    registered_on = models.DateField()
    thresholds_met = models.JSONField(default=list)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"Panel registration for case {self.case_id}"


class PanelMeeting(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="panel_meetings")
    held_on = models.DateField()
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    decisions = models.TextField()
    rationale = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["case", "-held_on"]

    def __str__(self) -> str:
        return f"Panel meeting {self.held_on}"


class PanelAction(VersionedModel):
    meeting = models.ForeignKey(PanelMeeting, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    status = models.CharField(max_length=8, choices=PanelActionStatus.choices, default=PanelActionStatus.OPEN)
    completed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["meeting", "due_on"]

    def __str__(self) -> str:
        return self.description


class PendingRecheck(models.Model):
    """A case whose verdicts may be out of date: it changed since they were stored.

    Written in the transaction of the change (one row per case, however many changes), consumed
    by the worker (casework.assurance.rechecks). `generation` counts the changes since the row was
    made, so the worker removes only a row it has answered: a change during the evaluation leaves
    the row for the next round. A failed evaluation is retried after `retry_after`.
    """

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, primary_key=True, related_name="+")
    requested_at = models.DateTimeField()
    generation = models.PositiveIntegerField(default=1)
    attempts = models.PositiveSmallIntegerField(default=0)
    retry_after = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["requested_at"], name="assurance_recheck_requested")]

    def __str__(self) -> str:
        return f"Re-check of case {self.case_id} (requested {self.requested_at:%Y-%m-%d %H:%M})"


class DashboardTallyUnit(models.Model):
    """When one unit's stored dashboard figures were last worked out (assurance.tallies)."""

    unit = models.OneToOneField("people.Unit", on_delete=models.CASCADE, primary_key=True, related_name="+")
    as_of = models.DateTimeField()
    seconds = models.FloatField(default=0)

    def __str__(self) -> str:
        return f"Assurance figures of unit {self.unit_id} as at {self.as_of:%Y-%m-%d %H:%M}"


class DashboardTally(models.Model):
    """One stored count of the assurance dashboard for one unit: e.g. (rule_not_met, "psd.present"),
    (lawyer_cases, "<user id>"), (stage_applicable, "ptph"), (trend_not_met, "Nov 2026"). Counts
    the unit's cases that are neither restricted nor disposed, in the unit they are in at `as_of`."""

    unit = models.ForeignKey("people.Unit", on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=40)
    key = models.CharField(max_length=80, blank=True)
    value = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "metric", "key"], name="assurance_dashboard_tally_once")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.metric}[{self.key}] = {self.value}"
