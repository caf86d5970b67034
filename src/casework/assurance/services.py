"""Writes for assurance: storing verdicts, exemptions, waivers, sign-offs, the panel and rule versions."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from casework.assurance import emails, engine, rechecks, selectors, tallies
from casework.assurance.choices import ExemptDocument, Outcome, SignOffStatus
from casework.assurance.models import (
    AssuranceRule,
    Checkpoint,
    Exemption,
    PanelAction,
    PanelMeeting,
    PanelRegistration,
    SignOffRequest,
    VerdictPeriod,
    Waiver,
)
from casework.assurance.rules import EVALUATORS, EvaluationContext, panel_thresholds_met
from casework.audit import services as audit
from casework.audit.choices import Action
from casework.audit.versioned import versioned_update
from casework.cases.models import Case
from casework.cases.services import require_case_editable
from casework.core import clock, dates
from casework.core.bank_holidays import working_calendar
from casework.core.case_changes import notify_case_changed
from casework.core.errors import NotFound, PermissionDenied, ValidationFailed
from casework.core.row_updates import insert_values
from casework.people.choices import UNIT_MANAGER_ROLES, RoleCode
from casework.people.models import User

MAX_WAIVER_DAYS = 180

logger = logging.getLogger("casework.assurance")


# --- evaluation ----------------------------------------------------------------------------------


def evaluation_context(today: dt.date) -> EvaluationContext:
    return EvaluationContext(
        today=today, calendar=working_calendar(), checkpoints=tuple(selectors.checkpoints_in_force(today))
    )


def store_verdicts(
    *, verdicts_by_case: dict[int, list[engine.Verdict]], now: dt.datetime, none_current: bool = False
) -> tuple[int, int]:
    """Close the current verdicts that changed and open new ones. Returns (opened, closed).

    Verdicts are derived data: they are not audited one by one (their inputs are), but their full
    history is kept so compliance on any past date can be shown.

    `none_current`: the caller knows these cases have no current verdict (the first sweep, into a
    table that was empty, each case once), so they are not looked up; a wrong claim is caught by
    the one-current-verdict-per-rule index, which refuses the duplicate.
    """
    case_ids = list(verdicts_by_case)
    # Plain tuples, not model instances: the sweep compares tens of thousands of these.
    current = (
        {}
        if none_current
        else {
            (case_id, rule_code): (pk, rule_id, outcome, reason)
            for pk, case_id, rule_code, rule_id, outcome, reason in VerdictPeriod.objects.filter(
                case_id__in=case_ids, valid_to__isnull=True
            ).values_list("pk", "case_id", "rule_code", "rule_id", "outcome", "reason")
        }
    )
    to_close: list[int] = []
    # Rows in _VERDICT_COLUMNS order, not model instances: the first sweep opens one per case and rule.
    to_open: list[tuple[Any, ...]] = []
    for case_id, verdicts in verdicts_by_case.items():
        for verdict in verdicts:
            existing = current.pop((case_id, verdict.rule_code), None)
            if existing is not None and existing[1:] == (verdict.rule_pk, verdict.outcome, verdict.reason):
                continue
            if existing is not None:
                to_close.append(existing[0])
            to_open.append(
                (
                    case_id,
                    verdict.rule_pk,
                    verdict.rule_code,
                    verdict.outcome,
                    verdict.reason,
                    verdict.remedy,
                    verdict.facts,
                    now,
                    None,
                )
            )
    to_close.extend(pk for pk, *_rest in current.values())  # rules no longer in force
    for start in range(0, len(to_close), 500):
        VerdictPeriod.objects.filter(pk__in=to_close[start : start + 500]).update(valid_to=now)
    insert_values(VerdictPeriod, _VERDICT_COLUMNS, to_open)  # one prepared INSERT, run per row
    return len(to_open), len(to_close)


#: Every column of a verdict period but its id, in the order store_verdicts builds its rows.
_VERDICT_COLUMNS = ("case", "rule", "rule_code", "outcome", "reason", "remedy", "facts", "valid_from", "valid_to")


def cases_evaluate(case_ids: Iterable[int], *, today: dt.date | None = None) -> dict[int, list[engine.Verdict]]:
    """Evaluate these cases against the rules in force and store the verdicts that changed, in a
    fixed number of queries however many cases (the facts are read in bulk, as in the sweep).
    Cases that no longer exist are skipped. Call inside a transaction."""
    ids = sorted(set(case_ids))
    if not ids:
        return {}
    today = today or clock.today()
    rules = selectors.rules_in_force(today)
    ctx = evaluation_context(today)
    facts = selectors.facts_for_cases(ids, today)
    verdicts = {case_id: engine.evaluate(case_facts, rules, ctx) for case_id, case_facts in facts.items()}
    store_verdicts(verdicts_by_case=verdicts, now=clock.now())
    return verdicts


@transaction.atomic
def case_evaluate(*, case_id: int, today: dt.date | None = None) -> list[engine.Verdict]:
    """Evaluate one case now and store any changed verdicts ("Re-check now", tests). Answers the
    case's waiting re-check, if any."""
    taken = rechecks.claim([case_id])
    verdicts = cases_evaluate([case_id], today=today).get(case_id)
    if verdicts is None:
        raise NotFound("Case not found.")
    rechecks.answered(taken)
    return verdicts


@dataclass
class RecheckRun:
    """What one run of the re-check queue did."""

    cases: int = 0
    batches: int = 0
    failed: list[int] = field(default_factory=list)
    #: When the earliest postponed (failed) re-check is due again; None if nothing is postponed.
    retry_at: dt.datetime | None = None
    #: Whether the run stopped at its time limit with due re-checks left.
    more: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "batches": self.batches,
            "failed": self.failed,
            "retry_at": self.retry_at.isoformat() if self.retry_at else None,
            "more": self.more,
        }


def _recheck_one_by_one(case_ids: list[int], run: RecheckRun) -> None:
    """After a batch failed: each case on its own, so one bad case holds up only itself."""
    for case_id in case_ids:
        try:
            with transaction.atomic():
                taken = rechecks.claim([case_id])
                cases_evaluate(taken.case_ids)
                rechecks.answered(taken)
            run.cases += len(taken.case_ids)
        except Exception as error:
            logger.exception("Re-checking case %s failed; it will be retried.", case_id)
            with transaction.atomic():
                rechecks.failed(case_id, error, now=clock.now())
            run.failed.append(case_id)


def rechecks_run(*, max_seconds: float | None = None, batch_size: int = rechecks.BATCH_SIZE) -> RecheckRun:
    """Re-check every case waiting in the queue (what the worker runs; also the explicit way for
    tests, the demo and operators: `casework assurance_rechecks`). Each batch is one transaction;
    a failing case is retried later with a growing delay and never holds up the others."""
    run = RecheckRun()
    started = time.monotonic()
    checked: set[int] = set()
    while True:
        if max_seconds is not None and time.monotonic() - started > max_seconds:
            run.more = rechecks.pending_count() > 0
            break
        taken: rechecks.Claim | None = None
        try:
            with transaction.atomic():
                taken = rechecks.claim_due(now=clock.now(), limit=batch_size)
                if not taken.generations:
                    break
                cases_evaluate(taken.case_ids)
                rechecks.answered(taken)
            run.cases += len(taken.case_ids)
            checked.update(taken.case_ids)
        except Exception:
            if taken is None:
                raise  # the queue itself cannot be read: the task fails and the schedule runs it again
            logger.warning("A re-check batch failed; re-checking its cases one by one.", exc_info=True)
            _recheck_one_by_one(taken.case_ids, run)
        run.batches += 1
    run.retry_at = rechecks.next_retry_at()
    # The dashboard's stored figures of the units these cases are in follow their new verdicts.
    tallies.refresh_for_cases(checked)
    return run


# --- exemptions and waivers ----------------------------------------------------------------------


def _require_manager_of(actor: User, case: Case, roles: Sequence[str] = tuple(UNIT_MANAGER_ROLES)) -> None:
    if not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
        raise NotFound("Case not found.")
    if not (actor.role_codes & set(roles)) or actor.unit_id != case.unit_id:
        raise PermissionDenied("Only a legal manager or unit head of this unit can approve this.")


def _not_own_work(actor: User, case: Case) -> None:
    if actor.pk in {case.allocated_lawyer_id, case.deputy_lawyer_id, case.paralegal_id}:
        raise PermissionDenied("You cannot approve your own work. Ask another manager.")


@transaction.atomic
def exemption_grant(
    *, actor: User, case: Case, document: str, reason: str, approved_on: dt.date | None = None
) -> Exemption:
    """A formal exemption from the PSD or DMD requirement: reason, approver (the actor) and date."""
    _require_manager_of(actor, case)
    _not_own_work(actor, case)
    dates.require_plausible(approved_on=approved_on)
    errors: dict[str, list[str]] = {}
    if document not in ExemptDocument.values:
        errors["document"] = ["Choose the PSD or the DMD."]
    if len(reason.strip()) < 20:
        errors["reason"] = ["Explain the exemption in at least 20 characters: why the document is not needed."]
    if errors:
        raise ValidationFailed("The exemption could not be recorded.", field_errors=errors)
    now = clock.now()
    exemption = Exemption.objects.create(
        case=case,
        document=document,
        reason=reason.strip(),
        approver=actor,
        approved_on=approved_on or clock.today(),
        requested_by=actor,
        created_at=now,
    )
    audit.record(
        actor=actor,
        action=Action.COLLECT,
        subject=exemption,
        case_id=case.pk,
        changes={"document": [None, document], "reason": [None, exemption.reason]},
    )
    notify_case_changed(case.pk)
    return exemption


@transaction.atomic
def waiver_grant(*, actor: User, case: Case, rule_code: str, reason: str, expires_on: dt.date) -> Waiver:
    _require_manager_of(actor, case)
    _not_own_work(actor, case)
    dates.require_plausible(expires_on=expires_on)
    today = clock.today()
    errors: dict[str, list[str]] = {}
    if not AssuranceRule.objects.filter(code=rule_code).exists():
        errors["rule_code"] = ["Choose a rule."]
    if len(reason.strip()) < 20:
        errors["reason"] = ["Explain the waiver in at least 20 characters."]
    if expires_on <= today:
        errors["expires_on"] = ["The waiver must expire in the future."]
    elif expires_on > today + dt.timedelta(days=MAX_WAIVER_DAYS):
        errors["expires_on"] = [f"A waiver can last at most {MAX_WAIVER_DAYS} days; renew it if still needed."]
    if errors:
        raise ValidationFailed("The waiver could not be recorded.", field_errors=errors)
    waiver = Waiver.objects.create(
        case=case,
        rule_code=rule_code,
        reason=reason.strip(),
        approver=actor,
        requested_by=actor,
        expires_on=expires_on,
        created_at=clock.now(),
    )
    audit.record(
        actor=actor,
        action=Action.COLLECT,
        subject=waiver,
        case_id=case.pk,
        changes={"rule_code": [None, rule_code], "expires_on": [None, expires_on.isoformat()]},
    )
    notify_case_changed(case.pk)
    return waiver


@transaction.atomic
def waiver_revoke(*, actor: User, waiver: Waiver) -> Waiver:
    _require_manager_of(actor, waiver.case)
    if waiver.revoked_at is not None:
        raise ValidationFailed("This waiver is already revoked.")
    waiver.revoked_at = clock.now()
    waiver.save(update_fields=["revoked_at"])
    audit.record(
        actor=actor,
        action=Action.ALTER,
        subject=waiver,
        case_id=waiver.case_id,
        changes={"revoked_at": [None, waiver.revoked_at.isoformat()]},
    )
    notify_case_changed(waiver.case_id)
    return waiver


# --- sign-off ------------------------------------------------------------------------------------


def route_approver(*, case: Case, checkpoint: Checkpoint, requester: User, today: dt.date) -> tuple[User, str]:
    """Who should approve: the case's legal manager, else another eligible manager in the unit who
    is not absent and did not do the work; the unit head last. Returns (user, why)."""
    excluded = {requester.pk, case.allocated_lawyer_id, case.deputy_lawyer_id, case.paralegal_id}
    eligible = (
        User.objects.filter(unit_id=case.unit_id, is_active=True, roles__code__in=checkpoint.approver_roles)
        .exclude(pk__in=[pk for pk in excluded if pk])
        .distinct()
    )
    absent = set(
        User.objects.filter(
            unit_id=case.unit_id,
            absences__starts_on__lte=today,
            absences__ends_on__gte=today,
            absences__hours_per_week__isnull=True,
        ).values_list("pk", flat=True)
    )
    candidates = list(eligible.order_by("last_name", "pk"))
    available = [u for u in candidates if u.pk not in absent]
    for user in available:
        if user.pk == case.legal_manager_id:
            return user, "The case's legal manager"
    managers = [u for u in available if RoleCode.LEGAL_MANAGER in u.role_codes]
    if managers:
        why = (
            "Deputising: the case's legal manager is absent"
            if case.legal_manager_id in absent
            else "A legal manager of the unit"
        )
        return managers[0], why
    if available:
        return available[0], "The unit head (no legal manager available)"
    raise ValidationFailed(
        "No eligible approver is available in this unit (everyone is absent or did the work). "
        "Ask the unit head to assign a deputy."
    )


@transaction.atomic
def signoff_request(*, actor: User, case: Case, checkpoint_code: str, note: str = "") -> SignOffRequest:
    require_case_editable(actor=actor, case=case)
    checkpoint = next((c for c in selectors.checkpoints_in_force(clock.today()) if c.code == checkpoint_code), None)
    if checkpoint is None:
        raise ValidationFailed("Choose a checkpoint.", field_errors={"checkpoint": ["Unknown checkpoint."]})
    if SignOffRequest.objects.filter(
        case=case, checkpoint__code=checkpoint_code, status__in=[SignOffStatus.PENDING, SignOffStatus.APPROVED]
    ).exists():
        raise ValidationFailed("This checkpoint already has a pending or approved sign-off.")
    row = Checkpoint.objects.get(pk=checkpoint.pk)
    approver, why = route_approver(case=case, checkpoint=row, requester=actor, today=clock.today())
    now = clock.now()
    request = SignOffRequest.objects.create(
        case=case,
        checkpoint=row,
        requested_by=actor,
        approver=approver,
        routed_because=why,
        note=note,
        created_at=now,
        updated_at=now,
    )
    audit.record(
        actor=actor,
        action=Action.COLLECT,
        subject=request,
        case_id=case.pk,
        changes={"checkpoint": [None, row.code], "approver_id": [None, approver.pk]},
    )
    notify_case_changed(case.pk)
    return request


@transaction.atomic
def signoff_decide(
    *, actor: User, request: SignOffRequest, expected_version: int, approve: bool, rationale: str
) -> SignOffRequest:
    case = request.case
    if not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
        raise NotFound("Sign-off request not found.")
    if request.approver_id != actor.pk:
        raise PermissionDenied("This sign-off is routed to someone else.")
    _not_own_work(actor, case)
    if request.requested_by_id == actor.pk:
        raise PermissionDenied("You cannot sign off a request you made.")
    if request.status != SignOffStatus.PENDING:
        raise ValidationFailed("This sign-off has already been decided.")
    if not approve and not rationale.strip():
        raise ValidationFailed("Say why you are returning it.", field_errors={"rationale": ["Enter your reasons."]})
    versioned_update(
        actor=actor,
        instance=request,
        expected_version=expected_version,
        case_id=case.pk,
        values={
            "status": (SignOffStatus.APPROVED if approve else SignOffStatus.RETURNED).value,
            "decided_by_id": actor.pk,
            "decided_at": clock.now(),
            "rationale": rationale.strip(),
        },
    )  # the case is queued for re-checking with the change
    emails.signoff_decided(request=request, approved=approve, decided_by=actor)
    return request


def blocking_checkpoint_refusal(case: Case, target_stage: str) -> str | None:
    """Stage-transition guard: the reason a blocking checkpoint refuses the move, or None."""
    today = clock.today()
    facts = selectors.facts_for_cases([case.pk], today)[case.pk]
    for checkpoint in selectors.checkpoints_in_force(today):
        if not checkpoint.blocking or checkpoint.trigger_stage != target_stage:
            continue
        if checkpoint.categories and not (checkpoint.categories & facts.categories):
            continue
        signoff = facts.signoffs.get(checkpoint.code)
        if signoff is None or signoff.status != SignOffStatus.APPROVED:
            return f"the “{checkpoint.title}” checkpoint needs a manager's sign-off first"
    return None


# --- Case Management Panel -------------------------------------------------------------------------


@transaction.atomic
def panel_register(*, actor: User, case: Case) -> PanelRegistration:
    _require_manager_of(actor, case)
    if PanelRegistration.objects.filter(case=case).exists():
        raise ValidationFailed("The case is already registered with the panel.")
    today = clock.today()
    facts = selectors.facts_for_cases([case.pk], today)[case.pk]
    rule = next((r for r in selectors.rules_in_force(today) if r.code == "panel.oversight"), None)
    reasons = panel_thresholds_met(facts, rule.parameters) if rule else []
    registration = PanelRegistration.objects.create(
        case=case, registered_on=today, thresholds_met=reasons, registered_by=actor
    )
    audit.record(
        actor=actor,
        action=Action.COLLECT,
        subject=registration,
        case_id=case.pk,
        changes={"thresholds_met": [None, reasons]},
    )
    notify_case_changed(case.pk)
    return registration


@transaction.atomic
def panel_meeting_record(
    *,
    actor: User,
    case: Case,
    held_on: dt.date,
    member_ids: list[int],
    decisions: str,
    rationale: str,
    actions: Sequence[dict[str, Any]] = (),
) -> PanelMeeting:
    _require_manager_of(actor, case)
    dates.require_plausible(held_on=held_on)
    for index, action in enumerate(actions, start=1):
        dates.require_plausible(**{f"action_{index}_due_on": action.get("due_on")})
    errors: dict[str, list[str]] = {}
    if not member_ids:
        errors["members"] = ["Record who attended."]
    if not decisions.strip():
        errors["decisions"] = ["Record the panel's decisions."]
    if not rationale.strip():
        errors["rationale"] = ["Record the reasons for the decisions."]
    if errors:
        raise ValidationFailed("The panel meeting could not be recorded.", field_errors=errors)
    meeting = PanelMeeting.objects.create(
        case=case,
        held_on=held_on,
        decisions=decisions.strip(),
        rationale=rationale.strip(),
        recorded_by=actor,
        created_at=clock.now(),
    )
    meeting.members.set(member_ids)
    now = clock.now()
    for action in actions:
        PanelAction.objects.create(
            meeting=meeting,
            description=action["description"][:300],
            owner_id=action["owner_id"],
            due_on=action["due_on"],
            created_at=now,
            updated_at=now,
        )
    audit.record(
        actor=actor,
        action=Action.COLLECT,
        subject=meeting,
        case_id=case.pk,
        changes={
            "held_on": [None, held_on.isoformat()],
            "members": [None, sorted(member_ids)],
            "actions": [None, len(actions)],
        },
    )
    notify_case_changed(case.pk)
    return meeting


@transaction.atomic
def panel_action_complete(*, actor: User, action: PanelAction, expected_version: int) -> PanelAction:
    case = action.meeting.case
    require_case_editable(actor=actor, case=case)
    versioned_update(
        actor=actor,
        instance=action,
        expected_version=expected_version,
        case_id=case.pk,
        values={"status": "done", "completed_on": clock.today()},
    )
    return action


# --- rule versions ---------------------------------------------------------------------------------


@transaction.atomic
def rule_publish_version(*, actor: User, code: str, effective_from: dt.date, changes: dict[str, Any]) -> AssuranceRule:
    """Publish a new version of a rule. The previous version stays (ending where this begins)."""
    if RoleCode.ADMINISTRATOR not in actor.role_codes:
        raise PermissionDenied("Only an administrator can publish rule versions.")
    dates.require_plausible(effective_from=effective_from)
    previous = AssuranceRule.objects.filter(code=code).order_by("-version").first()
    if previous is None:
        raise NotFound(f"No rule {code}.")
    allowed = {"title", "statement", "source", "severity", "stages", "categories", "parameters", "evaluator", "scope"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(f"These rule fields cannot be changed: {', '.join(sorted(unknown))}.")
    if changes.get("evaluator", previous.evaluator) not in EVALUATORS.by_key():
        raise ValidationFailed("Unknown evaluator.", field_errors={"evaluator": ["Choose a registered evaluator."]})
    if effective_from <= previous.effective_from:
        raise ValidationFailed(
            "A new version must take effect after the current one.",
            field_errors={"effective_from": [f"Choose a date after {previous.effective_from}."]},
        )
    fields = {name: getattr(previous, name) for name in allowed}
    fields.update(changes)
    new = AssuranceRule.objects.create(
        code=code,
        version=previous.version + 1,
        effective_from=effective_from,
        published_by=actor,
        published_at=clock.now(),
        **fields,
    )
    if previous.effective_to is None or previous.effective_to > effective_from:
        previous.effective_to = effective_from
        previous.save(update_fields=["effective_to"])
    audit.record(
        actor=actor,
        action=Action.CONFIG_CHANGE,
        subject=new,
        changes={key: [getattr(previous, key), value] for key, value in changes.items()}
        | {"effective_from": [previous.effective_from.isoformat(), effective_from.isoformat()]},
    )
    return new


OUTCOME_LABELS = dict(Outcome.choices)
