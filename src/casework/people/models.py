"""Organisation reference data (Areas, units, forces, grades) and the people who work in it."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.functional import cached_property

from casework.people.choices import (
    CASEWORKER_ROLES,
    NATIONAL_READ_ROLES,
    UNIT_MANAGER_ROLES,
    AbsenceKind,
    RoleCode,
    UnitSize,
    WorkingPattern,
)

if TYPE_CHECKING:
    from django.db.models import QuerySet


class Unit(models.Model):
    """A Complex Casework Unit. The two London Areas share one."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120, unique=True)
    size = models.CharField(max_length=10, choices=UnitSize.choices, default=UnitSize.MEDIUM)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Area(models.Model):
    """One of the 14 CPS Areas; each is served by one CCU."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120, unique=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="areas")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PoliceForce(models.Model):
    """A territorial police force; the Metropolitan and City of London forces serve both London Areas."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120, unique=True)
    areas = models.ManyToManyField(Area, related_name="police_forces")
    # Partnership e-mails (referral response overdue, escalations) go to this named contact.
    notification_contact_name = models.CharField("Named contact for partnership e-mails", max_length=200, blank=True)
    notification_email = models.EmailField(
        "Contact e-mail address",
        blank=True,
        help_text="A monitored force address for referral SLA breaches and escalations. No CPS case content is sent.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["unit__name", "name"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="team_unique_name_per_unit")]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"


class Grade(models.Model):
    """A staff grade (Crown Prosecutor, Senior Crown Prosecutor, ...) and its civil-service band."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120, unique=True)
    civil_service_band = models.CharField(max_length=20, help_text="For example SEO, Grade 7, Grade 6.")
    seniority = models.PositiveSmallIntegerField(help_text="Higher is more senior; used to order grades.")
    is_legal = models.BooleanField(default=False, help_text="A lawyer grade (can be the allocated lawyer).")
    is_manager = models.BooleanField(default=False)
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-seniority", "name"]

    def __str__(self) -> str:
        return self.name


class Specialism(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.Model):
    code = models.CharField(max_length=30, choices=RoleCode.choices, unique=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return RoleCode(self.code).label


class CaseworkUserManager(UserManager["User"]):
    def visible_to(self, user: User) -> QuerySet[User]:
        """People records a user may open: themselves; their unit for managers; more for oversight."""
        qs = self.get_queryset()
        if not user.is_authenticated or not user.is_active:
            return qs.none()
        roles = user.role_codes
        if roles & (NATIONAL_READ_ROLES | {RoleCode.ADMINISTRATOR}):
            return qs
        if RoleCode.AREA_LEADERSHIP in roles and user.area_id:
            return qs.filter(models.Q(unit__areas=user.area_id) | models.Q(pk=user.pk)).distinct()
        if roles & UNIT_MANAGER_ROLES and user.unit_id:
            return qs.filter(models.Q(unit_id=user.unit_id) | models.Q(pk=user.pk))
        return qs.filter(pk=user.pk)


class User(AbstractUser):
    """A person who signs in. Roles are a set: a unit head may also prosecute."""

    roles = models.ManyToManyField(Role, blank=True, related_name="users")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="members")
    area = models.ForeignKey(
        Area,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leaders",
        help_text="For area leadership: the Area they lead.",
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    police_force = models.ForeignKey(
        PoliceForce,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="liaison_officers",
        help_text="For police liaison officers: the one force they act for.",
    )
    line_manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="direct_reports"
    )
    grade = models.ForeignKey(Grade, null=True, blank=True, on_delete=models.PROTECT, related_name="people")
    fte = models.DecimalField(
        "FTE",
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1.00"))],
    )
    contracted_hours = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("37.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("60"))],
        help_text="Contracted hours per week.",
    )
    working_pattern = models.CharField(max_length=20, choices=WorkingPattern.choices, default=WorkingPattern.FULL_TIME)
    specialisms = models.ManyToManyField(Specialism, blank=True, related_name="people")

    # AbstractUser declares `objects` as a class variable; ours adds visible_to().
    objects = CaseworkUserManager()  # type: ignore[misc]

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @cached_property
    def role_codes(self) -> frozenset[str]:
        if not self.pk:
            return frozenset()
        return frozenset(RoleCode(code) for code in self.roles.values_list("code", flat=True))

    def has_role(self, *codes: str) -> bool:
        return bool(self.role_codes & set(codes))

    @property
    def primary_role_label(self) -> str:
        order = list(RoleCode)
        held = sorted(self.role_codes, key=lambda code: order.index(RoleCode(code)))
        return ", ".join(RoleCode(code).label for code in held) or "No role"

    @property
    def is_caseworker(self) -> bool:
        return bool(self.role_codes & CASEWORKER_ROLES)

    @property
    def is_unit_manager(self) -> bool:
        return bool(self.role_codes & UNIT_MANAGER_ROLES)


class Absence(models.Model):
    """Leave and other reductions in availability, each with its reason and dates."""

    person = models.ForeignKey(User, on_delete=models.CASCADE, related_name="absences")
    kind = models.CharField(max_length=20, choices=AbsenceKind.choices)
    starts_on = models.DateField()
    ends_on = models.DateField(help_text="Last day of the absence or reduction (inclusive).")
    hours_per_week = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="For a partial reduction: hours per week lost. Leave it blank for a full absence.",
    )
    reason = models.CharField(max_length=250)

    class Meta:
        ordering = ["person", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="absence_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_kind_display()} {self.starts_on}–{self.ends_on}"


class LoginFailure(models.Model):
    """Recent failed sign-ins, for throttling. Old rows are pruned; the audit trail keeps the record."""

    username = models.CharField(max_length=150, db_index=True)
    client_address = models.CharField(max_length=64, db_index=True)
    occurred_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"Failed sign-in for {self.username}"


class RoleGrantStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a second administrator"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"


class RoleGrant(models.Model):
    """A request to give someone a role that widens their access to case data (or administration).

    One administrator asks; a different administrator, who is not the person receiving the role,
    approves or refuses. Until then the role is not held. Both steps are audited.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=RoleGrantStatus.choices, default=RoleGrantStatus.PENDING)
    requested_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    reason = models.CharField(max_length=250, blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(status="pending"),
                name="role_grant_one_pending_per_role",
            )
        ]

    def __str__(self) -> str:
        return f"{RoleCode(self.role.code).label} for {self.user.username}"
