"""Inspection support: versioned file-examination question sets, reproducible file samples and the
inspector's answers per file and question."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from casework.oversight.choices import Answer


class ExaminationQuestionSet(models.Model):
    """One published version of a file-examination question set (policy as data)."""

    code = models.SlugField(max_length=60)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    source = models.CharField(max_length=300)
    effective_from = models.DateField()
    questions = models.JSONField(help_text='A list of {"code": ..., "text": ...}.')

    class Meta:
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="oversight_question_set_version")]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"


class InspectionSampleQuerySet(models.QuerySet["InspectionSample"]):
    def visible_to(self, user: object) -> InspectionSampleQuerySet:
        """An inspector sees the samples they drew; nobody else sees any."""
        if not getattr(user, "is_authenticated", False) or "inspector" not in getattr(user, "role_codes", ()):
            return self.none()
        return self.filter(created_by=user)


class InspectionSample(models.Model):
    """A seeded random sample of files, stratified by unit and case type. Drawing again with the same
    seed, size and case register gives the same files."""

    title = models.CharField(max_length=200)
    seed = models.CharField(max_length=60)
    per_unit = models.PositiveIntegerField()
    question_set = models.ForeignKey(ExaminationQuestionSet, on_delete=models.PROTECT, related_name="samples")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    objects = InspectionSampleQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.title} (seed {self.seed})"


class SampledFile(models.Model):
    sample = models.ForeignKey(InspectionSample, on_delete=models.CASCADE, related_name="files")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("people.Unit", on_delete=models.PROTECT, related_name="+")
    stratum = models.CharField(max_length=60, help_text="The case type it was drawn from.")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["sample", "position"]
        constraints = [models.UniqueConstraint(fields=["sample", "case"], name="oversight_sample_case_once")]

    def __str__(self) -> str:
        return f"{self.sample_id}/{self.position}"


class FileAnswer(models.Model):
    sampled_file = models.ForeignKey(SampledFile, on_delete=models.CASCADE, related_name="answers")
    question_code = models.SlugField(max_length=60)
    answer = models.CharField(max_length=10, choices=Answer.choices)
    note = models.TextField(blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sampled_file", "question_code"], name="oversight_one_answer_per_question")
        ]

    def __str__(self) -> str:
        return f"{self.sampled_file_id} {self.question_code}: {self.answer}"


# --- pre-aggregated dashboard figures --------------------------------------------------------------


class TallyRefresh(models.Model):
    """One run of refresh_compliance_tallies: the instant its figures describe. The dashboard reads
    the newest refresh; older ones are pruned (keeping a few) by the next refresh."""

    as_of = models.DateTimeField(db_index=True)
    refreshed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    seconds = models.FloatField(default=0, help_text="How long the aggregate queries took.")
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-as_of", "-pk"]

    def __str__(self) -> str:
        return f"Compliance tallies as at {self.as_of:%Y-%m-%d %H:%M}"


class ComplianceTally(models.Model):
    """One aggregate count for one unit: e.g. (deadlines_missed, ""), (rule_not_met, "psd.present"),
    (mix_open, "<criterion id>"), (trend_applicable, "03"). Keyed by the unit each case was in when
    the refresh ran. Values are counts (FTE is stored in hundredths)."""

    refresh = models.ForeignKey(TallyRefresh, on_delete=models.CASCADE, related_name="tallies")
    unit = models.ForeignKey("people.Unit", on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=40)
    key = models.CharField(max_length=80, blank=True)
    value = models.BigIntegerField()

    class Meta:
        # The unique index (refresh first) also serves the dashboard's read of one refresh.
        constraints = [
            models.UniqueConstraint(fields=["refresh", "unit", "metric", "key"], name="oversight_tally_once")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.metric}[{self.key}] = {self.value}"
