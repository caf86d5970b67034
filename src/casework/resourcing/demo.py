"""Demo resourcing data: a REM record for every demo case, and one small unit shaped to show a single
point of failure (one lawyer leads most of its high-band and custody cases, none with a deputy) and
an overloaded grade (its Senior Crown Prosecutors carry well over their available points).

Bulk writes bypass the services, so every change is audited here with `record_many` in the same
transaction, as the demo loader does.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import F

from casework.audit.choices import Action
from casework.audit.services import ActorSnapshot, PendingEvent, record_many
from casework.cases.choices import OPEN_STAGES, CustodyStatus, Stage
from casework.cases.models import Case, Defendant
from casework.core import clock
from casework.people.choices import UNIT_MANAGER_ROLES, UnitSize
from casework.people.models import Grade, Unit, User
from casework.resourcing import rules, selectors
from casework.resourcing.models import RemRecord, Vacancy

LOADER = ActorSnapshot(actor_id=None, label="system (resourcing demo loader)", role="system", unit="")
PREFERRED_UNIT = "ccu-south-west"
OVERLOADED_GRADE = "senior-crown-prosecutor"
TARGET_GRADE_PERCENT = 140  # shape until the grade carries at least this share of its points
HIGH_BAND_CASES = 5  # open cases of the shaped unit made high-band
VACANCY_FTE = Decimal("1")  # a Senior Crown Prosecutor post left vacant in the shaped unit
VACANCY_DAYS = 60  # vacant since this many days before the demo's today


@dataclass
class DemoResult:
    records: int = 0
    unit: str = ""
    key_lawyer: str = ""
    reallocated: int = 0
    vacancy_id: int | None = None
    notes: list[str] = field(default_factory=list)


def already_loaded() -> bool:
    return RemRecord.objects.exists()


def _record_values(rng: random.Random, stage: str, lead_grade: str) -> dict[str, object]:
    charged = stage not in (Stage.PRE_CHARGE, Stage.CHARGING_DECISION)
    return {
        "victims": rng.choice([0, 0, 1, 2, 4, 8, 25]),
        "witnesses": rng.randint(5, 90),
        "pages_of_evidence": rng.choice([None, *[rng.randint(500, 30_000) for _ in range(6)]]),
        "unused_material_pages": rng.randint(0, 40_000),
        "international_element": rng.random() < 0.1,
        "media_interest": rng.random() < 0.15,
        # Some records leave counsel unanswered so the completeness rule has something to find.
        "counsel_instructed": (rng.random() < 0.6) if charged and rng.random() < 0.85 else None,
        "estimated_hours": {stage: {lead_grade or "crown-prosecutor": rng.choice([20, 40, 60, 90])}},
    }


def _create_records(rng: random.Random) -> int:
    now = clock.now()
    rows = list(
        Case.objects.filter(rem_record__isnull=True)
        .order_by("pk")
        .values("pk", "stage", "stage_changed_at", "allocated_lawyer__grade__code")
    )
    records = []
    for row in rows:
        # Most records were updated after the last stage change; a few were not (currency rule).
        updated = row["stage_changed_at"] if rng.random() < 0.15 else now
        records.append(
            RemRecord(
                case_id=row["pk"],
                created_at=row["stage_changed_at"],
                updated_at=max(updated, row["stage_changed_at"]),
                **_record_values(rng, row["stage"], row["allocated_lawyer__grade__code"] or ""),
            )
        )
    created = RemRecord.objects.bulk_create(records, batch_size=2000)
    ids = dict(RemRecord.objects.filter(case_id__in=[r["pk"] for r in rows]).values_list("case_id", "pk"))
    record_many(
        actor=LOADER,
        events=[
            PendingEvent(
                action=Action.COLLECT,
                subject_type="resourcing.remrecord",
                subject_id=str(ids[r.case_id]),
                subject_label=f"REM record for case {r.case_id}",
                case_id=r.case_id,
                changes={"created": [None, "demo REM record"]},
            )
            for r in created
        ],
    )
    return len(created)


def _shaped_unit() -> Unit | None:
    return (
        Unit.objects.filter(code=PREFERRED_UNIT).first()
        or Unit.objects.filter(size=UnitSize.SMALL).order_by("code").first()
    )


def _shape_unit(unit: Unit, rng: random.Random, result: DemoResult) -> None:
    today = clock.today()
    policy = selectors.policy_on(today)
    seniors = list(User.objects.filter(unit=unit, is_active=True, grade__code=OVERLOADED_GRADE).order_by("pk"))
    if not seniors:
        result.notes.append(f"{unit.code} has no {OVERLOADED_GRADE}: nothing shaped.")
        return
    key = seniors[0]
    open_cases = list(
        Case.objects.filter(unit=unit, stage__in=OPEN_STAGES)
        .order_by("pk")
        .values("pk", "urn", "allocated_lawyer_id", "deputy_lawyer_id")
    )
    # A handful of cases become high-band: big evidence, international, many witnesses and victims.
    high = [c["pk"] for c in open_cases[:HIGH_BAND_CASES]]
    RemRecord.objects.filter(case_id__in=high).update(
        pages_of_evidence=120_000,
        unused_material_pages=60_000,
        international_element=True,
        witnesses=140,
        victims=25,
        version=F("version") + 1,
        updated_at=clock.now(),
    )
    custody = set(
        Defendant.objects.filter(case_id__in=[c["pk"] for c in open_cases], custody_status=CustodyStatus.IN_CUSTODY)
        .values_list("case_id", flat=True)
        .distinct()
    )
    # The key lawyer leads every high-band and custody case, with no deputy: the single point of failure.
    changes: dict[int, tuple[int | None, int | None]] = {}
    for c in open_cases:
        if c["pk"] in high or c["pk"] in custody:
            changes[c["pk"]] = (key.pk, None)
    # Then the grade is loaded until it is well over capacity, taking cases from the other grades.
    bands = selectors.bands_for(Case.objects.filter(pk__in=[c["pk"] for c in open_cases]), policy)
    capacity = selectors.capacity_for(User.objects.filter(pk__in=[s.pk for s in seniors]), on=today, policy=policy)
    available = sum((p.available_points for p in capacity.values()), Decimal("0"))
    senior_ids = {s.pk for s in seniors}
    stages = dict(Case.objects.filter(pk__in=bands).values_list("pk", "stage"))

    def lead_points(case_id: int) -> Decimal:
        return rules.case_points(band=bands[case_id], stage=stages[case_id], role="lead", policy=policy)

    load = sum(
        (
            lead_points(c["pk"])
            for c in open_cases
            if changes.get(c["pk"], (c["allocated_lawyer_id"],))[0] in senior_ids
        ),
        Decimal("0"),
    )
    others = [c for c in open_cases if c["pk"] not in changes and c["allocated_lawyer_id"] not in senior_ids]
    rng.shuffle(others)
    for c in others:
        if available and load * 100 / available >= TARGET_GRADE_PERCENT:
            break
        changes[c["pk"]] = (
            rng.choice(seniors).pk,
            c["deputy_lawyer_id"] if c["deputy_lawyer_id"] not in senior_ids else None,
        )
        load += lead_points(c["pk"])
    before = {c["pk"]: (c["allocated_lawyer_id"], c["deputy_lawyer_id"]) for c in open_cases}
    changed = {pk: new for pk, new in changes.items() if before[pk] != new}
    now = clock.now()
    for pk, (lead, deputy) in changed.items():
        Case.objects.filter(pk=pk).update(
            allocated_lawyer_id=lead, deputy_lawyer_id=deputy, version=F("version") + 1, updated_at=now
        )
    urns = {c["pk"]: c["urn"] for c in open_cases}
    events = [
        PendingEvent(
            action=Action.ALTER,
            subject_type="resourcing.remrecord",
            subject_id=str(pk),
            subject_label=f"REM record for case {urns[case_id]}",
            case_id=case_id,
            changes={"pages_of_evidence": [None, 120_000], "international_element": [None, True]},
        )
        for case_id, pk in RemRecord.objects.filter(case_id__in=high).values_list("case_id", "pk")
    ] + [
        PendingEvent(
            action=Action.ALTER,
            subject_type="resourcing.allocation",
            subject_id=str(pk),
            subject_label=urns[pk],
            case_id=pk,
            changes={
                "lead": [before[pk][0], lead],
                "deputy": [before[pk][1], deputy],
                "reason": [None, "demo: concentrate work to show a single point of failure"],
            },
        )
        for pk, (lead, deputy) in changed.items()
    ]
    record_many(actor=LOADER, events=events)
    result.unit, result.key_lawyer, result.reallocated = unit.code, key.username, len(changed)
    percent = rules.capacity_percent(load, available)
    result.notes.append(
        f"{unit.code}: {key.username} leads {len(high)} high-band and {len(custody)} custody cases without "
        f"a deputy; {OVERLOADED_GRADE} grade at about {percent}% of its available points."
    )
    vacancy = _vacant_post(unit, recorded_by=key)
    result.vacancy_id = vacancy.pk
    filled = available + Decimal(policy.grade_targets.get(OVERLOADED_GRADE, policy.default_target)) * VACANCY_FTE
    result.notes.append(
        f"{unit.code}: {VACANCY_FTE} FTE {OVERLOADED_GRADE} post vacant since {vacancy.since}; the grade would be at "
        f"about {rules.capacity_percent(load, filled)}% if it were filled."
    )


def _vacant_post(unit: Unit, *, recorded_by: User) -> Vacancy:
    """One open Senior Crown Prosecutor vacancy: part of why the grade is overloaded (audited)."""
    manager = (
        User.objects.filter(unit=unit, is_active=True, roles__code__in=UNIT_MANAGER_ROLES).order_by("pk").first()
        or recorded_by
    )
    vacancy = Vacancy.objects.create(
        unit=unit,
        grade=Grade.objects.get(code=OVERLOADED_GRADE),
        fte=VACANCY_FTE,
        since=clock.today() - dt.timedelta(days=VACANCY_DAYS),
        reason="Retirement; post advertised, not yet filled",
        created_by=manager,
        created_at=clock.now(),
    )
    record_many(
        actor=LOADER,
        events=[
            PendingEvent(
                action=Action.COLLECT,
                subject_type="resourcing.vacancy",
                subject_id=str(vacancy.pk),
                subject_label=f"{vacancy.fte} FTE {OVERLOADED_GRADE} vacancy in {unit.code}",
                changes={
                    "grade": [None, OVERLOADED_GRADE],
                    "fte": [None, str(vacancy.fte)],
                    "since": [None, str(vacancy.since)],
                },
            )
        ],
    )
    return vacancy


@transaction.atomic
def load(*, seed: int) -> DemoResult | None:
    """Add the demo REM records and shape the small unit. Returns None when already loaded."""
    if already_loaded():
        return None
    rng = random.Random(seed)
    result = DemoResult(records=_create_records(rng))
    unit = _shaped_unit()
    if unit is not None:
        _shape_unit(unit, rng, result)
    return result
