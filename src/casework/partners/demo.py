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

from casework.audit.choices import Action
from casework.audit.services import ActorSnapshot, PendingEvent, record_many
from casework.core import clock
from casework.core.bank_holidays import working_calendar
from casework.partners import rules, services
from casework.partners.choices import AgreementStatus, ReferralKind, ReferralStatus
from casework.partners.models import Agreement, MouTemplate, Referral
from casework.partners.services.access import serving_unit
from casework.people.choices import RoleCode
from casework.people.models import PoliceForce, User

#: Forces whose state the demo fixes, so the personas' story is the same for every seed.
FIXED = {"hampshire": "current", "durham": "current"}
#: Who the audit trail says wrote the past referrals (they are loaded, not submitted today).
PARTNERS_DEMO_LOADER = ActorSnapshot(actor_id=None, label="system (partners demo loader)", role="system", unit="")
#: Past months of referrals per persona force, so "Referrals by month" shows a year.
HISTORY_MONTHS = 11
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
        kinds = (ReferralKind.EARLY_ADVICE, ReferralKind.REFERRAL, ReferralKind.EARLY_ADVICE, ReferralKind.REFERRAL)
        for index, kind in enumerate(kinds):
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


def _past_referrals(seed: int, today: dt.date) -> int:
    """The personas' forces' referrals of the previous HISTORY_MONTHS months, already answered.
    Written in bulk with the loader's collect events (the services would date them today)."""
    calendar = working_calendar()
    rows: list[Referral] = []
    for username in ("police.x", "police.y"):
        officer = (
            User.objects.filter(username=username, police_force__isnull=False).select_related("police_force").first()
        )
        if officer is None or officer.police_force is None:
            continue
        force = officer.police_force
        unit = serving_unit(force)
        manager = _manager(unit.pk)
        rng = random.Random(f"{seed}:{force.code}:history")
        for months_ago in range(HISTORY_MONTHS, 0, -1):
            first = rules.add_months(today.replace(day=1), -months_ago)
            for number in range(1, rng.randint(1, 4) + 1):
                submitted = first + dt.timedelta(days=rng.randint(0, 27))
                kind = rng.choice((ReferralKind.EARLY_ADVICE, ReferralKind.REFERRAL))
                ack_due = rules.due_after(calendar, submitted, 2)
                respond_due = rules.due_after(calendar, submitted, 10)
                late = rng.random() < 0.15
                responded = rules.due_after(calendar, submitted, rng.randint(11, 15) if late else rng.randint(3, 10))
                reference = f"DEMO{seed}-{force.code[:3].upper()}-{first:%Y%m}-{number}"
                if Referral.objects.filter(force=force, police_reference=reference).exists():
                    continue
                advice = kind == ReferralKind.EARLY_ADVICE
                at = dt.datetime.combine(submitted, dt.time(10), tzinfo=clock.LONDON)
                rows.append(
                    Referral(
                        reference=f"TMP-{reference}",
                        kind=kind,
                        force=force,
                        unit=unit,
                        submitted_by=officer,
                        submitted_on=submitted,
                        officer_in_case="DS Harper",
                        status=ReferralStatus.ADVICE_GIVEN if advice else ReferralStatus.DECLINED,
                        acknowledge_due_on=ack_due,
                        respond_due_on=respond_due,
                        acknowledged_on=rules.due_after(calendar, submitted, 1),
                        responded_on=responded,
                        decided_by=manager,
                        response_text="Advice given on the evidential gaps and further lines of enquiry."
                        if advice
                        else "Declined: the case does not meet the CCU's acceptance criteria; the Area will advise.",
                        decline_communicated_on=None if advice else responded,
                        created_at=at,
                        updated_at=at,
                        **_items(reference, number % 3),
                    )
                )
    created = Referral.objects.bulk_create(rows)
    for referral in created:
        prefix = "EIA" if referral.kind == ReferralKind.EARLY_ADVICE else "REF"
        referral.reference = f"{prefix}-{referral.force.code[:4].upper()}-{referral.pk:05d}"
    Referral.objects.bulk_update(created, ["reference"])
    record_many(
        actor=PARTNERS_DEMO_LOADER,
        events=[
            PendingEvent(
                action=Action.COLLECT,
                subject_type="partners.referral",
                subject_id=str(referral.pk),
                subject_label=referral.reference,
                changes={"submitted_on": [None, referral.submitted_on.isoformat()], "status": [None, referral.status]},
            )
            for referral in created
        ],
    )
    return len(created)


#: The items the demo's fourth request of each force is sent without: it shows a request waiting to be
#: completed, its "still missing" list on both sides, and clocks that have not started.
DEMO_MISSING_ITEMS = ("expected_results", "disclosable_material")


def _items(reference: str, index: int) -> dict[str, str]:
    subjects = ("a suspected investment fraud", "a county lines drugs supply network", "a historic abuse series")
    subject = subjects[index % len(subjects)]
    items = {
        "police_reference": reference,
        "factual_summary": f"Investigation into {subject}; several suspects and victims across the force area.",
        "lines_of_enquiry": "Completed: bank records. Ongoing: phone downloads. Contemplated: overseas requests.",
        "expected_results": "Phone downloads within 6 weeks; overseas material within 4 months.",
        "issues_identified": "Main suspect gave a prepared statement denying knowledge.",
        "specific_questions": "Is there sufficient evidence to charge conspiracy, and which further lines matter?",
        "key_evidence": "Bank statements, cell-site analysis, two witness statements.",
        "disclosable_material": "Intelligence logs; an earlier complaint by one witness.",
    }
    if index == 3:
        for name in DEMO_MISSING_ITEMS:
            items[name] = ""
    return items


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
    counts["past_referrals"] = _past_referrals(seed, day)
    return counts
