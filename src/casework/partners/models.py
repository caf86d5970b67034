"""Police partnership: HQ MoU templates, agreements per force, referrals and early advice requests,
action plans, escalations, disagreements and liaison meetings.

Access is one query per model (`visible_to`): a police liaison officer sees their own force only;
CCU staff see the forces their unit serves; area leadership their Area's; HQ and inspectors all;
a system administrator sees templates (configuration) but no referrals or agreements.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from casework.core.models import VersionedModel
from casework.partners.choices import (
    AgreementStatus,
    CentralDivision,
    DisagreementOutcome,
    EscalationStatus,
    MeetingKind,
    ReferralKind,
    ReferralStatus,
    Side,
    TemplateStatus,
)
from casework.people.choices import CASEWORKER_ROLES, NATIONAL_READ_ROLES, UNIT_MANAGER_ROLES, RoleCode
from casework.people.models import PoliceForce

NOTHING = Q(pk__in=[])


def force_scope(user: Any) -> Q | None:
    """The forces whose partnership records the user may see, as a filter on PoliceForce.

    None means every force; NOTHING means none. Police liaison dominates any other role so a
    force account can never widen its view.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    roles = user.role_codes
    if RoleCode.POLICE_LIAISON in roles:
        return Q(pk=user.police_force_id) if user.police_force_id else NOTHING
    if roles & NATIONAL_READ_ROLES:
        return None
    scope = NOTHING
    if RoleCode.AREA_LEADERSHIP in roles and user.area_id:
        scope |= Q(areas=user.area_id)
    if roles & (UNIT_MANAGER_ROLES | CASEWORKER_ROLES) and user.unit_id:
        scope |= Q(areas__unit=user.unit_id)
    return scope


def _filter_by_force(qs: models.QuerySet[Any], user: Any, path: str) -> models.QuerySet[Any]:
    scope = force_scope(user)
    if scope is None:
        return qs
    if scope is NOTHING:
        return qs.none()
    # A subquery rather than a join: the London forces serve two Areas and would repeat rows.
    return qs.filter(**{f"{path}__in": PoliceForce.objects.filter(scope).values("pk")})


class MouTemplateQuerySet(models.QuerySet["MouTemplate"]):
    def visible_to(self, user: Any) -> MouTemplateQuerySet:
        """Templates are HQ policy for CPS staff; a force reads its own agreement instead."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        roles = user.role_codes
        if RoleCode.POLICE_LIAISON in roles or not roles:
            return self.none()
        return self.all()

    def published(self) -> MouTemplateQuerySet:
        return self.filter(status=TemplateStatus.PUBLISHED)


class MouTemplate(models.Model):
    """One version of the HQ model MoU: sections and clauses, parameters and the escalation ladder."""

    number = models.PositiveIntegerField(unique=True)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=12, choices=TemplateStatus.choices, default=TemplateStatus.DRAFT)
    effective_from = models.DateField()
    source = models.CharField(max_length=300)
    change_note = models.TextField(blank=True)
    content = models.JSONField(help_text="sections (with clauses), parameters and ladder")
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = MouTemplateQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"HQ MoU template version {self.number}"


class AgreementQuerySet(models.QuerySet["Agreement"]):
    def visible_to(self, user: Any) -> AgreementQuerySet:
        return _filter_by_force(self, user, "force")  # type: ignore[return-value]

    def live(self) -> AgreementQuerySet:
        """Not superseded: each force's working agreement (draft, in negotiation, signed or due)."""
        return self.exclude(status=AgreementStatus.SUPERSEDED)


class Agreement(VersionedModel):
    """The MoU between a CCU and one police force, made from a template version."""

    force = models.ForeignKey("people.PoliceForce", on_delete=models.PROTECT, related_name="agreements")
    unit = models.ForeignKey("people.Unit", on_delete=models.PROTECT, related_name="police_agreements")
    template = models.ForeignKey(MouTemplate, on_delete=models.PROTECT, related_name="agreements")
    status = models.CharField(max_length=12, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT)
    parameters = models.JSONField(default=dict, blank=True, help_text="Agreed values; template defaults otherwise.")
    cps_contacts = models.TextField("CPS points of contact", blank=True)
    police_contacts = models.TextField("Police points of contact", blank=True)
    cps_signatory = models.CharField(max_length=200, blank=True)
    police_signatory = models.CharField(max_length=200, blank=True)
    signed_on = models.DateField(null=True, blank=True)
    effective_from = models.DateField(null=True, blank=True)
    review_due_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    review_reminder_sent_on = models.DateField(null=True, blank=True)
    superseded_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["force__name", "-created_at"]
        indexes = [models.Index(fields=["force", "status"])]

    def __str__(self) -> str:
        return f"MoU {self.unit} – {self.force} (template v{self.template.number})"


class AgreementDeviationQuerySet(models.QuerySet["AgreementDeviation"]):
    def visible_to(self, user: Any) -> AgreementDeviationQuerySet:
        return self.filter(agreement__in=Agreement.objects.visible_to(user).values("pk"))


class AgreementDeviation(models.Model):
    """A clause agreed differently from the HQ template (or left out, if optional), with the reason."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="deviations")
    clause_code = models.CharField(max_length=60)
    omitted = models.BooleanField(default=False)
    text = models.TextField(blank=True)
    reason = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    objects = AgreementDeviationQuerySet.as_manager()

    class Meta:
        ordering = ["agreement", "clause_code"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "clause_code"], name="partners_one_deviation_per_clause")
        ]

    def __str__(self) -> str:
        return f"Variation of clause {self.clause_code}"


class ReferralQuerySet(models.QuerySet["Referral"]):
    def visible_to(self, user: Any) -> ReferralQuerySet:
        if (
            getattr(user, "is_authenticated", False)
            and user.is_active
            and RoleCode.POLICE_LIAISON not in user.role_codes
        ):
            roles = user.role_codes
            if roles & NATIONAL_READ_ROLES:
                return self.all()
            scope = NOTHING
            if roles & (UNIT_MANAGER_ROLES | CASEWORKER_ROLES) and user.unit_id:
                scope |= Q(unit_id=user.unit_id)
            if RoleCode.AREA_LEADERSHIP in roles and user.area_id:
                scope |= Q(unit__areas=user.area_id)
            return self.filter(scope)
        return _filter_by_force(self, user, "force")  # type: ignore[return-value]


class Referral(VersionedModel):
    """A case referral or an early investigative advice request from a force to its CCU."""

    reference = models.CharField(max_length=30, unique=True)
    kind = models.CharField(max_length=14, choices=ReferralKind.choices)
    force = models.ForeignKey("people.PoliceForce", on_delete=models.PROTECT, related_name="referrals")
    unit = models.ForeignKey("people.Unit", on_delete=models.PROTECT, related_name="police_referrals")
    agreement = models.ForeignKey(Agreement, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_on = models.DateField()
    officer_in_case = models.CharField(max_length=200, blank=True)
    # The 8 items (rules.EIA_ITEMS).
    police_reference = models.CharField("Unique reference number", max_length=60)
    factual_summary = models.TextField(blank=True)
    lines_of_enquiry = models.TextField(blank=True)
    expected_results = models.TextField(blank=True)
    issues_identified = models.TextField(blank=True)
    specific_questions = models.TextField(blank=True)
    key_evidence = models.TextField(blank=True)
    disclosable_material = models.TextField(blank=True)
    #: The items still missing or unusable, as "6. The specific questions" (empty when complete).
    missing_items = models.JSONField(default=list, blank=True)
    proposed_criterion = models.ForeignKey(
        "cases.AcceptanceCriterion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=14, choices=ReferralStatus.choices, default=ReferralStatus.SUBMITTED)
    # The CCU's response times start when the request is complete (all 8 items usable): until then
    # the due dates are empty and `missing_items` says what the force still has to send.
    completed_on = models.DateField(null=True, blank=True)
    acknowledge_due_on = models.DateField(null=True, blank=True)
    respond_due_on = models.DateField(null=True, blank=True)
    acknowledged_on = models.DateField(null=True, blank=True)
    responded_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    criterion = models.ForeignKey(
        "cases.AcceptanceCriterion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="referrals")
    redirected_to = models.CharField(max_length=20, choices=CentralDivision.choices, blank=True)
    response_text = models.TextField(blank=True, help_text="The CCU's advice or the reasons for its decision.")
    decline_communicated_on = models.DateField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_on", "-id"]
        indexes = [models.Index(fields=["force", "status"]), models.Index(fields=["unit", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"


class ReferralPartQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: Any) -> models.QuerySet[Any]:
        return self.filter(referral__in=Referral.objects.visible_to(user).values("pk"))


class AgreementPartQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: Any) -> models.QuerySet[Any]:
        return self.filter(agreement__in=Agreement.objects.visible_to(user).values("pk"))


class ForcePartQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: Any) -> models.QuerySet[Any]:
        return _filter_by_force(self, user, "force")


class MeetingActionQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: Any) -> models.QuerySet[Any]:
        return self.filter(meeting__agreement__in=Agreement.objects.visible_to(user).values("pk"))


class ActionPlan(models.Model):
    """Actions the prosecutor asks of the police, with the agreement's response time."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="action_plans")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_on = models.DateField()
    actions = models.TextField()
    response_due_on = models.DateField()
    answered_on = models.DateField(null=True, blank=True)
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ReferralPartQuerySet.as_manager()

    class Meta:
        ordering = ["referral", "issued_on", "id"]

    def __str__(self) -> str:
        return f"Action plan of {self.issued_on} on {self.referral.reference}"


class Escalation(models.Model):
    """One rung of an escalation: raised by a side at a level, due a response within the level's time."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="escalations")
    level = models.PositiveSmallIntegerField()
    police_role = models.CharField(max_length=100)
    cps_role = models.CharField(max_length=100)
    raised_side = models.CharField(max_length=6, choices=Side.choices)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    raised_on = models.DateField()
    reason = models.TextField()
    response_due_on = models.DateField()
    status = models.CharField(max_length=12, choices=EscalationStatus.choices, default=EscalationStatus.OPEN)
    resolved_on = models.DateField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    previous = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="next")

    objects = ReferralPartQuerySet.as_manager()

    class Meta:
        ordering = ["referral", "level", "id"]

    def __str__(self) -> str:
        return f"Escalation level {self.level} on {self.referral.reference}"


class Disagreement(models.Model):
    """A disagreement between the CCU and a force, recorded with its outcome."""

    force = models.ForeignKey("people.PoliceForce", on_delete=models.PROTECT, related_name="disagreements")
    referral = models.ForeignKey(Referral, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(max_length=250)
    cps_position = models.TextField()
    police_position = models.TextField()
    raised_on = models.DateField()
    outcome = models.CharField(max_length=12, choices=DisagreementOutcome.choices, default=DisagreementOutcome.OPEN)
    outcome_note = models.TextField(blank=True)
    resolved_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = ForcePartQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_on", "-id"]

    def __str__(self) -> str:
        return self.subject


class LiaisonMeeting(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="meetings")
    kind = models.CharField(max_length=12, choices=MeetingKind.choices)
    held_on = models.DateField()
    cps_attendees = models.TextField()
    police_attendees = models.TextField()
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = AgreementPartQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} meeting {self.held_on}"


class MeetingAction(models.Model):
    meeting = models.ForeignKey(LiaisonMeeting, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    owner = models.CharField(max_length=200)
    side = models.CharField(max_length=6, choices=Side.choices)
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)

    objects = MeetingActionQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.description[:60]
