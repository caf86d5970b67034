"""Case progression records: rule tables, the calendar, custody clocks, deadlines, tasks, notices."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from casework.core.models import VersionedModel
from casework.progression import ctl, rules
from casework.progression.choices import (
    ClockEventKind,
    CustodyApplicability,
    DeadlineStatus,
    ExtensionStatus,
    FailureKind,
    MissedReason,
    NoticeEvent,
    RuleKeyedOn,
    RuleKind,
    TaskStatus,
)


class TimeLimitRule(models.Model):
    """One version of a time-limit rule. New versions are added with a later effective date;
    rows are never edited once in force, so every past verdict can name the version it used."""

    code = models.CharField(max_length=60, db_index=True)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=RuleKind.choices)
    days = models.IntegerField(help_text="The limit (CTL) or the offset from the anchor (negative: before).")
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True, help_text="First day it no longer applies.")
    anchor = models.CharField(max_length=30, blank=True)
    working_days = models.BooleanField(default=False)
    custody = models.CharField(max_length=10, choices=CustodyApplicability.choices, default=CustodyApplicability.ANY)
    reduced_days = models.IntegerField(null=True, blank=True)
    reduced_if_decided_within_days = models.IntegerField(null=True, blank=True)
    keyed_on = models.CharField(
        max_length=20,
        choices=RuleKeyedOn.choices,
        default=RuleKeyedOn.REGIME_START,
        help_text="Which date chooses this version: the start of the custody period, or first custody for the offence.",
    )
    min_age_at_first_custody = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Applies only to defendants at least this old when first in custody."
    )
    source = models.CharField(max_length=500, help_text="Instrument, paragraph and public address.")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["code", "custody", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "custody", "effective_from"], name="time_limit_rule_version"),
        ]

    def __str__(self) -> str:
        return f"{self.code} from {self.effective_from}: {self.days} days"

    @property
    def version(self) -> str:
        return rules.version_label(self.code, self.effective_from, self.custody)

    def as_rule(self) -> rules.LimitRule:
        return rules.LimitRule(
            code=self.code,
            version=self.version,
            days=self.days,
            source=self.source,
            effective_from=self.effective_from,
            effective_to=self.effective_to,
            reduced_days=self.reduced_days,
            reduced_if_decided_within_days=self.reduced_if_decided_within_days,
            anchor=self.anchor,
            working_days=self.working_days,
            custody=self.custody,
            title=self.title,
            kind=self.kind,
            keyed_on=self.keyed_on,
            min_age_at_first_custody=self.min_age_at_first_custody,
        )


class CustodyClock(VersionedModel):
    """The custody time limit for one defendant on one charge, with the last computed reading."""

    charge = models.OneToOneField("cases.Charge", on_delete=models.CASCADE, related_name="custody_clock")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="custody_clocks")
    initial_regime = models.CharField(max_length=12, choices=[(r.value, r.value) for r in rules.Regime])
    summary_trial_decided_on = models.DateField(null=True, blank=True)
    prior_custody_days = models.PositiveIntegerField(
        default=0, help_text="Crown Court clocks only: days in the magistrates' court's custody before this clock."
    )
    # The last computed reading (recomputed on every event and by the nightly sweep).
    status = models.CharField(max_length=12, default=ctl.ClockStatus.NOT_STARTED.value)
    regime = models.CharField(max_length=12, blank=True)
    expires_on = models.DateField(null=True, blank=True, db_index=True)
    explanation = models.JSONField(default=list, blank=True)
    rule_version = models.CharField(max_length=80, blank=True)
    computed_on = models.DateField(null=True, blank=True)
    # Dual check: a second person confirms the computed expiry.
    checked_expiry = models.DateField(null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "expires_on"], name="clock_status_expiry"),
            # A batch's running clocks (the assurance sweep's facts): without it SQLite answers
            # "case in (1,000 ids) and status = running" from clock_status_expiry, reading every
            # running clock in the register once per batch.
            models.Index(fields=["case", "status"], name="clock_case_status"),
        ]

    def __str__(self) -> str:
        return f"CTL for charge {self.charge_id}"

    @property
    def dual_check_current(self) -> bool:
        return self.checked_expiry is not None and self.checked_expiry == self.expires_on


class CtlFailure(models.Model):
    """A custody time limit that ran out while the defendant was in custody: a failure the unit must
    report. Found by the engine (the sweep, or a refused extension after expiry); withdrawn, with
    the reason, only when later custody events show the limit did not run out in custody."""

    clock = models.ForeignKey(CustodyClock, on_delete=models.CASCADE, related_name="failures")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="ctl_failures")
    kind = models.CharField(max_length=30, choices=FailureKind.choices)
    expired_on = models.DateField()
    found_on = models.DateField(help_text="The first day in custody beyond the limit that the history shows.")
    detail = models.TextField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-expired_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["clock", "expired_on"], name="ctl_failure_once_per_expiry")]
        indexes = [models.Index(fields=["case", "withdrawn_at"], name="ctl_failure_case_open")]

    def __str__(self) -> str:
        return f"CTL failure: expired {self.expired_on}"


class CustodyClockEvent(models.Model):
    clock = models.ForeignKey(CustodyClock, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=ClockEventKind.choices)
    occurred_on = models.DateField()
    new_expiry = models.DateField(null=True, blank=True, help_text="For an extension: the date the court set.")
    note = models.CharField(max_length=250, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["clock", "occurred_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.occurred_on}"


class CtlLogEntry(models.Model):
    """The CTL case progression log: entries at each hearing and in between."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="ctl_log")
    hearing = models.ForeignKey("cases.Hearing", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    entry_on = models.DateField()
    note = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["case", "-entry_on", "-id"]
        indexes = [models.Index(fields=["case", "entry_on"], name="ctl_log_case_date")]

    def __str__(self) -> str:
        return f"CTL log {self.entry_on}"


class ExtensionApplication(VersionedModel):
    clock = models.ForeignKey(CustodyClock, on_delete=models.CASCADE, related_name="extension_applications")
    status = models.CharField(max_length=20, choices=ExtensionStatus.choices, default=ExtensionStatus.PREPARING)
    notice_served_on = models.DateField(null=True, blank=True)
    hearing_on = models.DateField(null=True, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    new_expiry = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["clock", "-created_at"]

    def __str__(self) -> str:
        return f"Extension application ({self.get_status_display()})"


class Deadline(VersionedModel):
    """A date the case must meet: proposed by the engine from a rule, or set by a court direction."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="deadlines")
    key = models.CharField(max_length=80, help_text="Stable identity within the case, e.g. stage.1 or direction.12.")
    title = models.CharField(max_length=200)
    due_on = models.DateField()
    proposed_due_on = models.DateField(null=True, blank=True, help_text="What the rule gives, before any direction.")
    basis = models.CharField(max_length=300, blank=True)
    rule_version = models.CharField(max_length=80, blank=True)
    source = models.CharField(max_length=300, blank=True)
    direction_reason = models.CharField(
        max_length=300, blank=True, help_text="Why the court's date overrides the rule."
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="deadlines"
    )
    status = models.CharField(max_length=12, choices=DeadlineStatus.choices, default=DeadlineStatus.OPEN)
    met_on = models.DateField(null=True, blank=True)
    missed_reason = models.CharField(max_length=20, choices=MissedReason.choices, blank=True)
    missed_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["case", "due_on", "key"]
        constraints = [models.UniqueConstraint(fields=["case", "key"], name="deadline_unique_key")]
        indexes = [
            models.Index(fields=["status", "due_on"], name="deadline_status_due"),
            # One case's open deadlines (case page, case lists): without it SQLite reads every open
            # deadline in the register through the index above (a second a page at 100,000 cases).
            models.Index(fields=["case", "status", "due_on"], name="deadline_case_status_due"),
        ]

    def __str__(self) -> str:
        return f"{self.title} due {self.due_on}"


class Task(VersionedModel):
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=200)
    detail = models.TextField(blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    team = models.ForeignKey("people.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="tasks")
    reminder_on = models.DateField(null=True, blank=True)
    due_on = models.DateField()
    escalate_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    engine_key = models.CharField(
        max_length=120, blank=True, help_text="Set for tasks the engine raises (idempotency)."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "engine_key"], condition=~models.Q(engine_key=""), name="task_engine_key"
            ),
        ]
        indexes = [models.Index(fields=["assignee", "status", "due_on"], name="task_assignee_due")]

    def __str__(self) -> str:
        return self.title


class Notice(models.Model):
    """An in-app notice to one user, one per case and event. `key` makes the engine's notices
    idempotent; `event` and `due_on` place it in the notices page's urgency groups; `subjects` names
    the defendants and charges it is about ([{"defendant": ..., "charges": [...]}])."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=300)
    key = models.CharField(max_length=160)
    event = models.CharField(max_length=24, choices=NoticeEvent.choices, blank=True)
    due_on = models.DateField(null=True, blank=True, help_text="The date the event is about (expiry, new due date).")
    subjects = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notice_unique_key")]

    def __str__(self) -> str:
        return self.text


class CalendarFeed(models.Model):
    """A per-user iCalendar feed behind a secret URL; only the token's hash is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Calendar feed for {self.user}"
