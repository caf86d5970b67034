"""Reads for the police partnership. Every read starts from `<Model>.objects.visible_to(user)`."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from casework.core.errors import NotFound
from casework.core.id_lists import among
from casework.partners import rules
from casework.partners.choices import AgreementStatus, EscalationStatus, ReferralKind, ReferralStatus, TemplateStatus
from casework.partners.models import (
    ActionPlan,
    Agreement,
    AgreementDeviation,
    Disagreement,
    Escalation,
    LiaisonMeeting,
    MeetingAction,
    MouTemplate,
    Referral,
    force_scope,
)
from casework.people.models import Area, PoliceForce

# --- templates -----------------------------------------------------------------------------------


def current_template(on: dt.date | None = None) -> MouTemplate | None:
    """The published version in force on a date (the latest effective one)."""
    qs = MouTemplate.objects.published()
    if on is not None:
        qs = qs.filter(effective_from__lte=on)
    return qs.order_by("-number").first()


def template_visible(*, user: Any, number: int) -> MouTemplate:
    template = MouTemplate.objects.visible_to(user).filter(number=number).first()
    if template is None:
        raise NotFound("Template version not found.")
    return template


def template_changes(template: MouTemplate) -> list[rules.Change]:
    """What this version changed against the previous one (everything is new in version 1), with
    clause text in words: each placeholder filled with its version's HQ default."""
    previous = MouTemplate.objects.filter(number__lt=template.number).order_by("-number").first()
    old = previous.content if previous else {}
    return [
        replace(
            change,
            before=rules.text_with_defaults(old, change.before),
            after=rules.text_with_defaults(template.content, change.after),
        )
        if change.area == "clause" and change.kind != "required_changed"
        else change
        for change in rules.template_diff(old, template.content)
    ]


def template_sections(template: MouTemplate) -> list[dict[str, Any]]:
    """The template's sections and clauses as a reader sees them: placeholders such as
    "{acknowledge_days}" filled with the HQ default (an agreement may set its own value)."""
    return [
        {
            **section,
            "clauses": [
                {**clause, "text": rules.text_with_defaults(template.content, clause["text"])}
                for clause in section.get("clauses", [])
            ],
        }
        for section in template.content.get("sections", [])
    ]


# --- agreements ----------------------------------------------------------------------------------


def agreement_visible(*, user: Any, agreement_id: int) -> Agreement:
    agreement = (
        Agreement.objects.visible_to(user).select_related("force", "unit", "template").filter(pk=agreement_id).first()
    )
    if agreement is None:
        raise NotFound("Agreement not found.")
    return agreement


def deviations_of(agreement: Agreement) -> dict[str, rules.Deviation]:
    return {
        d.clause_code: rules.Deviation(text=d.text, reason=d.reason, omitted=d.omitted)
        for d in AgreementDeviation.objects.filter(agreement=agreement)
    }


def agreement_clauses(agreement: Agreement) -> list[rules.ClauseView]:
    return rules.agreement_clauses(agreement.template.content, agreement.parameters, deviations_of(agreement))


def agreement_parameters(agreement: Agreement) -> list[dict[str, Any]]:
    values = rules.parameter_values(agreement.template.content, agreement.parameters)
    return [
        {**spec, "value": values[spec["code"]], "varied": values[spec["code"]] != spec["default"]}
        for spec in agreement.template.content.get("parameters", [])
    ]


def agreement_review_state(agreement: Agreement, today: dt.date) -> str:
    reminder = rules.parameter_values(agreement.template.content, agreement.parameters).get("review_reminder_days", 60)
    return rules.review_state(
        status=agreement.status,
        review_due_on=agreement.review_due_on,
        expires_on=agreement.expires_on,
        today=today,
        reminder_days=reminder,
    )


def _rank(agreement: Agreement) -> tuple[bool, dt.datetime, int]:
    """Signed (or review-due) agreements outrank drafts; then the newest."""
    in_force = agreement.status in (AgreementStatus.SIGNED, AgreementStatus.REVIEW_DUE)
    return (in_force, agreement.created_at, agreement.pk)


def agreement_for_force(force_id: int) -> Agreement | None:
    """The force's working agreement: the newest one not superseded, signed ones first."""
    live = list(Agreement.objects.live().filter(force_id=force_id).select_related("template", "unit", "force"))
    return max(live, key=_rank) if live else None


def agreement_list(*, user: Any) -> QuerySet[Agreement]:
    return Agreement.objects.visible_to(user).select_related("force", "unit", "template").order_by("force__name", "-pk")


def migration_plan(agreement: Agreement, target: MouTemplate) -> list[str]:
    return rules.migration_plan(
        agreement.template.content, target.content, agreement.parameters, list(deviations_of(agreement))
    )


# --- coverage ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageRow:
    force: PoliceForce
    areas: str
    agreement: Agreement | None
    gap: str | None
    review_state: str


def coverage(*, user: Any, today: dt.date, area_id: int | None = None) -> dict[str, Any]:
    """Which forces the user can see have a signed, in-date agreement on the current template."""
    template = current_template(today)
    current_number = template.number if template else 0
    forces = PoliceForce.objects.prefetch_related("areas").order_by("name")
    scope = force_scope(user)
    if scope is not None:
        forces = forces.filter(pk__in=PoliceForce.objects.filter(scope).values("pk"))
    if area_id:
        forces = forces.filter(areas=area_id)
    agreements: dict[int, Agreement] = {}
    for agreement in Agreement.objects.visible_to(user).live().select_related("template", "unit", "force"):
        held = agreements.get(agreement.force_id)
        if held is None or _rank(agreement) > _rank(held):
            agreements[agreement.force_id] = agreement
    rows: list[CoverageRow] = []
    for force in forces.distinct():
        found = agreements.get(force.pk)
        state = agreement_review_state(found, today) if found else "not_in_force"
        gap = rules.coverage_gap(
            status=found.status if found else None,
            template_number=found.template.number if found else None,
            current_number=current_number,
            review_state_=state,
        )
        rows.append(CoverageRow(force, ", ".join(a.name for a in force.areas.all()), found, gap, state))
    by_area: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        for area in row.force.areas.all():
            by_area[area.name][1] += 1
            by_area[area.name][0] += row.gap is None
    area_rows = [
        {"area": name, "covered": c, "forces": n, "percent": round(100 * c / n) if n else 0}
        for name, (c, n) in sorted(by_area.items())
    ]
    return {
        "template": template,
        "rows": rows,
        "covered": sum(1 for r in rows if r.gap is None),
        "total": len(rows),
        "gaps": Counter(r.gap for r in rows if r.gap),
        "areas": area_rows,
    }


def areas_for_filter() -> QuerySet[Area]:
    return Area.objects.order_by("name")


# --- referrals -----------------------------------------------------------------------------------


def referral_list(*, user: Any, status: str = "", kind: str = "") -> QuerySet[Referral]:
    qs = Referral.objects.visible_to(user).select_related("force", "unit", "submitted_by")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-submitted_on", "-pk")


def referral_visible(*, user: Any, referral_id: int) -> Referral:
    referral = (
        Referral.objects.visible_to(user)
        .select_related("force", "unit", "agreement__template", "criterion", "proposed_criterion", "case")
        .prefetch_related(
            Prefetch("action_plans", queryset=ActionPlan.objects.order_by("issued_on", "pk")),
            Prefetch("escalations", queryset=Escalation.objects.order_by("level", "pk")),
        )
        .filter(pk=referral_id)
        .first()
    )
    if referral is None:
        raise NotFound("Referral not found.")
    return referral


def still_missing_fields(referral: Referral) -> list[str]:
    """The item fields of a request that are missing or unusable now, in the published order."""
    return [m.field for m in rules.check_completeness({n: getattr(referral, n) for n in rules.EIA_FIELDS})]


def referral_items(referral: Referral) -> list[tuple[int, str, str]]:
    """(number, label, what the force sent) for the 8 items, in the published order."""
    return [(number, label, getattr(referral, name)) for name, number, label, _ in rules.EIA_ITEMS]


def referral_clocks(referral: Referral, today: dt.date) -> list[rules.SlaClock]:
    """The SLA clocks of one referral: the CCU's acknowledgement and response, the police's action plans."""
    clocks = [
        rules.sla_clock("Acknowledge", "cps", referral.acknowledge_due_on, referral.acknowledged_on, today),
        rules.sla_clock("Decide or advise", "cps", referral.respond_due_on, referral.responded_on, today),
    ]
    for plan in referral.action_plans.all():
        clocks.append(
            rules.sla_clock(
                f"Answer action plan of {plan.issued_on.day} {plan.issued_on:%B %Y}",
                "police",
                plan.response_due_on,
                plan.answered_on,
                today,
            )
        )
    return clocks


def ladder_of(referral: Referral) -> list[dict[str, Any]]:
    if referral.agreement_id:
        return list(referral.agreement.template.content.get("ladder", []))  # type: ignore[union-attr]
    template = current_template()
    return list(template.content.get("ladder", [])) if template else []


# --- performance ---------------------------------------------------------------------------------


def force_performance(*, user: Any, force_id: int, today: dt.date) -> dict[str, Any]:
    """Referral volumes and outcomes, SLA performance for both sides, escalations and actions."""
    referrals = Referral.objects.visible_to(user).filter(force_id=force_id)
    outcomes = dict(referrals.values_list("status").annotate(n=Count("pk")).order_by())
    kinds = dict(referrals.values_list("kind").annotate(n=Count("pk")).order_by())
    cps = Counter[str]()
    for referral in referrals.only("acknowledge_due_on", "acknowledged_on", "respond_due_on", "responded_on"):
        for clock in (
            rules.sla_clock("ack", "cps", referral.acknowledge_due_on, referral.acknowledged_on, today),
            rules.sla_clock("respond", "cps", referral.respond_due_on, referral.responded_on, today),
        ):
            cps[clock.state] += 1
    police = Counter[str]()
    plans = ActionPlan.objects.filter(referral__in=referrals.values("pk")).only("response_due_on", "answered_on")
    for plan in plans:
        police[rules.sla_clock("plan", "police", plan.response_due_on, plan.answered_on, today).state] += 1
    escalations = dict(
        Escalation.objects.filter(referral__in=referrals.values("pk"))
        .values_list("level")
        .annotate(n=Count("pk"))
        .order_by()
    )
    actions = LiaisonMeeting.objects.visible_to(user).filter(agreement__force_id=force_id)
    action_rows = MeetingAction.objects.filter(meeting__in=actions.values("pk"))
    done = action_rows.filter(done_on__isnull=False).count()
    months = Counter(d.strftime("%Y-%m") for d in referrals.values_list("submitted_on", flat=True))
    return {
        "total": sum(outcomes.values()),
        "outcomes": [(ReferralStatus(k).label, v) for k, v in sorted(outcomes.items())],
        "kinds": [(ReferralKind(k).label, v) for k, v in sorted(kinds.items())],
        "cps_sla": _sla_summary(cps),
        "police_sla": _sla_summary(police),
        "escalations": sorted(escalations.items()),
        "open_escalations": Escalation.objects.filter(
            referral__in=referrals.values("pk"), status=EscalationStatus.OPEN
        ).count(),
        "actions_total": action_rows.count(),
        "actions_done": done,
        "disagreements": Disagreement.objects.visible_to(user).filter(force_id=force_id).count(),
        "trend": sorted(months.items())[-12:],
    }


def _sla_summary(states: Counter[str]) -> dict[str, int]:
    decided = states["met"] + states["met_late"] + states["breached"]
    return {
        "met": states["met"],
        "late": states["met_late"],
        "breached_open": states["breached"],
        "running": states["running"] + states["due_today"],
        "percent_on_time": round(100 * states["met"] / decided) if decided else 100,
    }


# --- assurance facts -----------------------------------------------------------------------------


def early_advice_facts(case_ids: list[int], today: dt.date) -> dict[int, list[dict[str, Any]]]:
    """For the assurance rule "early_advice_requests": each case's advice requests (system read)."""
    facts: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = Referral.objects.filter(case_id__in=among(case_ids), kind=ReferralKind.EARLY_ADVICE).order_by("pk")
    for referral in rows:
        assert referral.case_id is not None
        facts[referral.case_id].append(
            {
                "reference": referral.reference,
                "missing_items": list(referral.missing_items),
                "refused": referral.status == ReferralStatus.DECLINED,
                "refusal_reason": referral.response_text if referral.status == ReferralStatus.DECLINED else "",
                "refusal_communicated_on": referral.decline_communicated_on,
            }
        )
    return dict(facts)


def template_list(*, user: Any) -> QuerySet[MouTemplate]:
    return MouTemplate.objects.visible_to(user).annotate(agreement_count=Count("agreements")).order_by("-number")


def published_templates() -> QuerySet[MouTemplate]:
    return MouTemplate.objects.filter(status=TemplateStatus.PUBLISHED).order_by("-number")


def meetings_of(agreement: Agreement) -> QuerySet[LiaisonMeeting]:
    return LiaisonMeeting.objects.filter(agreement=agreement).prefetch_related("actions").order_by("-held_on")


def disagreements_of(*, user: Any, force_id: int) -> QuerySet[Disagreement]:
    return Disagreement.objects.visible_to(user).filter(force_id=force_id).order_by("-raised_on")
