"""The compliance panel on the case page (the case page itself belongs to the cases app)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from casework.assurance import rechecks, selectors, signoffs
from casework.assurance.choices import Outcome
from casework.assurance.models import Exemption, Waiver
from casework.core import clock
from casework.people.choices import UNIT_MANAGER_ROLES

register = template.Library()

SEVERITY_ORDER = signoffs.SEVERITY_ORDER
#: Where a failing rule is put right: rule code -> (link text, url name, fragment, managers only).
#: "cases:section/material" names a section of the case page.
FIX_LINKS: dict[str, tuple[str, str, str, bool]] = {
    "acceptance.basis": ("Record the acceptance basis", "cases:edit", "", False),
    "psd.present": ("Add the Prosecution Strategy Document", "cases:document_add", "", False),
    "dmd.present": ("Add the Disclosure Management Document", "cases:document_add", "", False),
    "psd.disclosure_strategy": ("Revise the PSD", "cases:section/material", "", False),
    "psd.updated": ("Revise the PSD", "cases:section/material", "", False),
    "charging.rationale": ("Add the rationale to the charging decision", "cases:section/material", "", False),
    "eia.requests": ("Review the early advice documents", "cases:section/material", "", False),
    "signoff.checkpoints": ("Request a manager's sign-off", "assurance:signoff_request", "", False),
    "panel.oversight": ("Case Management Panel", "assurance:panel", "", False),
    "vhcc.case_plan": ("Record the case plan date", "cases:edit", "", False),
    "hq.notification": ("Record the HQ notification", "cases:edit", "", False),
    "ctl.log_current": ("Add a CTL log entry", "progression:ctl_log_add", "", False),
    "hrs.timely": ("Add the hearing record sheet", "cases:document_add", "", False),
    "review.current": ("Record a review", "cases:review_add", "", False),
    "review.threshold_test": ("Record the Full Code Test review", "cases:review_add", "", False),
    "finalisation.recorded": ("Record the outcome and principal offence category", "cases:edit", "", False),
}
EXEMPTABLE = {"psd.present": "psd", "dmd.present": "dmd"}
#: Rules a manager rather than the allocated lawyer must act on.
MANAGER_ACTS = {"signoff.checkpoints", "panel.oversight"}


def fix_link(rule_code: str, case_id: int) -> dict[str, str] | None:
    spec = FIX_LINKS.get(rule_code)
    if spec is None:
        return None
    text, name, fragment, _ = spec
    name, _, section = name.partition("/")
    return {"text": text, "href": reverse(name, args=[case_id, section] if section else [case_id]) + fragment}


def panel_context(*, user: Any, case: Any) -> dict[str, Any]:
    """Everything the panel shows, in a fixed number of queries (verdicts, waivers, exemptions, re-check,
    the checkpoints in force and the case's sign-off requests)."""
    verdicts = list(selectors.current_verdicts(user=user, case_id=case.pk))
    waivers = {
        w.rule_code: w
        for w in Waiver.objects.filter(case_id=case.pk, revoked_at__isnull=True, expires_on__gte=clock.today())
        .select_related("approver")
        .order_by("created_at")
    }
    exemptions = {
        e.document: e
        for e in Exemption.objects.filter(case_id=case.pk, revoked_at__isnull=True)
        .select_related("approver")
        .order_by("approved_on")
    }
    is_manager = bool(user.role_codes & UNIT_MANAGER_ROLES) and user.unit_id == case.unit_id
    lawyer = case.allocated_lawyer.display_name if case.allocated_lawyer_id else "the prosecutor (none assigned yet)"
    manager = case.legal_manager.display_name if case.legal_manager_id else "a legal manager of the unit"
    not_met: list[dict[str, Any]] = []
    settled: list[dict[str, Any]] = []
    met: list[dict[str, Any]] = []
    not_applicable: list[dict[str, Any]] = []
    for verdict in verdicts:
        row: dict[str, Any] = {
            "verdict": verdict,
            "rule": verdict.rule,
            "fix": fix_link(verdict.rule_code, case.pk),
            "who": manager if verdict.rule_code in MANAGER_ACTS else lawyer,
            "waiver": waivers.get(verdict.rule_code),
            "exemption": exemptions.get(EXEMPTABLE.get(verdict.rule_code, "")),
            "can_exempt": is_manager and verdict.rule_code in EXEMPTABLE,
        }
        if verdict.outcome == Outcome.NOT_MET:
            not_met.append(row)
        elif verdict.outcome in (Outcome.WAIVED, Outcome.EXEMPT):
            settled.append(row)
        elif verdict.outcome == Outcome.MET:
            met.append(row)
        else:
            not_applicable.append(row)
    not_met.sort(key=lambda row: (SEVERITY_ORDER.get(row["rule"].severity, 9), row["verdict"].rule_code))
    states = signoffs.checkpoint_states(case=case, today=clock.today())
    return {
        "case": case,
        "not_met": not_met,
        "settled": settled,
        "met": met,
        "not_applicable": not_applicable,
        "evaluated": bool(verdicts),
        "is_manager": is_manager,
        # Each sign-off checkpoint's state, with the decision and rationale the requester is waiting for.
        "signoff_states": states,
        "signoff_available": any(state.available for state in states),
        # The case changed since these verdicts: the worker is refreshing them ("Re-checking").
        "recheck": rechecks.pending_for([case.pk]).get(case.pk),
    }


@register.inclusion_tag("assurance/_case_panel.html", takes_context=True)
def assurance_panel(context: template.Context, case: Any) -> dict[str, Any]:
    """The case's current verdicts: what is missing first, with why it matters and how to fix it."""
    data = panel_context(user=context["request"].user, case=case)
    data["csrf_token"] = context.get("csrf_token")
    data["can_edit"] = bool(context.get("can_edit"))  # the case page has already worked this out
    return data
