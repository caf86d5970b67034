"""Individual Quality Assessments: versioned question sets, the quota policy, samples,
assessments with their answers, and moderation (blind second marking)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models

from casework.core.models import VersionedModel
from casework.people.choices import CASEWORKER_ROLES, NATIONAL_READ_ROLES, UNIT_MANAGER_ROLES, RoleCode
from casework.quality.choices import (
    DEFAULT_SCALE,
    NO_COMMENT_NEEDED,
    AssessmentKind,
    AssessmentStatus,
    ModerationStatus,
    ResolutionOutcome,
    SampleItemStatus,
)

#: Lets HQ, inspectors and area leadership see named individual assessments (otherwise aggregates only).
NAMED_PERMISSION = "quality.view_named_assessments"


def sees_names(user: Any) -> bool:
    """Whether the user may see individuals' names in assessments and analytics."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    roles = user.role_codes
    if roles & (UNIT_MANAGER_ROLES | CASEWORKER_ROLES):
        return True
    # An administrator is a superuser for configuration, not a reader of assessments.
    if roles & (NATIONAL_READ_ROLES | {RoleCode.AREA_LEADERSHIP}):
        return user.has_perm(NAMED_PERMISSION)
    return False


# --- question sets (versioned policy data) ------------------------------------------------------


class QuestionSet(models.Model):
    """One published version of a question set. Editing publishes a new version; assessments
    keep the version they were made with."""

    code = models.SlugField(max_length=60)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    source = models.CharField(max_length=300)
    effective_from = models.DateField()
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    change_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="quality_question_set_version")]
        permissions = [("view_named_assessments", "Can see named individual quality assessments")]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"


class Section(models.Model):
    question_set = models.ForeignKey(QuestionSet, on_delete=models.CASCADE, related_name="sections")
    code = models.SlugField(max_length=60)
    title = models.CharField(max_length=200)
    standard = models.CharField(max_length=200, help_text="The casework quality standard it assesses.")
    order = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["question_set", "order"]
        constraints = [models.UniqueConstraint(fields=["question_set", "code"], name="quality_section_code")]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    code = models.SlugField(max_length=60, help_text="Unique within the question set; stable across versions.")
    text = models.CharField(max_length=400)
    guidance = models.TextField(blank=True)
    scale = models.JSONField(default=list, help_text="Answer codes allowed, in order.")
    comment_not_needed_for = models.JSONField(default=list, help_text="Answers that need no comment.")
    kinds = models.JSONField(default=list, help_text="Assessment kinds it applies to (casework, advocacy).")
    stages = models.JSONField(default=list, blank=True, help_text="Case stages it applies at; empty = all.")
    order = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["section__order", "order"]

    def __str__(self) -> str:
        return self.text

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.scale = self.scale or list(DEFAULT_SCALE)
        self.comment_not_needed_for = self.comment_not_needed_for or list(NO_COMMENT_NEEDED)
        super().save(*args, **kwargs)


class QuotaPolicy(models.Model):
    """IQA quota, moderation and timeliness parameters as versioned data with their source."""

    version = models.PositiveIntegerField(unique=True)
    effective_from = models.DateField()
    per_quarter = models.PositiveSmallIntegerField(default=2, help_text="Assessments per full-time prosecutor.")
    long_absence_days = models.PositiveSmallIntegerField(
        default=28, help_text="A full absence at least this long (calendar days) reduces the quota pro rata."
    )
    moderation_share = models.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0.100"))
    feedback_days = models.PositiveSmallIntegerField(
        default=14, help_text="Feedback should be given within this many days of submission."
    )
    acknowledge_days = models.PositiveSmallIntegerField(default=14)
    significance = models.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0.050"))
    source = models.CharField(max_length=300, default="Local policy (configurable default)")
    sampling_seed = models.CharField(
        max_length=64, default="iqa", help_text="Mixed into every sample and moderation draw."
    )

    class Meta:
        ordering = ["-effective_from", "-version"]
        verbose_name_plural = "quota policies"

    def __str__(self) -> str:
        return f"IQA policy version {self.version} from {self.effective_from}"


# --- sampling ------------------------------------------------------------------------------------


class SampleDraw(models.Model):
    """A proposed sample of one prosecutor's cases for one quarter, reproducible from its seed."""

    prosecutor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    quarter = models.CharField(max_length=7, help_text="For example 2026-Q1.")
    seed = models.CharField(max_length=64)
    size = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Sample of {self.prosecutor} for {self.quarter}"


class SampleItem(models.Model):
    draw = models.ForeignKey(SampleDraw, on_delete=models.CASCADE, related_name="items")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    stratum = models.CharField(max_length=120)
    status = models.CharField(max_length=12, choices=SampleItemStatus.choices, default=SampleItemStatus.PROPOSED)
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    swap_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["draw", "id"]

    def __str__(self) -> str:
        return f"{self.case} ({self.get_status_display()})"


# --- assessments --------------------------------------------------------------------------------


class AssessmentQuerySet(models.QuerySet["Assessment"]):
    def visible_to(self, user: Any) -> AssessmentQuerySet:
        """Individual assessments a user may open. Outside this set: 404."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        roles = user.role_codes
        scope = models.Q(pk__in=[])
        if roles & CASEWORKER_ROLES:
            # Drafts are the assessor's working notes until submitted.
            scope |= models.Q(prosecutor=user) & ~models.Q(status=AssessmentStatus.DRAFT)
        if RoleCode.LEGAL_MANAGER in roles:
            scope |= models.Q(assessor=user) | (
                models.Q(prosecutor__line_manager=user) & ~models.Q(status=AssessmentStatus.DRAFT)
            )
            # A second marker sees the first marking only once their own is in (blind marking).
            scope |= models.Q(
                moderation__moderator=user,
                moderation__status__in=[ModerationStatus.COMPLETED, ModerationStatus.RESOLVED],
            )
        if RoleCode.UNIT_HEAD in roles and user.unit_id:
            scope |= models.Q(assessor=user) | (
                models.Q(unit_id=user.unit_id) & ~models.Q(status=AssessmentStatus.DRAFT)
            )
        if sees_names(user) and not (roles & (UNIT_MANAGER_ROLES | CASEWORKER_ROLES)):
            if roles & NATIONAL_READ_ROLES:
                scope |= ~models.Q(status=AssessmentStatus.DRAFT)
            elif RoleCode.AREA_LEADERSHIP in roles and user.area_id:
                scope |= models.Q(unit__areas=user.area_id) & ~models.Q(status=AssessmentStatus.DRAFT)
        return self.filter(scope).distinct()

    def aggregate_scope(self, user: Any) -> AssessmentQuerySet:
        """Assessments a user may see counted in aggregates (names shown only if sees_names)."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        shared = self.shared_scope_key(user)
        if shared is not None:
            return self.counted_in(shared)
        return self.visible_to(user).exclude(status=AssessmentStatus.DRAFT)

    def shared_scope_key(self, user: Any) -> str | None:
        """The aggregate scope the user shares with others of their standing: "national", "area:<id>"
        or "unit:<id>"; None when their scope is their own (visible_to) or they have none. Stored
        analytics are kept per key, so a reader only ever gets the figures of exactly their scope."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return None
        roles = user.role_codes
        if roles & NATIONAL_READ_ROLES:
            return "national"
        if RoleCode.AREA_LEADERSHIP in roles and user.area_id:
            return f"area:{user.area_id}"
        if RoleCode.UNIT_HEAD in roles and user.unit_id:
            return f"unit:{user.unit_id}"
        return None

    def counted_in(self, key: str) -> AssessmentQuerySet:
        """The submitted assessments of a shared scope (see shared_scope_key)."""
        counted = self.exclude(status=AssessmentStatus.DRAFT)
        kind, _, pk = key.partition(":")
        if kind == "national" and not pk:
            return counted
        if kind == "area" and pk.isdigit():
            return counted.filter(unit__areas=int(pk)).distinct()
        if kind == "unit" and pk.isdigit():
            return counted.filter(unit_id=int(pk))
        raise ValueError(f"{key!r} is not an aggregate scope")


class Assessment(VersionedModel):
    question_set = models.ForeignKey(QuestionSet, on_delete=models.PROTECT, related_name="assessments")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="quality_assessments")
    prosecutor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="iqa_received")
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="iqa_made")
    # Where the prosecutor worked when assessed: later moves must not rewrite analytics.
    unit = models.ForeignKey("people.Unit", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("people.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=10, choices=AssessmentKind.choices, default=AssessmentKind.CASEWORK)
    case_stage = models.CharField(max_length=30)
    quarter = models.CharField(max_length=7)
    sample_item = models.ForeignKey(SampleItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=16, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT)
    summary = models.TextField(blank=True, help_text="Overall comments for the prosecutor.")
    submitted_at = models.DateTimeField(null=True, blank=True)
    feedback_meeting_on = models.DateField(null=True, blank=True)
    feedback_notes = models.TextField(blank=True)
    feedback_recorded_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    prosecutor_comment = models.TextField(blank=True)
    prosecutor_disagrees = models.BooleanField(default=False)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["prosecutor", "quarter"], name="iqa_prosecutor_quarter"),
            models.Index(fields=["unit", "quarter"], name="iqa_unit_quarter"),
            models.Index(fields=["assessor", "status"], name="iqa_assessor_status"),
        ]

    def __str__(self) -> str:
        return f"IQA {self.pk} of case {self.case_id} ({self.quarter})"


class AssessmentAnswer(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    value = models.CharField(max_length=16)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["assessment", "question__section__order", "question__order"]
        constraints = [models.UniqueConstraint(fields=["assessment", "question"], name="iqa_answer_once")]

    def __str__(self) -> str:
        return f"{self.question.code}: {self.value}"


# --- moderation ---------------------------------------------------------------------------------


class Moderation(VersionedModel):
    """Blind second marking of an assessment by another manager, and any resolution."""

    assessment = models.OneToOneField(Assessment, on_delete=models.PROTECT, related_name="moderation")
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=ModerationStatus.choices, default=ModerationStatus.PENDING)
    completed_at = models.DateTimeField(null=True, blank=True)
    agreement = models.DecimalField(max_digits=4, decimal_places=3, null=True, blank=True)
    resolution = models.CharField(max_length=20, choices=ResolutionOutcome.choices, blank=True)
    resolution_notes = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Moderation of IQA {self.assessment_id}"


class ModerationAnswer(models.Model):
    moderation = models.ForeignKey(Moderation, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    value = models.CharField(max_length=16)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["moderation", "question__section__order", "question__order"]
        constraints = [models.UniqueConstraint(fields=["moderation", "question"], name="iqa_moderation_answer_once")]

    def __str__(self) -> str:
        return f"{self.question.code}: {self.value}"


class AnalyticsSnapshot(models.Model):
    """The IQA analytics of one shared aggregate scope, worked out by the scheduled refresh
    (quality.analytics_store) so a national or area reader's page does not count a million answers
    per request. One row per (scope, named): the pseudonymised and the named figures are separate."""

    scope = models.CharField(max_length=40, help_text='"national", "area:<id>" or "unit:<id>".')
    named = models.BooleanField()
    as_of = models.DateTimeField(help_text="The figures count the assessments submitted by then.")
    seconds = models.FloatField(default=0, help_text="How long working them out took.")
    data = models.JSONField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "named"], name="iqa_analytics_snapshot_once")]

    def __str__(self) -> str:
        return f"IQA analytics for {self.scope} as at {self.as_of:%Y-%m-%d %H:%M}"
