"""Deterministic partnership demo data: template version 2, agreements for every force in every
state (signed and current, outdated, review due, expired, draft, in negotiation, missing) and
referrals from the demo police personas, including an escalation in progress.

Everything goes through the services (so it is audited), as the CCU's managers and HQ would do it.
Idempotent: a force that already has an agreement, or a persona's request already loaded, is skipped.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
from typing import Any

from django.db import transaction

from casework.core import clock
from casework.partners import rules, services
from casework.partners.choices import AgreementStatus, ReferralKind
from casework.partners.models import Agreement, MouTemplate, Referral
from casework.people.choices import RoleCode
from casework.people.models import PoliceForce, User

#: Forces whose state the demo fixes, so the personas' story is the same for every seed.
FIXED = {"hampshire": "current", "durham": "current"}
STATES = (
    "current",
    "current",
    "current",
    "current",
    "outdated",
    "review_due",
    "expired",
    "draft",
    "negotiating",
    "missing",
)


def template_v2_content(v1: dict[str, Any]) -> dict[str, Any]:
    """HQ's second version: a digital-file clause, tighter advice time, a faster first rung."""
    content = copy.deepcopy(v1)
    for p in content["parameters"]:
        if p["code"] == "respond_days":
            p["default"] = 8
    for section in content["sections"]:
        if section["code"] == "progression":
            section["clauses"].append(
                {
                    "code": "progression.5",
                    "required": True,
                    "text": "Files are served through the digital case system in the agreed format.",
                }
            )
    content["ladder"][0]["response_days"] = 1
    return content


def _manager(unit_id: int) -> User | None:
    staff = User.objects.filter(
        unit_id=unit_id, is_active=True, roles__code__in=[RoleCode.UNIT_HEAD, RoleCode.LEGAL_MANAGER]
    )
    return staff.order_by("username").first()


def _ensure_v2(today: dt.date) -> MouTemplate | None:
    existing = MouTemplate.objects.filter(number=2).first()
    if existing is not None:
        return existing
    hq = User.objects.filter(roles__code=RoleCode.HQ_POLICY, is_active=True).order_by("username").first()
    v1 = MouTemplate.objects.filter(number=1).first()
    if hq is None or v1 is None:
        return None
    return services.template_publish(
        actor=hq,
        content=template_v2_content(v1.content),
        title=v1.title,
        effective_from=today - dt.timedelta(days=90),
        change_note="Adds the digital file clause; advice within 8 working days; level 1 answered in 1 day.",
        source=v1.source,
    )


def _sign(manager: User, agreement: Agreement, signed_on: dt.date) -> None:
    services.agreement_transition(
        actor=manager, agreement=agreement, expected_version=agreement.version, target=AgreementStatus.NEGOTIATING
    )
    services.agreement_transition(
        actor=manager,
        agreement=agreement,
        expected_version=agreement.version,
        target=AgreementStatus.SIGNED,
        cps_signatory=f"{manager.display_name}, {manager.primary_role_label}",
        police_signatory="Assistant Chief Constable (demo)",
        signed_on=signed_on,
    )


def _agreement(rng: random.Random, force: PoliceForce, state: str, today: dt.date) -> str:
    area = force.areas.order_by("pk").first()
    manager = _manager(area.unit_id) if area else None
    if state == "missing" or manager is None:
        return "missing"
    number = 1 if state == "outdated" else None
    agreement = services.agreement_create(
        actor=manager,
        force_id=force.pk,
        template_number=number,
        cps_contacts=f"{manager.display_name} (first); duty legal manager (second)",
        police_contacts=f"Head of Crime, {force.name} (first); Crime Manager (second)",
    )
    if rng.random() < 0.4:
        services.agreement_record_deviation(
            actor=manager,
            agreement=agreement,
            clause_code="liaison.2",
            text="Operational liaison meetings are held every {operational_meeting_weeks} weeks, by video link "
            "unless either side asks to meet in person; strategic meetings every {strategic_meeting_weeks} weeks.",
            reason="The force covers a large rural area; video meetings agreed to save travel.",
        )
    if state == "draft":
        return state
    if state == "negotiating":
        services.agreement_transition(
            actor=manager, agreement=agreement, expected_version=agreement.version, target=AgreementStatus.NEGOTIATING
        )
        return state
    months_ago = {"current": rng.randint(1, 9), "outdated": rng.randint(2, 8), "review_due": 13, "expired": 20}[state]
    _sign(manager, agreement, rules.add_months(today, -months_ago))
    return state


def _referrals(seed: int, today: dt.date) -> int:
    made = 0
    for username in ("police.x", "police.y"):
        officer = User.objects.filter(username=username, police_force__isnull=False).first()
        if officer is None:
            continue
        for index, kind in enumerate((ReferralKind.EARLY_ADVICE, ReferralKind.REFERRAL, ReferralKind.EARLY_ADVICE)):
            reference = f"DEMO{seed}-{officer.police_force.code[:3].upper()}-{index + 1}"  # type: ignore[union-attr]
            if Referral.objects.filter(force=officer.police_force_id, police_reference=reference).exists():
                continue
            referral = services.referral_submit(
                actor=officer, kind=kind, items=_items(reference, index), officer_in_case="DS Harper"
            )
            made += 1
            manager = _manager(referral.unit_id)
            if manager is None:
                continue
            if index == 0:
                services.referral_acknowledge(actor=manager, referral=referral)
                services.action_plan_issue(
                    actor=manager,
                    referral=referral,
                    actions="Obtain the bank's production order material; interview the second suspect under caution.",
                )
            elif index == 2:
                services.escalation_request(
                    actor=officer,
                    referral=referral,
                    reason="The advice is needed before the suspect's bail return date.",
                )
    return made


def _items(reference: str, index: int) -> dict[str, str]:
    subject = ("a suspected investment fraud", "a county lines drugs supply network", "a historic abuse series")[index]
    return {
        "police_reference": reference,
        "factual_summary": f"Investigation into {subject}; several suspects and victims across the force area.",
        "lines_of_enquiry": "Completed: bank records. Ongoing: phone downloads. Contemplated: overseas requests.",
        "expected_results": "Phone downloads within 6 weeks; overseas material within 4 months.",
        "issues_identified": "Main suspect gave a prepared statement denying knowledge.",
        "specific_questions": "Is there sufficient evidence to charge conspiracy, and which further lines matter?",
        "key_evidence": "Bank statements, cell-site analysis, two witness statements.",
        "disclosable_material": "Intelligence logs; an earlier complaint by one witness.",
    }


@transaction.atomic
def load_partners_demo(*, seed: int, today: dt.date | None = None) -> dict[str, int]:
    day = today or clock.today()
    _ensure_v2(day)
    counts: dict[str, int] = {}
    for force in PoliceForce.objects.order_by("code"):
        # One generator per force: a force's state depends only on the seed, not on what else exists.
        rng = random.Random(f"{seed}:{force.code}")
        state = FIXED.get(force.code) or rng.choice(STATES)
        if Agreement.objects.filter(force=force).exists():
            counts["skipped"] = counts.get("skipped", 0) + 1
            continue
        result = _agreement(rng, force, state, day)
        counts[result] = counts.get(result, 0) + 1
    services.agreements_review_sweep(today=day)
    counts["referrals"] = _referrals(seed, day)
    return counts
