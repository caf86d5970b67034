"""Assurance evaluators: pure functions from case facts and rule parameters to a verdict.

Each evaluator answers one question about one case and explains itself: the outcome, a plain
English reason, the facts it used and what would satisfy it. The rule row (data) says which
evaluator it uses, with which parameters, for which stages and categories; the engine adds the
rule's id, version and source to the verdict. Waivers are applied by the engine, not here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from casework.assurance.facts import CaseFacts
from casework.core.extensions import ExtensionPoint
from casework.core.words import have, plural
from casework.core.working_days import WorkingCalendar, fmt

MET, NOT_MET, NA, WAIVED, EXEMPT = "met", "not_met", "na", "waived", "exempt"

POST_CHARGE_STAGES = frozenset(
    {"charged", "ptph", "trial_preparation", "trial", "sentence", "finalised", "discontinued"}
)
CLOSED_STAGES = frozenset({"finalised", "discontinued", "nfa"})


@dataclass(frozen=True)
class Finding:
    outcome: str
    reason: str
    remedy: str = ""
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EvaluationContext:
    today: dt.date
    calendar: WorkingCalendar
    checkpoints: tuple[Any, ...] = ()  # CheckpointSpec rows in force


Evaluator = Callable[[CaseFacts, Mapping[str, Any], EvaluationContext], Finding]

#: Every evaluator a rule row may name, declared by the app that owns it on its AppConfig:
#: `assurance_evaluators = {"name_in_rule_rows": "dotted.path.to.function"}` (this app's own below
#: included). `EVALUATORS.by_key()` is the table the engine looks names up in.
EVALUATORS = ExtensionPoint[Evaluator]("assurance_evaluators", "Pure functions that decide one assurance rule.")


def _d(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


# --- acceptance ---------------------------------------------------------------------------------


def acceptance_basis(facts: CaseFacts, params: Mapping[str, Any], ctx: EvaluationContext) -> Finding:
    used = {
        "acceptance_criterion": facts.acceptance_criterion or None,
        "ccp_direction": facts.ccp_direction,
        "accepted_on": _d(facts.accepted_on),
    }
    if facts.acceptance_criterion or facts.ccp_direction:
        title = facts.acceptance_criterion_title or facts.acceptance_criterion
        basis = f"listed criterion “{title}”" if facts.acceptance_criterion else "a CCP direction"
        return Finding(MET, f"Accepted on {basis}.", facts=used)
    return Finding(
        NOT_MET,
        "No acceptance basis is recorded: neither a listed criterion nor a CCP direction.",
        "Record the criterion on which the unit accepted the case, or the CCP's direction and reason.",
        used,
    )


# --- strategy and disclosure documents ------------------------------------------------------------


def document_present_or_exempt(facts: CaseFacts, params: Mapping[str, Any], ctx: EvaluationContext) -> Finding:
    kind = str(params["document"])
    label = str(params.get("label", kind.upper()))
    grace = int(params.get("grace_days", 0))
    docs = facts.documents_of(kind)
    used: dict[str, Any] = {"documents": len(docs), "accepted_on": _d(facts.accepted_on)}
    if docs:
        latest = docs[0].latest
        used["latest_version_on"] = _d(latest.created_on) if latest else None
        return Finding(MET, f"A {label} is on the case.", facts=used)
    exemption = facts.exemptions.get(kind)
    if exemption is not None:
        used["exemption_approved_on"] = _d(exemption.approved_on)
        return Finding(
            EXEMPT,
            f"Formally exempted on {fmt(exemption.approved_on)} by {exemption.approver}: {exemption.reason}",
            facts=used,
        )
    start = facts.accepted_on or facts.stage_entered.get("pre_charge")
    if start is not None and grace and ctx.today <= start + dt.timedelta(days=grace):
        return Finding(
            NA,
            f"Not yet due: a {label} is expected within {grace} days of acceptance "
            f"(by {fmt(start + dt.timedelta(days=grace))}).",
            facts=used,
        )
    return Finding(
        NOT_MET,
        f"There is no {label} on the case and no formal exemption.",
        f"Add the {label}, or record a formal exemption with reason and approver.",
        used,
    )


def psd_has_disclosure_strategy(facts: CaseFacts, params: Mapping[str, Any], ctx: EvaluationContext) -> Finding:
    psds = facts.documents_of("psd")
    if not psds or psds[0].latest is None:
        return Finding(NA, "There is no PSD yet (the PSD rule covers that).")
    latest = psds[0].latest
    # Either an explicit flag, or the section list a structured PSD records (as the demo data does).
    sections = {str(name).strip().lower() for name in latest.metadata.get("sections", ()) or ()}
    flag = bool(latest.metadata.get("has_disclosure_strategy")) or "disclosure strategy" in sections
    used = {"psd_version": latest.number, "has_disclosure_strategy": flag}
    if flag:
        return Finding(MET, f"PSD version {latest.number} contains a disclosure strategy section.", facts=used)
    return Finding(
        NOT_MET,
        f"PSD version {latest.number} has no disclosure strategy section.",
        "Add the disclosure strategy to the PSD (or record it in the DMD and mark the section).",
        used,
    )


def psd_updated_after_events(facts: CaseFacts, params: Mapping[str, Any], ctx: EvaluationContext) -> Finding:
    grace = int(params.get("grace_days", 14))
    psds = facts.documents_of("psd")
    if not psds:
        return Finding(NA, "There is no PSD yet (the PSD rule covers that).")
    update_dates = sorted(v.created_on for v in psds[0].versions)
    events: list[tuple[str, dt.date]] = []
    if "charged" in facts.stage_entered:
        events.append(("charge", facts.stage_entered["charged"]))
    ptph = next((h.on for h in facts.hearings if h.hearing_type == "ptph" and h.on <= ctx.today), None)
    if ptph:
        events.append(("the PTPH", ptph))
    significant = set(params.get("significant_reviews", ["full_code_test", "manager", "pre_trial"]))
    events.extend((f"the {kind.replace('_', ' ')} review", on) for kind, on in facts.reviews if kind in significant)
    missing = []
    for label, on in events:
        due = on + dt.timedelta(days=grace)
        if not any(on <= updated for updated in update_dates) and ctx.today > due:
            missing.append(f"{label} ({fmt(on)})")
    used = {"events": [(label, _d(on)) for label, on in events], "psd_versions": [_d(d) for d in update_dates]}
    if not events:
        return Finding(NA, "No charge, PTPH or significant review yet to update the PSD after.", facts=used)
    if missing:
        return Finding(
            NOT_MET,
            f"The PSD was not updated after {', '.join(missing)}.",
            f"Revise the PSD to record the strategy after each key event (allowed {grace} days).",
            used,
        )
    return Finding(MET, f"The PSD was updated after each of {len(events)} key events.", facts=used)


# --- decisions -----------------------------------------------------------------------------------


def charging_rationale(facts: CaseFacts, params: Mapping[str, Any], ctx: EvaluationContext) -> Finding:
    mg3s = facts.documents_of("mg3")
    versions = [(doc.title, v) for doc in mg3s for v in doc.versions]
    if not versions:
        return Finding(NA, "No charging decision or advice is recorded yet.")
    missing = [f"“{title}” version {v.number}" for title, v in versions if not v.has_rationale]
    used = {"decisions": len(versions), "without_rationale": len(missing)}
    if missing:
        return Finding(
            NOT_MET,
            f"{plural(len(missing), 'charging decision record')} {have(len(missing))} no rationale: "
            f"{', '.join(missing[:5])}.",
            "Record the reasons for each charging decision or advice, as the Code requires.",
            used,
        )
    return Finding(MET, f"All {len(versions)} charging decision records carry a rationale.", facts=used)


def early_advice_requests(facts: CaseFacts, params: Mapping[str, Any], ctx: EvaluationContext) -> Finding:
    """Complete 8-item requests; refusals recorded with reason and communicated. Facts come from the
    partners app through CaseFacts.extra["early_advice"] (a list of dicts)."""
    requests = facts.extra.get("early_advice", [])
    if not requests:
        return Finding(NA, "No early investigative advice requests are recorded on this case.")
    problems = []
    for request in requests:
        if request.get("missing_items"):
            problems.append(f"request {request['reference']} lacks {', '.join(request['missing_items'])}")
        if request.get("refused") and not (request.get("refusal_reason") and request.get("refusal_communicated_on")):
            problems.append(f"refusal of request {request['reference']} has no recorded reason or communication")
    used = {"requests": len(requests)}
    if problems:
        return Finding(
            NOT_MET,
            "; ".join(problems).capitalize() + ".",
            "Complete the request's 8 items, and record and communicate any refusal with its reason.",
            used,
        )
    done = f"{plural(len(requests), 'early advice request')} {'is' if len(requests) == 1 else 'are'} complete"
    return Finding(MET, f"{done} and any refusals recorded.", facts=used)


# --- sign-off ------------------------------------------------------------------------------------


def checkpoint_signoffs(facts: CaseFacts, params: Mapping[str, Any], ctx: EvaluationContext) -> Finding:
    due = [cp for cp in ctx.checkpoints if cp.applies(facts)]
    if not due:
        return Finding(NA, "No sign-off checkpoint has been reached.")
    missing, approved = [], []
    for cp in due:
        signoff = facts.signoffs.get(cp.code)
        if signoff is not None and signoff.status == "approved":
            approved.append(cp.title)
        else:
            state = f" ({signoff.status})" if signoff else ""
            missing.append(f"{cp.title}{state}")
    used = {"due": [cp.code for cp in due], "approved": approved}
    if missing:
        return Finding(
            NOT_MET,
            f"Manager sign-off missing at: {', '.join(missing)}.",
            "Request sign-off from the approver named for each checkpoint.",
            used,
        )
    return Finding(MET, f"Signed off at every checkpoint reached ({len(approved)}).", facts=used)


# --- oversight for the largest cases ---------------------------------------------------------------


def panel_thresholds_met(facts: CaseFacts, params: Mapping[str, Any]) -> list[str]:
    reasons = []
    trial = facts.trial_estimate_days
    if "trial_estimate_days_over" in params:  # version 2: "more than N days", as the VHCC definition
        over = int(params["trial_estimate_days_over"])
        if trial is not None and trial > over:
            reasons.append(f"trial estimate {trial} days, more than {over}")
    elif trial is not None and trial >= int(params["trial_estimate_days"]):  # version 1 (at least N days)
        reasons.append(f"trial estimate {trial} days ≥ {params['trial_estimate_days']}")
    if facts.defendant_count >= int(params["defendants"]):
        reasons.append(f"{facts.defendant_count} defendants ≥ {params['defendants']}")
    if facts.estimated_cost is not None and facts.estimated_cost >= float(params["estimated_cost"]):
        reasons.append(f"estimated cost £{facts.estimated_cost:,.0f} ≥ £{float(params['estimated_cost']):,.0f}")
    return reasons


def case_management_panel(facts: CaseFacts, params: Mapping[str, Any], ctx: EvaluationContext) -> Finding:
    reasons = panel_thresholds_met(facts, params)
    if not reasons:
        return Finding(NA, "Below the Case Management Panel thresholds.")
    used = {
        "thresholds": reasons,
        "registered_on": _d(facts.panel_registered_on),
        "last_meeting_on": _d(facts.panel_last_meeting_on),
    }
    interval = int(params.get("meeting_interval_days", 90))
    if facts.panel_registered_on is None:
        return Finding(
            NOT_MET,
            f"The case qualifies for panel oversight ({'; '.join(reasons)}) but is not registered.",
            "Register the case with the Case Management Panel.",
            used,
        )
    last = facts.panel_last_meeting_on or facts.panel_registered_on
    if ctx.today > last + dt.timedelta(days=interval):
        return Finding(
            NOT_MET,
            f"No panel meeting since {fmt(last)} (more than {interval} days).",
            "Hold and record a panel meeting with decisions and actions.",
            used,
        )
    return Finding(MET, f"Under panel oversight; last considered {fmt(last)}.", facts=used)


def is_very_high_cost(facts: CaseFacts, params: Mapping[str, Any]) -> str:
    """Why the case is a very high cost case ("" if it is not): marked as one, or (version 2 of the
    rule) a trial estimated at more than the parameter's days."""
    if facts.is_very_high_cost:
        return "marked as a very high cost case"
    over = params.get("trial_estimate_days_over")
    if over is not None and facts.trial_estimate_days is not None and facts.trial_estimate_days > int(over):
        return f"trial estimate {facts.trial_estimate_days} days, more than {int(over)}"
    return ""


def vhcc_case_plan(facts: CaseFacts, params: Mapping[str, Any], ctx: EvaluationContext) -> Finding:
    why = is_very_high_cost(facts, params)
    if not why:
        over = params.get("trial_estimate_days_over")
        limit = f" (trial estimate not more than {over} days)" if over is not None else ""
        return Finding(NA, f"Not a very high cost case{limit}.")
    days = int(params.get("days", 15))
    used = {
        "very_high_cost": why,
        "received_on": _d(facts.vhcc_received_on),
        "plan_agreed_on": _d(facts.case_plan_agreed_on),
    }
    if facts.vhcc_received_on is None:
        return Finding(
            NOT_MET,
            f"A very high cost case ({why}) with no date of receipt as a VHCC recorded.",
            "Record when the case was received as a VHCC.",
            used,
        )
    due = facts.vhcc_received_on + dt.timedelta(days=days)
    if facts.case_plan_agreed_on is not None:
        if facts.case_plan_agreed_on <= due:
            return Finding(
                MET,
                f"Case plan agreed with counsel on {fmt(facts.case_plan_agreed_on)}, within {days} days.",
                facts=used,
            )
        return Finding(
            NOT_MET,
            f"Case plan agreed on {fmt(facts.case_plan_agreed_on)}, after the {days}-day limit ({fmt(due)}).",
            "Record why the plan was late; the breach stays on record.",
            used,
        )
    if ctx.today <= due:
        return Finding(NA, f"Case plan with counsel due by {fmt(due)}; not yet due.", facts=used)
    return Finding(
        NOT_MET,
        f"No case plan agreed with counsel; it was due by {fmt(due)}.",
        "Agree the case plan with counsel and record the date.",
        used,
    )


def hq_notification(facts: CaseFacts, params: Mapping[str, Any], ctx: EvaluationContext) -> Finding:
    listed = set(params.get("criteria", []))
    criterion = facts.acceptance_criterion
    if criterion not in listed:
        return Finding(NA, "Not a case type that must be notified to HQ.")
    used = {"criterion": criterion, "hq_notified_on": _d(facts.hq_notified_on)}
    if facts.hq_notified_on:
        return Finding(MET, f"HQ notified on {fmt(facts.hq_notified_on)}.", facts=used)
    return Finding(
        NOT_MET,
        "This case type must be notified to HQ and no notification is recorded.",
        "Notify HQ and record the date.",
        used,
    )


# --- progression -----------------------------------------------------------------------------------


def threshold_charge_on(facts: CaseFacts) -> dt.date | None:
    """The first charging decision under the Threshold Test: a charging decision (MG3) recorded with
    test "threshold", or a Threshold Test review in the review log."""
    dates = [
        version.created_on
        for doc in facts.documents_of("mg3")
        for version in doc.versions
        if version.metadata.get("test") == "threshold"
        and version.metadata.get("decision", "charge") != "no_further_action"
    ]
    dates += [on for kind, on in facts.reviews if kind == "threshold_test"]
    return min(dates, default=None)


def threshold_test_review(facts: CaseFacts, params: Mapping[str, Any], ctx: EvaluationContext) -> Finding:
    """A Threshold Test charge is reviewed under the Full Code Test within the period."""
    charged = threshold_charge_on(facts)
    if charged is None:
        return Finding(NA, "No charging decision under the Threshold Test is recorded.")
    days = int(params.get("days", 28))
    counted = charged + dt.timedelta(days=days)
    due, _skipped = ctx.calendar.preceding_working_day(counted)
    moved = f" (the last working day on or before {fmt(counted)})" if due != counted else ""
    reviews = sorted(on for kind, on in facts.reviews if kind == "full_code_test" and on >= charged)
    used = {"threshold_charge_on": _d(charged), "due_on": _d(due), "full_code_reviews": [_d(d) for d in reviews]}
    if reviews:
        when = reviews[0]
        late = f", after the due date {fmt(due)}" if when > due else ""
        return Finding(
            MET if not late else NOT_MET,
            f"Charged under the Threshold Test on {fmt(charged)}; Full Code Test review recorded on {fmt(when)}{late}.",
            "Record why the review was late; the breach stays on record." if late else "",
            used,
        )
    if ctx.today <= due:
        return Finding(
            NA,
            f"Charged under the Threshold Test on {fmt(charged)}: Full Code Test review due by {fmt(due)}{moved}.",
            facts=used,
        )
    return Finding(
        NOT_MET,
        f"Charged under the Threshold Test on {fmt(charged)}; the Full Code Test review was due by {fmt(due)}{moved} "
        "and none is recorded.",
        "Review the case under the Full Code Test now that the evidence is in, and record the review.",
        used,
    )


def ctl_log_current(facts: CaseFacts, params: Mapping[str, Any], ctx: EvaluationContext) -> Finding:
    if facts.running_ctl_clocks == 0:
        return Finding(NA, "No custody time limit is running.")
    interval = int(params.get("max_days_between_entries", 28))
    last = facts.ctl_log_dates[0] if facts.ctl_log_dates else None
    last_hearing = max((h.on for h in facts.hearings if h.on <= ctx.today), default=None)
    used = {"last_entry_on": _d(last), "last_hearing_on": _d(last_hearing), "running_clocks": facts.running_ctl_clocks}
    if last is None:
        return Finding(
            NOT_MET,
            "Custody time limits are running and the CTL log has no entries.",
            "Add a CTL log entry recording the expiry dates checked.",
            used,
        )
    if last_hearing is not None and last < last_hearing:
        return Finding(
            NOT_MET,
            f"The CTL log was not updated after the hearing on {fmt(last_hearing)}.",
            "Add a CTL log entry for that hearing.",
            used,
        )
    if ctx.today > last + dt.timedelta(days=interval):
        return Finding(
            NOT_MET,
            f"The last CTL log entry was on {fmt(last)}, more than {interval} days ago.",
            "Review the custody time limits and add a log entry.",
            used,
        )
    return Finding(MET, f"CTL log current (last entry {fmt(last)}).", facts=used)


def hearing_record_sheets(facts: CaseFacts, params: Mapping[str, Any], ctx: EvaluationContext) -> Finding:
    working_days = int(params.get("working_days", 1))
    past = [h for h in facts.hearings if h.on < ctx.today]
    if not past:
        return Finding(NA, "No hearings have taken place yet.")
    late = []
    for hearing in past:
        due = ctx.calendar.add_working_days(hearing.on, working_days)
        filed = [d for d in facts.hrs_filed_on if d >= hearing.on]
        if not filed and ctx.today > due:
            late.append(f"{hearing.hearing_type.replace('_', ' ')} on {fmt(hearing.on)} (no sheet)")
        elif filed and min(filed) > due:
            late.append(
                f"{hearing.hearing_type.replace('_', ' ')} on {fmt(hearing.on)} (sheet late, {fmt(min(filed))})"
            )
    used = {"hearings": len(past), "problems": len(late)}
    if late:
        return Finding(
            NOT_MET,
            f"Hearing record sheets missing or late: {'; '.join(late[:5])}.",
            f"Put the hearing record sheet on the case within {plural(working_days, 'working day')}.",
            used,
        )
    return Finding(MET, f"A timely hearing record sheet for each of {len(past)} hearings.", facts=used)


def review_current(facts: CaseFacts, params: Mapping[str, Any], ctx: EvaluationContext) -> Finding:
    if facts.stage in CLOSED_STAGES:
        return Finding(NA, "The case is closed.")
    interval = int(params.get("max_days_between_reviews", 90))
    last = facts.reviews[0][1] if facts.reviews else None
    start = facts.accepted_on or facts.stage_entered.get("pre_charge")
    used = {"last_review_on": _d(last), "interval_days": interval}
    reference = last or start
    if reference is None:
        return Finding(NA, "No acceptance date to count from.")
    if ctx.today > reference + dt.timedelta(days=interval):
        what = f"The last review was on {fmt(last)}" if last else "No review is recorded since acceptance"
        return Finding(
            NOT_MET, f"{what}, more than {interval} days ago.", "Review the case and record it in the review log.", used
        )
    return Finding(
        MET, f"Reviewed within the last {interval} days." if last else "Not yet due for a first review.", facts=used
    )


def finalisation_recorded(facts: CaseFacts, params: Mapping[str, Any], ctx: EvaluationContext) -> Finding:
    if facts.stage not in CLOSED_STAGES:
        return Finding(NA, "The case is not finalised.")
    missing = []
    if not facts.outcome:
        missing.append("the outcome")
    if not facts.has_principal_offence_category:
        missing.append("the Principal Offence Category")
    used = {"outcome": facts.outcome or None, "principal_offence_category": facts.has_principal_offence_category}
    if missing:
        return Finding(NOT_MET, f"Finalised without {' and '.join(missing)}.", f"Record {' and '.join(missing)}.", used)
    return Finding(MET, "Outcome and Principal Offence Category recorded.", facts=used)
