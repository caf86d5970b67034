from __future__ import annotations

from django.db import models


class TemplateStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    WITHDRAWN = "withdrawn", "Withdrawn"


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    NEGOTIATING = "negotiating", "Negotiating"
    SIGNED = "signed", "Signed"
    REVIEW_DUE = "review_due", "Review due"
    SUPERSEDED = "superseded", "Superseded"
    EXPIRED = "expired", "Expired"


class ReferralKind(models.TextChoices):
    REFERRAL = "referral", "Case referral"
    EARLY_ADVICE = "early_advice", "Early investigative advice"


class ReferralStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ACCEPTED = "accepted", "Accepted into the CCU"
    REDIRECTED = "redirected", "Redirected to a central division"
    DECLINED = "declined", "Declined"
    ADVICE_GIVEN = "advice_given", "Advice given"


#: Statuses in which the CCU still owes the police an answer.
OPEN_REFERRAL_STATUSES = frozenset({ReferralStatus.SUBMITTED, ReferralStatus.ACKNOWLEDGED})


class CentralDivision(models.TextChoices):
    """Every central casework division a referral has been sent to. Which ones can be chosen on a
    date is reference data with dates (partners.reference.CENTRAL_DIVISIONS); the earlier names stay
    so records made before a reorganisation still read as they were made."""

    SEOCID = "seocid", "Serious Economic, Organised Crime and International Directorate (SEOCID)"
    SCCTD = "scctd", "Special Crime and Counter Terrorism Division (SCCTD)"
    SPECIALIST_FRAUD = "specialist_fraud", "Specialist Fraud Division (now part of SEOCID)"
    INTERNATIONAL = "international", "International Justice and Organised Crime Division (now part of SEOCID)"
    SPECIAL_CRIME = "special_crime", "Special Crime Division (now part of SCCTD)"
    COUNTER_TERRORISM = "counter_terrorism", "Counter Terrorism Division (now part of SCCTD)"


class Side(models.TextChoices):
    CPS = "cps", "CPS"
    POLICE = "police", "Police"


class EscalationStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"
    SUPERSEDED = "superseded", "Escalated to the next level"


class MeetingKind(models.TextChoices):
    OPERATIONAL = "operational", "Operational"
    STRATEGIC = "strategic", "Strategic"


class DisagreementOutcome(models.TextChoices):
    OPEN = "open", "Not yet resolved"
    CPS_VIEW = "cps_view", "Resolved: CPS view adopted"
    POLICE_VIEW = "police_view", "Resolved: police view adopted"
    COMPROMISE = "compromise", "Resolved: agreed compromise"
    ESCALATED = "escalated", "Escalated up the ladder"
