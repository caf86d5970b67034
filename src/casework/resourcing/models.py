"""REM records: the versioned resourcing policy, each case's REM record and recorded time."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from casework.cases.models import Case
from casework.core.models import VersionedModel
from casework.people.choices import CASEWORKER_ROLES, NATIONAL_READ_ROLES, UNIT_MANAGER_ROLES, RoleCode
from casework.people.models import Unit


class ResourcingPolicyQuerySet(models.QuerySet["ResourcingPolicy"]):
    def in_force(self, on: Any) -> ResourcingPolicyQuerySet:
        return (
            self.filter(effective_from__lte=on)
            .filter(models.Q(effective_to__isnull=True) | models.Q(effective_to__gt=on))
            .order_by("-effective_from", "-version")
        )


class ResourcingPolicy(models.Model):
    """One version of the complexity weights, band thresholds, caseload points and grade targets.
    Publishing a change adds a version; results record the version that produced them."""

    version = models.PositiveIntegerField(unique=True)
    data = models.JSONField(help_text="Thresholds, bands, points and targets (validated by rules.policy_from_data).")
    source = models.CharField(max_length=300)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    objects = ResourcingPolicyQuerySet.as_manager()

    class Meta:
        ordering = ["-version"]
        verbose_name_plural = "resourcing policies"

    def __str__(self) -> str:
        return f"REM policy v{self.version} from {self.effective_from}"


class RemRecordQuerySet(models.QuerySet["RemRecord"]):
    def visible_to(self, user: Any) -> RemRecordQuerySet:
        """A REM record is visible exactly when its case is."""
        return self.filter(case__in=Case.objects.visible_to(user))


class RemRecord(VersionedModel):
    """The resourcing facts of one case that the case register does not hold."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="rem_record")
    victims = models.PositiveIntegerField(default=0)
    witnesses = models.PositiveIntegerField(default=0)
    pages_of_evidence = models.PositiveIntegerField(null=True, blank=True)
    unused_material_pages = models.PositiveIntegerField(null=True, blank=True)
    international_element = models.BooleanField(default=False)
    media_interest = models.BooleanField(default=False)
    counsel_instructed = models.BooleanField(null=True, blank=True, help_text="Blank until answered.")
    counsel_name = models.CharField(max_length=200, blank=True)
    #: {stage: {grade code: hours}} estimated for the case.
    estimated_hours = models.JSONField(default=dict, blank=True)

    objects = RemRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"REM record for case {self.case_id}"


class Activity(models.TextChoices):
    REVIEW = "review", "Case review"
    DISCLOSURE = "disclosure", "Disclosure"
    ADVICE = "advice", "Pre-charge advice"
    CASE_PREPARATION = "preparation", "Case preparation"
    ADVOCACY = "advocacy", "Advocacy and court"
    COUNSEL = "counsel", "Working with counsel"
    CONFISCATION = "confiscation", "Confiscation"
    ADMIN = "admin", "Administration"


class TimeEntry(models.Model):
    """Hours one person spent on one case and activity in one week (one row per combination)."""

    record = models.ForeignKey(RemRecord, on_delete=models.CASCADE, related_name="time_entries")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rem_time_entries")
    week_starting = models.DateField(help_text="The Monday of the week.")
    activity = models.CharField(max_length=20, choices=Activity.choices)
    hours = models.DecimalField(max_digits=5, decimal_places=2)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-week_starting", "activity"]
        # Records retention finds the weeks past their period by date across the whole register.
        indexes = [models.Index(fields=["week_starting"], name="rem_time_week")]
        constraints = [
            models.UniqueConstraint(fields=["record", "person", "week_starting", "activity"], name="rem_time_unique"),
            models.CheckConstraint(condition=models.Q(hours__gte=0, hours__lte=80), name="rem_time_hours_range"),
        ]

    def __str__(self) -> str:
        return f"{self.hours}h {self.get_activity_display()} w/c {self.week_starting}"


RESOURCING_ROLES = frozenset(CASEWORKER_ROLES | UNIT_MANAGER_ROLES | NATIONAL_READ_ROLES | {RoleCode.AREA_LEADERSHIP})


def scenario_units(user: Any) -> models.QuerySet[Any]:
    """Units whose what-if scenarios a user may build and read: HQ any unit, Area leadership their
    Area's unit, unit managers their own unit. Everyone else (inspectors included): none."""
    roles = user.role_codes
    if RoleCode.HQ_ANALYST in roles:
        return Unit.objects.all()
    scope = models.Q(pk__in=[])
    if roles & UNIT_MANAGER_ROLES and user.unit_id:
        scope |= models.Q(pk=user.unit_id)
    if RoleCode.AREA_LEADERSHIP in roles and user.area_id:
        scope |= models.Q(areas=user.area_id)
    return Unit.objects.filter(scope).distinct()


class ScenarioQuerySet(models.QuerySet["Scenario"]):
    def visible_to(self, user: Any) -> ScenarioQuerySet:
        return self.filter(unit__in=scenario_units(user).values("pk"))


class Scenario(models.Model):
    """A saved what-if: staff added or removed by grade, a referral volume change, and cases or forces
    moved between units. Results are computed when viewed, against the baseline of that day."""

    name = models.CharField(max_length=120)
    unit = models.ForeignKey("people.Unit", on_delete=models.PROTECT, related_name="resourcing_scenarios")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    #: Validated by rules.scenario_changes_from: {"staff": [...], "referral_change_percent": "10", "moves": [...]}.
    changes = models.JSONField(default=dict)

    objects = ScenarioQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class VacancyQuerySet(models.QuerySet["Vacancy"]):
    def visible_to(self, user: Any) -> VacancyQuerySet:
        """Vacancies of the units whose resourcing pages the user may open."""
        from casework.resourcing.selectors import units_visible_to

        return self.filter(unit__in=units_visible_to(user).values("pk"))

    def open_on(self, on: Any) -> VacancyQuerySet:
        return self.filter(since__lte=on).filter(models.Q(filled_on__isnull=True) | models.Q(filled_on__gt=on))


class Vacancy(models.Model):
    """An unfilled post in a unit: its grade and FTE count against capacity until it is filled."""

    unit = models.ForeignKey("people.Unit", on_delete=models.PROTECT, related_name="resourcing_vacancies")
    grade = models.ForeignKey("people.Grade", on_delete=models.PROTECT, related_name="+")
    fte = models.DecimalField(max_digits=4, decimal_places=2, help_text="Full-time equivalent of the post.")
    since = models.DateField(help_text="The day the post became vacant.")
    reason = models.CharField(max_length=300)
    filled_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    objects = VacancyQuerySet.as_manager()

    class Meta:
        ordering = ["since", "pk"]
        verbose_name_plural = "vacancies"
        constraints = [
            models.CheckConstraint(condition=models.Q(fte__gt=0, fte__lte=1), name="rem_vacancy_fte_range"),
        ]

    def __str__(self) -> str:
        return f"{self.fte} FTE {self.grade_id} vacancy in unit {self.unit_id} since {self.since}"


class CaseBand(models.Model):
    """An open case's complexity band under one REM policy version, stored so the resourcing pages
    do not score every open case per request (casework.resourcing.stored). A change to the case or
    its REM record deletes the row in the writing transaction; a page bands such a case afresh, and
    the scheduled refresh stores it again."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, primary_key=True, related_name="stored_band")
    policy_version = models.PositiveIntegerField()
    band_code = models.CharField(max_length=40)
    #: Any defendant in custody (the resilience checks count custody cases).
    custody = models.BooleanField()
    computed_at = models.DateTimeField()
    #: The case's unit when it was banded: a change to the case also forgets that unit's summary
    #: (UnitSummary), so a move forgets the summaries of both units.
    unit_id_when_banded = models.PositiveIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Case {self.case_id}: band {self.band_code} (policy v{self.policy_version})"


class UnitForecast(models.Model):
    """A unit's stored twelve-month demand forecast (the simulation takes seconds for a large unit):
    worked out nightly and read by the unit's resourcing page while it is current."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, primary_key=True, related_name="stored_forecast")
    on = models.DateField(help_text="The day the forecast was made for.")
    computed_at = models.DateTimeField()
    seconds = models.FloatField(default=0)
    data = models.JSONField(help_text="forecast.Forecast as data (stored.forecast_to_data).")

    def __str__(self) -> str:
        return f"Forecast for unit {self.unit_id} on {self.on}"


class UnitSummary(models.Model):
    """A unit's case-derived resourcing figures for one day, so the national pages read a row per
    unit (and per person with a caseload, `UnitLoad`) instead of every open case
    (casework.resourcing.summaries). A write to any of the unit's cases deletes the row in the
    writing transaction; a page works out live the units with no current row."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, primary_key=True, related_name="stored_summary")
    on = models.DateField(help_text="The day the figures are for (resilience findings look 90 days ahead).")
    policy_version = models.PositiveIntegerField()
    computed_at = models.DateTimeField()
    open_cases = models.PositiveIntegerField()
    findings = models.PositiveIntegerField(help_text="Resilience findings on the day.")
    band_counts = models.JSONField(help_text="Open cases per complexity band code.")
    finding_list = models.JSONField(
        default=list, help_text="Resilience findings (kind, severity, text, case ids, person id) the unit page lists."
    )
    #: The unit's open cases when the figures were worked out (their number and the sum of their
    #: ids): the unit page uses the row only while they are still the same, so a case moved or
    #: closed without notification is never counted in the wrong unit.
    case_count = models.PositiveIntegerField(default=0)
    case_sum = models.BigIntegerField(default=0)
    #: summaries.REVISION when stored: a row from older definitions is never used.
    revision = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Summary for unit {self.unit_id} on {self.on}"


class UnitLoad(models.Model):
    """One person's weighted caseload from one unit's open cases (part of that unit's summary):
    people's capacity, grade and unit are read live, only the case-derived points are stored."""

    summary = models.ForeignKey(UnitSummary, on_delete=models.CASCADE, related_name="loads")
    person = models.ForeignKey("people.User", on_delete=models.CASCADE, related_name="+")
    points = models.DecimalField(max_digits=10, decimal_places=2)
    cases = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["summary", "person"], name="unit_load_once_per_person")]

    def __str__(self) -> str:
        return f"Unit {self.summary_id}: person {self.person_id} {self.points} points"
