"""Liaison between a CCU and a force: disagreements and their resolution, and liaison meetings with
their actions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.core import clock, dates
from casework.core.errors import NotFound, TransitionRefused, ValidationFailed
from casework.partners.choices import DisagreementOutcome, MeetingKind, Side
from casework.partners.models import Agreement, Disagreement, LiaisonMeeting, MeetingAction
from casework.partners.services.access import require_unit_lawyer, serving_unit, visible_agreement, visible_force
from casework.people.models import User


@transaction.atomic
def disagreement_record(
    *,
    actor: User,
    force_id: int,
    subject: str,
    cps_position: str,
    police_position: str,
    referral_id: int | None = None,
) -> Disagreement:
    force = visible_force(actor, force_id)
    require_unit_lawyer(actor, serving_unit(force).pk)
    if not (subject.strip() and cps_position.strip() and police_position.strip()):
        raise ValidationFailed("Record the subject and both sides' positions.")
    disagreement = Disagreement.objects.create(
        force=force,
        referral_id=referral_id,
        subject=subject.strip(),
        cps_position=cps_position.strip(),
        police_position=police_position.strip(),
        raised_on=clock.today(),
        recorded_by=actor,
    )
    audit.record(
        actor=actor, action=Action.COLLECT, subject=disagreement, changes={"subject": [None, disagreement.subject]}
    )
    return disagreement


@transaction.atomic
def disagreement_resolve(*, actor: User, disagreement_id: int, outcome: str, note: str) -> Disagreement:
    disagreement: Disagreement | None = Disagreement.objects.visible_to(actor).filter(pk=disagreement_id).first()
    if disagreement is None:
        raise NotFound("Disagreement not found.")
    require_unit_lawyer(actor, serving_unit(disagreement.force).pk)
    if outcome not in DisagreementOutcome.values or outcome == DisagreementOutcome.OPEN:
        raise ValidationFailed("Choose the outcome.", field_errors={"outcome": ["Choose the outcome."]})
    if not note.strip():
        raise ValidationFailed("Explain the outcome.", field_errors={"note": ["Explain the outcome."]})
    before = disagreement.outcome
    disagreement.outcome, disagreement.outcome_note, disagreement.resolved_on = outcome, note.strip(), clock.today()
    disagreement.save(update_fields=["outcome", "outcome_note", "resolved_on"])
    audit.record(
        actor=actor,
        action=Action.ALTER,
        subject=disagreement,
        changes={"outcome": [before, outcome], "outcome_note": [None, disagreement.outcome_note]},
    )
    return disagreement


@transaction.atomic
def meeting_record(
    *,
    actor: User,
    agreement: Agreement,
    kind: str,
    held_on: dt.date,
    cps_attendees: str,
    police_attendees: str,
    notes: str = "",
    actions: list[dict[str, Any]] | None = None,
) -> LiaisonMeeting:
    agreement = visible_agreement(actor, agreement)
    require_unit_lawyer(actor, agreement.unit_id)
    due = {f"action_{i + 1}_due_on" if i else "action_due_on": a.get("due_on") for i, a in enumerate(actions or [])}
    dates.require_plausible(held_on=held_on, **due)
    errors: dict[str, list[str]] = {}
    if kind not in MeetingKind.values:
        errors["kind"] = ["Choose operational or strategic."]
    if held_on > clock.today():
        errors["held_on"] = ["Record a meeting once it has been held."]
    if not cps_attendees.strip() or not police_attendees.strip():
        errors["cps_attendees"] = ["Record who attended for each side."]
    for index, action in enumerate(actions or []):
        if not (
            str(action.get("description", "")).strip()
            and str(action.get("owner", "")).strip()
            and action.get("due_on")
            and action.get("side") in Side.values
        ):
            errors[f"actions.{index}"] = ["Each action needs a description, an owner, a side and a due date."]
    if errors:
        raise ValidationFailed("The meeting could not be recorded.", field_errors=errors)
    meeting = LiaisonMeeting.objects.create(
        agreement=agreement,
        kind=kind,
        held_on=held_on,
        cps_attendees=cps_attendees.strip(),
        police_attendees=police_attendees.strip(),
        notes=notes.strip(),
        recorded_by=actor,
    )
    for action in actions or []:
        MeetingAction.objects.create(
            meeting=meeting,
            description=action["description"].strip(),
            owner=action["owner"].strip(),
            side=action["side"],
            due_on=action["due_on"],
        )
    audit.record(
        actor=actor,
        action=Action.COLLECT,
        subject=meeting,
        changes={"kind": [None, kind], "held_on": [None, held_on.isoformat()], "actions": [None, len(actions or [])]},
    )
    return meeting


@transaction.atomic
def meeting_action_complete(*, actor: User, action_id: int) -> MeetingAction:
    action: MeetingAction | None = (
        MeetingAction.objects.visible_to(actor).select_related("meeting__agreement").filter(pk=action_id).first()
    )
    if action is None:
        raise NotFound("Action not found.")
    require_unit_lawyer(actor, action.meeting.agreement.unit_id)
    if action.done_on is not None:
        raise TransitionRefused("This action is already done.")
    action.done_on = clock.today()
    action.save(update_fields=["done_on"])
    audit.record(
        actor=actor, action=Action.ALTER, subject=action, changes={"done_on": [None, action.done_on.isoformat()]}
    )
    return action
