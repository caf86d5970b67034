"""Reading a police referral is a consultation of the personal data the police sent (DPA 2018
s.62): each referral shown, in a list or on its own page, web or API, is logged with the reader's
reason. Pages about one referral are covered even if a view forgets (core.read_log)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.partners.models import ActionPlan, Referral
from casework.people.choices import NATIONAL_READ_ROLES, RoleCode


def _reason(actor: Any) -> str:
    roles = actor.role_codes
    if RoleCode.POLICE_LIAISON in roles:
        return "Liaison officer of the referring force"
    if roles & NATIONAL_READ_ROLES:
        return "National oversight"
    if RoleCode.AREA_LEADERSHIP in roles:
        return "Area leadership oversight"
    return "Referral to the reader's unit"


@transaction.atomic
def referrals_consulted(*, actor: Any, purpose: str, referrals: Iterable[Referral]) -> int:
    """One `consult` event per referral shown, written in one batch. Returns the number logged."""
    reason = _reason(actor)
    events = [
        audit.PendingEvent(
            action=Action.CONSULT,
            subject_type="partners.referral",
            subject_id=str(referral.pk),
            subject_label=referral.reference,
            case_id=referral.case_id,
            justification=f"{purpose}: {reason}"[:1000],
        )
        for referral in {r.pk: r for r in referrals}.values()
    ]
    if events:
        audit.record_many(actor=actor, events=events)
    return len(events)


def referral_page_consulted(reader: Any, referral_id: int, purpose: str, noted: frozenset[str]) -> None:
    if f"partners.referral:{referral_id}" in noted:
        return
    referral = Referral.objects.visible_to(reader).filter(pk=referral_id).only("pk", "reference", "case_id").first()
    if referral is not None:
        referrals_consulted(actor=reader, purpose=purpose, referrals=[referral])


def action_plan_page_consulted(reader: Any, plan_id: int, purpose: str, noted: frozenset[str]) -> None:
    referral_id = ActionPlan.objects.filter(pk=plan_id).values_list("referral_id", flat=True).first()
    if referral_id is not None:
        referral_page_consulted(reader, referral_id, purpose, noted)
