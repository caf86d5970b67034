"""A year of fictional IQA activity on top of the demo case data, deterministic for a seed.

It plants two things for the dashboards to find: one lenient assessor (marks almost everything
fully met, where second markers do not) and a coverage gap (one prosecutor with no assessment in
the last complete quarter). Rows are written in bulk, with their `collect` audit events written by
`record_many` in the same transaction (bulk writes bypass the services and their audit calls).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.db import transaction

from casework.audit.choices import Action
from casework.audit.models import AuditEvent
from casework.audit.services import ActorSnapshot, PendingEvent, record_many
from casework.cases.models import Case
from casework.core import clock
from casework.people.choices import RoleCode
from casework.people.models import Unit, User
from casework.quality import rules, selectors
from casework.quality.choices import AssessmentStatus, ModerationStatus
from casework.quality.models import Assessment, AssessmentAnswer, Moderation, ModerationAnswer, Question

IQA_DEMO_LOADER = ActorSnapshot(actor_id=None, label="system (IQA demo loader)", role="system", unit="")
FAIR = ((rules.FULLY_MET, 0.62), (rules.PARTIALLY_MET, 0.28), (rules.NOT_MET, 0.10))
LENIENT = ((rules.FULLY_MET, 0.96), (rules.PARTIALLY_MET, 0.04))
COMMENTS = (
    "Reasons not recorded on the file.",
    "Action plan to the police was not chased.",
    "Victim not told of the decision in time.",
    "Disclosure schedule reviewed late.",
)


@dataclass
class DemoResult:
    assessments: int = 0
    moderated: int = 0
    lenient_assessor: str = ""
    gap_prosecutor: str = ""
    gap_quarter: str = ""
    notes: list[str] = field(default_factory=list)


def present() -> bool:
    return AuditEvent.objects.filter(actor_label=IQA_DEMO_LOADER.label, action=Action.COLLECT).exists()


def _pick(rng: random.Random, weights: tuple[tuple[str, float], ...]) -> str:
    roll, total = rng.random(), 0.0
    for value, weight in weights:
        total += weight
        if roll < total:
            return value
    return weights[-1][0]


def _weekday_in(rng: random.Random, quarter: rules.Quarter) -> dt.date:
    day = quarter.starts_on + dt.timedelta(days=rng.randrange(quarter.days - 20))
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=clock.LONDON).astimezone(dt.UTC)


class IqaDemo:
    def __init__(self, *, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(f"iqa-demo:{seed}")
        self.today = clock.today()
        self.quarters = [rules.Quarter.of(self.today).previous()]
        for _ in range(3):
            self.quarters.insert(0, self.quarters[0].previous())
        self.question_set = selectors.question_set_in_force(self.today)
        self.questions = list(Question.objects.filter(section__question_set=self.question_set))
        self.policy = selectors.policy_on(self.today)
        self.result = DemoResult()

    def _units(self) -> list[tuple[Unit, list[User], list[User]]]:
        found = []
        for unit in Unit.objects.filter(cases__isnull=False).distinct().order_by("name"):
            members = User.objects.filter(unit=unit, is_active=True).select_related("team")
            managers = list(
                members.filter(roles__code__in=[RoleCode.LEGAL_MANAGER, RoleCode.UNIT_HEAD])
                .distinct()
                .order_by("username")
            )
            prosecutors = list(
                members.filter(roles__code=RoleCode.PROSECUTOR, allocated_cases__isnull=False)
                .distinct()
                .order_by("username")
            )
            if managers and prosecutors:
                found.append((unit, managers, prosecutors))
        return found

    @transaction.atomic
    def load(self) -> DemoResult:
        units = self._units()
        if not units:
            self.result.notes.append("No unit has a manager and prosecutors with cases: nothing loaded.")
            return self.result
        # The lenient assessor and the gap are planted in the first unit with two legal managers.
        planted = next((u for u in units if sum(m.has_role(RoleCode.LEGAL_MANAGER) for m in u[1]) >= 2), units[0])
        lenient = next((m for m in planted[1] if m.has_role(RoleCode.LEGAL_MANAGER)), planted[1][0])
        gap = max(planted[2], key=lambda p: (p.allocated_cases.count(), p.username))
        self.result.lenient_assessor, self.result.gap_prosecutor = lenient.username, gap.username
        self.result.gap_quarter = self.quarters[-1].label
        for unit, managers, prosecutors in units:
            for quarter in self.quarters:
                rows = selectors.coverage_for(
                    people=prosecutors, quarter=quarter, policy=selectors.policy_on(quarter.starts_on)
                )
                expected = {r.person_id: r.expected for r in rows}
                for prosecutor in prosecutors:
                    count = 0 if (prosecutor == gap and quarter == self.quarters[-1]) else expected[prosecutor.pk]
                    assessor = next(
                        (m for m in managers if m.pk == prosecutor.line_manager_id),
                        managers[prosecutor.pk % len(managers)],
                    )
                    # the lenient manager assesses the first prosecutor of every quarter in their unit too
                    if unit == planted[0] and prosecutor == prosecutors[0]:
                        assessor = lenient
                    self._assess(unit, managers, prosecutor, assessor, quarter, count, lenient)
        return self.result

    def _assess(
        self,
        unit: Unit,
        managers: list[User],
        prosecutor: User,
        assessor: User,
        quarter: rules.Quarter,
        count: int,
        lenient: User,
    ) -> None:
        cases = (
            Case.objects.filter(allocated_lawyer=prosecutor)
            .prefetch_related("offence_categories")
            .select_related("acceptance_criterion")
        )
        candidates = [
            rules.Candidate(
                c.pk, c.stage, selectors.case_type_of(c), assessor_involved=assessor.pk == c.deputy_lawyer_id
            )
            for c in cases
        ]
        stages = {c.pk: c.stage for c in cases}
        for candidate in rules.draw_sample(candidates, count, seed=f"demo:{self.seed}:{prosecutor.pk}:{quarter.label}"):
            self._one(
                unit,
                managers,
                prosecutor,
                assessor,
                quarter,
                candidate.case_id,
                stages[candidate.case_id],
                assessor == lenient,
            )

    def _one(
        self,
        unit: Unit,
        managers: list[User],
        prosecutor: User,
        assessor: User,
        quarter: rules.Quarter,
        case_id: int,
        stage: str,
        is_lenient: bool,
    ) -> None:
        rng = self.rng
        submitted_on = _weekday_in(rng, quarter)
        feedback_on = submitted_on + dt.timedelta(days=rng.choice([3, 5, 7, 9, 12, 13, 20, 27]))
        acknowledged_on = feedback_on + dt.timedelta(days=rng.randrange(1, 6))
        status = AssessmentStatus.CLOSED
        if acknowledged_on >= self.today:
            status, acknowledged_on = AssessmentStatus.FEEDBACK_GIVEN, None  # type: ignore[assignment]
        now = clock.now()
        assessment = Assessment.objects.create(
            question_set=self.question_set,
            case_id=case_id,
            prosecutor=prosecutor,
            assessor=assessor,
            unit=unit,
            team_id=prosecutor.team_id,
            case_stage=stage,
            quarter=quarter.label,
            status=status,
            submitted_at=_at(submitted_on, 11),
            feedback_meeting_on=feedback_on,
            feedback_notes="Feedback meeting held; strengths and development points discussed.",
            feedback_recorded_at=_at(feedback_on, 15),
            acknowledged_at=_at(acknowledged_on, 9) if acknowledged_on else None,
            closed_at=_at(acknowledged_on, 16) if acknowledged_on else None,
            created_at=now,
            updated_at=now,
        )
        applicable = [q for q in self.questions if assessment.kind in q.kinds and (not q.stages or stage in q.stages)]
        first = {}
        for q in applicable:
            value = _pick(rng, LENIENT if is_lenient else FAIR)
            first[q.pk] = value
            comment = "" if value == rules.FULLY_MET else rng.choice(COMMENTS)
            AssessmentAnswer.objects.create(assessment=assessment, question=q, value=value, comment=comment)
        events = [
            PendingEvent(
                action=Action.COLLECT,
                subject_type="quality.assessment",
                subject_id=str(assessment.pk),
                subject_label=str(assessment),
                case_id=case_id,
            )
        ]
        self.result.assessments += 1
        # Demo data second-marks the lenient assessor more often so the pattern is visible within a year.
        share = self.policy.moderation_share * (3 if is_lenient else 1)
        if rules.selected_for_moderation(assessment_id=assessment.pk, seed=f"demo:{self.seed}", share=share):
            others = [m for m in managers if m.pk not in (assessor.pk, prosecutor.pk)]
            if others:
                moderation = Moderation.objects.create(
                    assessment=assessment,
                    moderator=others[assessment.pk % len(others)],
                    status=ModerationStatus.COMPLETED,
                    completed_at=_at(feedback_on, 12),
                    created_at=now,
                    updated_at=now,
                )
                agreed = 0
                for q in applicable:
                    second = (
                        _pick(rng, FAIR) if is_lenient else (first[q.pk] if rng.random() < 0.85 else _pick(rng, FAIR))
                    )
                    agreed += second == first[q.pk]
                    ModerationAnswer.objects.create(
                        moderation=moderation,
                        question=q,
                        value=second,
                        comment="" if second == rules.FULLY_MET else rng.choice(COMMENTS),
                    )
                moderation.agreement = round(agreed / len(applicable), 3) if applicable else None
                moderation.save(update_fields=["agreement"])
                events.append(
                    PendingEvent(
                        action=Action.COLLECT,
                        subject_type="quality.moderation",
                        subject_id=str(moderation.pk),
                        subject_label=str(moderation),
                        case_id=case_id,
                    )
                )
                self.result.moderated += 1
        record_many(actor=IQA_DEMO_LOADER, events=events)


def load(*, seed: int) -> DemoResult | None:
    """Load once; None when the IQA demo data is already there (safe to re-run)."""
    if present():
        return None
    return IqaDemo(seed=seed).load()
