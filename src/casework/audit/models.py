"""The append-only, hash-chained audit trail (DPA 2018 s.62 logging plus security events)."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models

from casework.audit import case_lookups
from casework.audit.choices import Action
from casework.people.choices import RoleCode
from casework.people.models import User


class AppendOnlyError(Exception):
    pass


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit events cannot be changed.")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise AppendOnlyError("Audit events cannot be deleted.")

    def visible_to(self, user: Any) -> AuditEventQuerySet:
        """Who may search the trail: inspectors and HQ nationally; unit heads the events about their
        unit's cases (by the case's unit id, never the actor's unit name) and their own staff's
        events about no case; administrators security and configuration events only, never an
        event about case content. Everyone else sees only what a case page shows them."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        roles = user.role_codes
        if roles & {RoleCode.INSPECTOR, RoleCode.HQ_ANALYST}:
            return self.all()
        filters = models.Q(pk__in=[])
        if RoleCode.UNIT_HEAD in roles and user.unit_id:
            filters |= models.Q(case_id__in=case_lookups.unit_case_ids(user.unit_id))
            staff = User.objects.filter(unit_id=user.unit_id).values("pk")
            filters |= models.Q(case_id__isnull=True, actor_id__in=staff) & ~models.Q(
                subject_type__in=CASE_CONTENT_SUBJECTS
            )
        if RoleCode.ADMINISTRATOR in roles:
            filters |= models.Q(case_id__isnull=True, action__in=SECURITY_ACTIONS) & ~models.Q(
                subject_type__in=CASE_CONTENT_SUBJECTS
            )
        return self.filter(filters)


#: Events an administrator may read: sign-ins, refusals, access and configuration changes.
SECURITY_ACTIONS = (
    Action.LOGIN,
    Action.LOGIN_FAILED,
    Action.LOGOUT,
    Action.ACCESS_DENIED,
    Action.PERMISSION_CHANGE,
    Action.CONFIG_CHANGE,
)
#: Subjects whose events carry case content even when no case id is attached (police referrals
#: and action plans before a case exists, case lists and exports).
CASE_CONTENT_SUBJECTS = (
    "cases.case",
    "cases.caseaccessgrant",
    "partners.referral",
    "partners.actionplan",
    "partners.escalation",
    "partners.disagreement",
    "partners.liaisonmeeting",
    "partners.meetingaction",
)


class AuditEvent(models.Model):
    seq = models.BigIntegerField(primary_key=True)
    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(max_length=200)
    actor_role = models.CharField(max_length=200, blank=True)
    actor_unit = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=30, choices=Action.choices, db_index=True)
    subject_type = models.CharField(max_length=60, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    subject_label = models.CharField(max_length=250, blank=True)
    case_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    changes = models.TextField(blank=True, help_text="Canonical JSON {field: [before, after]}; never for erasure.")
    justification = models.TextField(blank=True)
    recipient = models.CharField(max_length=250, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    client_address = models.CharField(max_length=64, blank=True)
    channel = models.CharField(max_length=10, blank=True)
    # Format 2 (chain.py): the personal values above are hashed through a salted commitment, so an
    # erasure can blank them (and the salt) and keep the commitment. Null format: format 1.
    format = models.PositiveSmallIntegerField(null=True, blank=True)
    salt = models.CharField(max_length=32, null=True, blank=True)
    commitment = models.CharField(max_length=64, null=True, blank=True)
    erasure_seal = models.CharField(
        max_length=64, null=True, blank=True, help_text="Erase events only: seal over the format-1 events redacted."
    )
    erased_by = models.BigIntegerField(
        null=True, blank=True, help_text="The erase event that blanked this event's personal values (not hashed)."
    )
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["actor", "occurred_at"], name="audit_actor_time"),
            models.Index(fields=["subject_type", "subject_id"], name="audit_subject"),
            models.Index(fields=["erased_by"], name="audit_erased_by", condition=models.Q(erased_by__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.subject_type}:{self.subject_id} by {self.actor_label}"

    def save(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit events are written only by casework.audit.services.record().")

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit events cannot be deleted.")

    @property
    def changes_dict(self) -> dict[str, Any]:
        import json

        return json.loads(self.changes) if self.changes else {}


class AuditCheckpoint(models.Model):
    """A signed Merkle tree head over events 1..tree_size. The signed copy also lives outside the
    database (settings.AUDIT_CHECKPOINT_DIR), which is what makes rewriting history detectable."""

    tree_size = models.BigIntegerField(unique=True)
    root_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    signature = models.CharField(max_length=128)
    public_key = models.CharField(max_length=64)

    class Meta:
        ordering = ["-tree_size"]

    def __str__(self) -> str:
        return f"Checkpoint at {self.tree_size} events"
