"""The case register: cases, defendants, charges, hearings, documents and reviews."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from casework.cases.choices import (
    OPEN_STAGES,
    CaseOutcome,
    CustodyStatus,
    DocumentKind,
    HearingType,
    OffenceClassification,
    ReviewKind,
    Stage,
)
from casework.core import clock
from casework.core.models import VersionedModel
from casework.people.choices import (
    CASEWORKER_ROLES,
    NATIONAL_READ_ROLES,
    RESTRICTED_READER_ROLES,
    UNIT_MANAGER_ROLES,
    RoleCode,
)


class AcceptanceCriterion(models.Model):
    """An entry of the national list of case types a CCU takes (reference data, with its source)."""

    code = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=200, unique=True)
    source = models.CharField(max_length=250)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "acceptance criteria"

    def __str__(self) -> str:
        return self.title


class OffenceCategory(models.Model):
    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "offence categories"

    def __str__(self) -> str:
        return self.name


class CaseQuerySet(models.QuerySet["Case"]):
    def visible_to(self, user: Any) -> CaseQuerySet:
        """The one access path for cases. Anything outside it is a 404 for this user.

        Records management narrows it for everyone: a disposed case (its personal data erased) is
        gone, and a restricted case (DPA 2018 s.47(2)) is hidden from normal work; it is visible
        only to a named reader who has just opened it giving a reason (RestrictedReading)."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        reading = models.Q(pk__in=RestrictedReading.objects.active().filter(user=user).values("case_id"))
        normal = self._normal_scope(user) & models.Q(restricted_at__isnull=True)
        return self.filter(normal | reading, disposed_at__isnull=True)

    def visible_in_bulk(self, user: Any) -> CaseQuerySet:
        """Exactly `visible_to(user)`, in the form a count or list over many cases reads fastest: for a
        national reader who is not reading a restricted case, their cases are every case in normal
        work, which `rows_of_cases` turns into a join rather than an IN over every case id."""
        national = getattr(user, "is_authenticated", False) and user.is_active and user.role_codes & NATIONAL_READ_ROLES
        if national and not RestrictedReading.objects.active().filter(user=user).exists():
            return self.in_normal_work()
        return self.visible_to(user)

    def in_normal_work(self) -> CaseQuerySet:
        """Cases neither restricted nor disposed: what `visible_to` gives every reader of a whole unit
        (its legal managers and unit head, its Area leadership, national readers) of that unit, a
        restricted case they are reading with a reason aside. Stored figures count these, keyed by
        unit or person, and are read only by people whose own scope covers them."""
        return self.filter(restricted_at__isnull=True, disposed_at__isnull=True)

    def _normal_scope(self, user: Any) -> models.Q:
        roles = user.role_codes
        if roles & NATIONAL_READ_ROLES:
            return models.Q()
        scope = models.Q(pk__in=[])
        if roles & UNIT_MANAGER_ROLES and user.unit_id:
            scope |= models.Q(unit_id=user.unit_id)
        if RoleCode.AREA_LEADERSHIP in roles and user.area_id:
            scope |= models.Q(unit__areas=user.area_id)
        if roles & CASEWORKER_ROLES:
            scope |= (
                models.Q(allocated_lawyer=user)
                | models.Q(deputy_lawyer=user)
                | models.Q(paralegal=user)
                | models.Q(pk__in=CaseAccessGrant.objects.active().filter(user=user).values("case_id"))
            )
        return scope

    def restricted_readable_by(self, user: Any) -> CaseQuerySet:
        """Restricted cases this user may open with a reason: a unit head or records officer, their unit's."""
        if not getattr(user, "is_authenticated", False) or not user.is_active or not user.unit_id:
            return self.none()
        if not user.role_codes & RESTRICTED_READER_ROLES:
            return self.none()
        return self.filter(unit_id=user.unit_id, restricted_at__isnull=False, disposed_at__isnull=True)

    def break_glass_candidates(self, user: Any) -> CaseQuerySet:
        """Cases a caseworker may open with a typed justification: others in their own unit."""
        if not getattr(user, "is_authenticated", False) or not (user.role_codes & CASEWORKER_ROLES) or not user.unit_id:
            return self.none()
        return self.filter(unit_id=user.unit_id, restricted_at__isnull=True, disposed_at__isnull=True)

    def editable_by(self, user: Any) -> CaseQuerySet:
        """Visible cases this user may change: their own work, or their unit for managers."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        roles = user.role_codes
        scope = models.Q(pk__in=[])
        if roles & UNIT_MANAGER_ROLES and user.unit_id:
            scope |= models.Q(unit_id=user.unit_id)
        if roles & CASEWORKER_ROLES:
            scope |= models.Q(allocated_lawyer=user) | models.Q(deputy_lawyer=user) | models.Q(paralegal=user)
        # A restricted record is kept, not worked on; a disposed one is gone.
        return self.filter(scope, restricted_at__isnull=True, disposed_at__isnull=True)


def rows_of_cases(rows: models.QuerySet[Any], cases: models.QuerySet[Any], path: str = "case") -> models.QuerySet[Any]:
    """The `rows` (of another model) whose `path` is one of `cases`.

    The whole register adds no condition, and exactly the cases in normal work
    (`CaseQuerySet.in_normal_work`, what a national reader sees) a join on the case's own columns:
    an IN (subquery) over 100,000 case ids costs a national count hundreds of milliseconds on
    SQLite. Anything narrower (a unit, a person's cases) is an IN (subquery)."""
    if not cases.query.where:
        return rows
    if cases.query.where == Case.objects.in_normal_work().query.where:
        return rows.filter(**{f"{path}__restricted_at__isnull": True, f"{path}__disposed_at__isnull": True})
    return rows.filter(**{f"{path}__in": cases.values("pk")})


class Case(VersionedModel):
    urn = models.CharField("URN", max_length=20, unique=True, help_text="Unique reference number, e.g. 42AB1234526.")
    operation_name = models.CharField(max_length=120, blank=True)
    summary = models.TextField(blank=True)
    unit = models.ForeignKey("people.Unit", on_delete=models.PROTECT, related_name="cases")
    lead_force = models.ForeignKey(
        "people.PoliceForce", null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    offence_categories = models.ManyToManyField(OffenceCategory, blank=True, related_name="cases")
    acceptance_criterion = models.ForeignKey(
        AcceptanceCriterion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        help_text="The listed criterion on which the unit accepted the case.",
    )
    ccp_direction_reason = models.TextField(
        "CCP direction", blank=True, help_text="If the Chief Crown Prosecutor directed the case into the unit: why."
    )
    accepted_on = models.DateField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    stage = models.CharField(max_length=30, choices=Stage.choices, default=Stage.PRE_CHARGE)
    stage_changed_at = models.DateTimeField()
    allocated_lawyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="allocated_cases"
    )
    deputy_lawyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="deputy_cases"
    )
    paralegal = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="paralegal_cases"
    )
    legal_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="managed_cases"
    )
    # Facts the assurance rules and the resourcing model use.
    trial_estimate_days = models.PositiveIntegerField(null=True, blank=True)
    estimated_cost = models.DecimalField(
        "estimated prosecution cost (£)", max_digits=12, decimal_places=2, null=True, blank=True
    )
    is_very_high_cost = models.BooleanField("very high cost case", default=False)
    vhcc_received_on = models.DateField("VHCC received on", null=True, blank=True)
    case_plan_agreed_on = models.DateField("case plan agreed with counsel on", null=True, blank=True)
    hq_notified_on = models.DateField("HQ notified on", null=True, blank=True)
    outcome = models.CharField(max_length=30, choices=CaseOutcome.choices, blank=True)
    principal_offence_category = models.ForeignKey(
        OffenceCategory,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Principal Offence Category recorded at finalisation.",
    )
    # Records management (casework.records): s.47(2) restriction and disposal at the end of retention.
    restricted_at = models.DateTimeField(
        null=True, blank=True, help_text="Set while processing is restricted (DPA 2018 s.47(2))."
    )
    disposed_at = models.DateTimeField(
        null=True, blank=True, help_text="When its personal data was erased at the end of its retention period."
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "stage", "-updated_at"], name="case_unit_stage"),
            models.Index(fields=["unit", "-updated_at", "-id"], name="case_unit_recent"),
            models.Index(fields=["-updated_at", "-id"], name="case_recent"),
            # The cases in normal work per unit (in_normal_work): the stored overview counts check
            # each unit's membership with one scan of this index instead of the table.
            models.Index(
                fields=["unit"],
                condition=models.Q(restricted_at__isnull=True, disposed_at__isnull=True),
                name="case_unit_normal_work",
            ),
            # Records retention lists closed cases not yet disposed of by how long ago they closed;
            # without it every case of the nation was read (69 ms at 100,000 cases).
            models.Index(
                fields=["stage", "stage_changed_at"],
                condition=models.Q(disposed_at__isnull=True),
                name="case_undisposed_stage",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(acceptance_criterion__isnull=False, ccp_direction_reason__gt=""),
                name="case_one_acceptance_basis",
                violation_error_message="Record either a listed criterion or a CCP direction, not both.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.urn} {self.operation_name}".strip()

    @property
    def acceptance_basis(self) -> str:
        if self.acceptance_criterion_id:
            return str(self.acceptance_criterion)
        if self.ccp_direction_reason:
            return f"CCP direction: {self.ccp_direction_reason}"
        return ""

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES


class CaseStageEntry(models.Model):
    """When a case entered each stage (time-in-stage metrics and the stage history)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="stage_entries")
    stage = models.CharField(max_length=30, choices=Stage.choices)
    entered_at = models.DateTimeField()
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=250, blank=True)

    class Meta:
        ordering = ["case", "entered_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} from {self.entered_at:%Y-%m-%d %H:%M}"


class CaseAccessGrantQuerySet(models.QuerySet["CaseAccessGrant"]):
    def active(self) -> CaseAccessGrantQuerySet:
        return self.filter(expires_at__gt=clock.now())


class CaseAccessGrant(models.Model):
    """Break-glass: a caseworker opened a case outside their own work, giving a reason."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_access_grants")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="access_grants")
    justification = models.TextField()
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(max_length=250, blank=True)

    objects = CaseAccessGrantQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at"]
        indexes = [models.Index(fields=["user", "expires_at"], name="grant_user_expiry")]

    def __str__(self) -> str:
        return f"Access by {self.user} to case {self.case_id}"


class CaseRestriction(models.Model):
    """A period in which a case's processing is restricted (DPA 2018 s.47(2)): kept, not worked on.
    For example while its accuracy is contested, or where it must be kept as evidence instead of
    erased."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="restrictions")
    reason = models.TextField()
    restricted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    restricted_at = models.DateTimeField()
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-restricted_at"]

    def __str__(self) -> str:
        return f"Restriction of case {self.case_id} from {self.restricted_at:%Y-%m-%d}"


class RestrictedReadingQuerySet(models.QuerySet["RestrictedReading"]):
    def active(self) -> RestrictedReadingQuerySet:
        return self.filter(expires_at__gt=clock.now())


class RestrictedReading(models.Model):
    """A named reader opened a restricted case, giving a reason; it is visible to them for a short while."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="restricted_readings")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="restricted_readings")
    reason = models.TextField()
    opened_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    objects = RestrictedReadingQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["user", "expires_at"], name="restricted_reading_user_expiry")]

    def __str__(self) -> str:
        return f"Restricted reading of case {self.case_id} by {self.user_id}"


class CaseAccessGrantReview(models.Model):
    """A manager's review of a break-glass access. Reviews are added, never rewritten: a second
    review of the same access is another row, and the first stays as it was."""

    grant = models.ForeignKey(CaseAccessGrant, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField()
    note = models.CharField(max_length=250)

    class Meta:
        ordering = ["grant", "reviewed_at", "id"]

    def __str__(self) -> str:
        return f"Review of access {self.grant_id} by {self.reviewer_id}"


class Defendant(VersionedModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="defendants")
    first_names = models.CharField(max_length=120)
    last_name = models.CharField(max_length=120)
    date_of_birth = models.DateField(null=True, blank=True)
    first_custody_on = models.DateField(
        "first in custody on",
        null=True,
        blank=True,
        help_text="The day the defendant was first in custody in these proceedings (custody time limits).",
    )
    custody_status = models.CharField(max_length=20, choices=CustodyStatus.choices, default=CustodyStatus.NOT_ARRESTED)

    class Meta:
        ordering = ["case", "last_name", "first_names"]

    def __str__(self) -> str:
        return self.name_of(self.first_names, self.last_name)

    @staticmethod
    def name_of(first_names: str, last_name: str) -> str:
        """How a defendant is named everywhere: first names, then the surname in capitals."""
        return f"{first_names} {last_name.upper()}"


class Charge(VersionedModel):
    defendant = models.ForeignKey(Defendant, on_delete=models.CASCADE, related_name="charges")
    offence = models.CharField(max_length=250)
    classification = models.CharField(max_length=20, choices=OffenceClassification.choices)
    charged_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["defendant", "id"]

    def __str__(self) -> str:
        return self.offence


class Hearing(VersionedModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="hearings")
    hearing_type = models.CharField(max_length=30, choices=HearingType.choices)
    starts_at = models.DateTimeField()
    court = models.CharField(max_length=160)
    outcome = models.TextField(blank=True)

    class Meta:
        ordering = ["case", "starts_at"]
        indexes = [models.Index(fields=["starts_at"], name="hearing_start")]

    def __str__(self) -> str:
        return f"{self.get_hearing_type_display()} at {self.court}"


class CaseDocument(VersionedModel):
    """A case record such as the PSD or DMD. Content lives in its versions; nothing is overwritten."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    title = models.CharField(max_length=200)
    current_version_number = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["case", "kind", "id"]
        indexes = [models.Index(fields=["case", "kind"], name="document_case_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"


class DocumentVersion(models.Model):
    document = models.ForeignKey(CaseDocument, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    body = models.TextField()
    rationale = models.TextField(blank=True, help_text="For decisions: the reasons, as the Code requires.")
    metadata = models.JSONField(default=dict, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["document", "-number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="document_version_unique")]

    def __str__(self) -> str:
        return f"Version {self.number}"


class CaseReview(models.Model):
    """The case review log: each review with who did it, when, and what they found."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reviews")
    kind = models.CharField(max_length=30, choices=ReviewKind.choices)
    reviewed_on = models.DateField()
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["case", "-reviewed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.reviewed_on}"


class CaseSweepMark(models.Model):
    """When a nightly sweep last worked a case out, and what it would take to change its answer.

    One row per (sweep, case), kept by casework.cases.sweep_marks. `generation` counts the changes
    to the case (bumped in the transaction of every change); `swept_generation` is the count the
    sweep had read when it last worked the case out, so a change during a sweep is not lost.
    `rules_key` fingerprints the rule versions and calendar the sweep used; `next_check_on` is the
    first day on which time passing alone could change the sweep's answer (None: no such day).
    """

    sweep = models.CharField(max_length=40)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    generation = models.PositiveIntegerField(default=1)
    swept_generation = models.PositiveIntegerField(default=0)
    swept_on = models.DateField(null=True, blank=True)
    rules_key = models.CharField(max_length=64, blank=True)
    next_check_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sweep", "case"], name="case_sweep_mark_unique")]

    def __str__(self) -> str:
        return f"{self.sweep} sweep of case {self.case_id} (on {self.swept_on})"
