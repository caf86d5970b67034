"""The IQA analytics count answers in the database (per assessment and per question) instead of going
through every answer in Python. Every figure must stay exactly what a straightforward computation
over the answers one by one gives: same labels, same order, same floats, for every kind of reader.

`straightforward_analytics` below is that computation, written plainly over one row per answer (it
is how the analytics were worked out before the counts moved to the database)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command

from casework.core import clock
from casework.people.choices import RoleCode
from casework.people.models import Team, Unit, User
from casework.quality import exports, rules, selectors, services
from casework.quality.choices import ModerationStatus
from casework.quality.models import (
    Assessment,
    AssessmentAnswer,
    Moderation,
    ModerationAnswer,
    Question,
    QuotaPolicy,
    sees_names,
)
from tests.factories import make_case, make_user


def straightforward_analytics(
    *, user: Any, since: dt.date | None = None, until: dt.date | None = None
) -> selectors.Analytics:
    scope = Assessment.objects.aggregate_scope(user)
    if since:
        scope = scope.filter(submitted_at__date__gte=since)
    if until:
        scope = scope.filter(submitted_at__date__lte=until)
    named = sees_names(user)
    policy = selectors.policy_on(until or clock.today())
    newest_first = list(dict.fromkeys(scope.order_by("-created_at", "-id").values_list("pk", flat=True)))
    assessments = {a.pk: a for a in Assessment.objects.filter(pk__in=newest_first)}
    answers = list(AssessmentAnswer.objects.filter(assessment_id__in=newest_first).select_related("question__section"))
    answered = {answer.assessment_id for answer in answers}
    by_pk = {u.pk: u for u in User.objects.all()}
    pseudonyms: dict[tuple[str, int], str] = {}

    def who(kind: str, pk: int) -> str:
        if named:
            person = by_pk[pk]
            return f"{person.first_name} {person.last_name} ({person.username})".strip()
        if (kind, pk) not in pseudonyms:
            pseudonyms[(kind, pk)] = f"{kind} {len([k for k in pseudonyms if k[0] == kind]) + 1}"
        return pseudonyms[(kind, pk)]

    for pk in newest_first:
        if pk in answered:
            who("Prosecutor", assessments[pk].prosecutor_id)
            who("Assessor", assessments[pk].assessor_id)
    units = {u.pk: u.name for u in Unit.objects.all()}
    teams = {t.pk: t.name for t in Team.objects.all()}
    groups: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    assessor_answers = []
    for answer in answers:
        a, q = assessments[answer.assessment_id], answer.question
        groups["standard"][q.section.standard].append(answer.value)
        groups["question"][f"{q.code}: {q.text}"].append(answer.value)
        groups["unit"][units[a.unit_id]].append(answer.value)
        groups["team"][teams.get(a.team_id or 0) or "No team"].append(answer.value)
        groups["prosecutor"][who("Prosecutor", a.prosecutor_id)].append(answer.value)
        groups["quarter"][a.quarter].append(answer.value)
        assessor_answers.append((who("Assessor", a.assessor_id), answer.value))

    def bars(kind: str) -> list[selectors.Bar]:
        return [selectors.Bar(label, rules.score(v), len(v)) for label, v in sorted(groups[kind].items())]

    result = selectors.Analytics(named=named, assessments=len(newest_first), alpha=float(policy.significance))
    result.by_standard, result.by_question, result.by_unit = bars("standard"), bars("question"), bars("unit")
    result.by_team, result.by_prosecutor, result.by_quarter = bars("team"), bars("prosecutor"), bars("quarter")
    scored = {label: [v for v in values if v in rules.ANSWER_SCORE] for label, values in groups["question"].items()}
    result.failure_points = sorted(
        (
            selectors.Bar(label, sum(v != rules.FULLY_MET for v in values) / len(values), len(values))
            for label, values in scored.items()
            if values
        ),
        key=lambda b: (-(b.value or 0), b.label),
    )[:5]
    first_marks = {
        (answer.assessment_id, answer.question_id): answer.value
        for answer in answers
        if Moderation.objects.filter(
            assessment_id=answer.assessment_id, status__in=[ModerationStatus.COMPLETED, ModerationStatus.RESOLVED]
        ).exists()
    }
    moderated, by_question = [], []
    for second in ModerationAnswer.objects.filter(moderation__assessment_id__in=newest_first).select_related(
        "moderation", "question"
    ):
        key = (second.moderation.assessment_id, second.question_id)
        if key in first_marks:
            assessor = who("Assessor", assessments[key[0]].assessor_id)
            moderated.append((assessor, first_marks[key], second.value))
            by_question.append((second.question.code, first_marks[key], second.value))
    result.leniency = [(i.assessor_key, i) for i in rules.leniency(assessor_answers, moderated, alpha=result.alpha)]
    result.agreement_by_question = list(rules.agreement_by(by_question).items())
    result.agreement_by_assessor = list(rules.agreement_by(moderated).items())
    timed = [
        (submitted, assessments[pk].feedback_meeting_on)
        for pk in newest_first
        if (submitted := assessments[pk].submitted_at) is not None
    ]
    if timed:
        on_time = sum(
            met is not None
            and not rules.feedback_overdue(
                submitted_on=clock.local(submitted).date(), feedback_on=met, today=met, days=policy.feedback_days
            )
            for submitted, met in timed
        )
        result.feedback_on_time = selectors.Bar(
            f"Feedback within {policy.feedback_days} days", on_time / len(timed), len(timed)
        )
    return result


@pytest.fixture
def varied_register(personas, team) -> dict[str, User]:
    """A year of IQA across two units: several assessors (one lenient), second marking (completed,
    resolved and pending), N/A answers, an assessment with no team, two prosecutors with one name,
    and a draft that must not count."""
    manager_b = make_user("manager.b", RoleCode.LEGAL_MANAGER, unit=personas.unit_b)
    make_user("manager.b2", RoleCode.LEGAL_MANAGER, unit=personas.unit_b)
    make_user("manager.a3", RoleCode.LEGAL_MANAGER, unit=personas.unit_a)
    namesake = make_user("prosecutor.b2", RoleCode.PROSECUTOR, unit=personas.unit_b, grade=personas.prosecutor_b.grade)
    User.objects.filter(pk=namesake.pk).update(
        first_name=personas.prosecutor_b.first_name, last_name=personas.prosecutor_b.last_name
    )
    User.objects.filter(pk=personas.prosecutor_b.pk).update(line_manager=manager_b)
    for prosecutor, manager in (
        (personas.prosecutor_a, personas.manager_a),
        (team.prosecutor_a2, personas.manager_a),
        (personas.prosecutor_b, manager_b),
        (namesake, manager_b),
    ):
        for index in range(5):
            make_case(
                actor=manager, operation_name=f"Op {prosecutor.username} {index}", allocated_lawyer_id=prosecutor.pk
            )
    QuotaPolicy.objects.update(moderation_share=Decimal("0.4"))  # plenty of second marking to compare
    call_command("load_quality_demo", "--seed", "7", stdout=StringIO())
    answers = list(AssessmentAnswer.objects.order_by("pk").values_list("pk", flat=True))
    AssessmentAnswer.objects.filter(pk__in=answers[::7]).update(value=rules.NA)
    moderations = list(Moderation.objects.order_by("pk"))
    assert len(moderations) >= 3, "the demo should second-mark several assessments"
    Moderation.objects.filter(pk=moderations[0].pk).update(status=ModerationStatus.PENDING)
    Moderation.objects.filter(pk=moderations[1].pk).update(status=ModerationStatus.RESOLVED)
    ModerationAnswer.objects.filter(moderation=moderations[2]).update(value=rules.NA)
    Assessment.objects.filter(pk=Assessment.objects.order_by("pk").values("pk")[:1]).update(team=None)
    Assessment.objects.filter(pk=Assessment.objects.order_by("-pk").values("pk")[:1]).update(feedback_meeting_on=None)
    # Submitted late in the evening in summer: already the next day in London, where the feedback
    # deadline is counted from (on time there, a day late by the UTC date).
    days = selectors.policy_on(clock.today()).feedback_days
    late = Assessment.objects.exclude(submitted_at=None).order_by("pk")[1]
    Assessment.objects.filter(pk=late.pk).update(
        submitted_at=dt.datetime(2025, 7, 14, 23, 30, tzinfo=dt.UTC),
        feedback_meeting_on=dt.date(2025, 7, 15) + dt.timedelta(days=days),
    )
    assert Question.objects.exists()
    named_hq = make_user("hq.named", RoleCode.HQ_ANALYST)
    named_hq.user_permissions.add(Permission.objects.get(codename="view_named_assessments"))
    return {"manager_b": manager_b, "hq_named": User.objects.get(pk=named_hq.pk)}


READERS = ("hq", "inspector", "area_leader_a", "unithead_a", "manager_a", "prosecutor_a", "prosecutor_b")


def test_analytics_equal_the_straightforward_computation(personas, varied_register) -> None:
    """For every kind of reader (national named and pseudonymous, area, unit, manager, prosecutor),
    over all time and between dates: every bar, float, label, leniency test and agreement, in order."""
    since, until = dt.date(2025, 8, 1), dt.date(2026, 2, 15)
    for reader in (*READERS, "hq_named", "manager_b"):
        user = getattr(personas, reader, None) or varied_register[reader]
        expected = straightforward_analytics(user=user)
        found = selectors.analytics(user=user)
        assert found == expected, reader
        assert exports.analytics_rows(found) == exports.analytics_rows(expected), reader
        between = straightforward_analytics(user=user, since=since, until=until)
        assert selectors.analytics(user=user, since=since, until=until) == between, reader
        if reader in ("hq", "inspector"):
            assert 0 < between.assessments < expected.assessments


def test_the_register_exercises_every_part(personas, varied_register) -> None:
    """Guards the test above against data that would let a wrong count pass unnoticed; and a draft
    is not counted."""
    national = straightforward_analytics(user=personas.inspector)
    named = straightforward_analytics(user=varied_register["hq_named"])
    assert not national.named
    assert {bar.label for bar in national.by_prosecutor} == {f"Prosecutor {n}" for n in range(1, 5)}
    assert {bar.label for bar in national.by_unit} == {personas.unit_a.name, personas.unit_b.name}
    assert any(bar.label == "No team" for bar in national.by_team)
    assert len(national.leniency) >= 3 and any(item.moderated_pairs for _, item in national.leniency)
    assert any(item.flagged for _, item in national.leniency)
    assert national.agreement_by_question and national.feedback_on_time
    assert any(bar.value is not None and 0 < bar.value < 1 for bar in national.by_question)
    assert any(bar.count > 0 and bar.value is None for bar in national.by_question) or any(
        bar.value is not None for bar in national.by_question
    )
    assert len(national.by_quarter) == 4
    unit = straightforward_analytics(user=personas.unithead_a)
    assert unit.assessments < national.assessments and {bar.label for bar in unit.by_unit} == {personas.unit_a.name}
    assert named.named and named.assessments == national.assessments
    namesakes = [bar.label for bar in named.by_prosecutor if "prosecutor.b" in bar.label]
    assert len(namesakes) == 2 and namesakes[0].split(" (")[0] == namesakes[1].split(" (")[0]  # kept apart

    case = make_case(
        actor=personas.manager_a, operation_name="Draft only", allocated_lawyer_id=personas.prosecutor_a.pk
    )
    services.assessment_start(actor=personas.manager_a, case_id=case.pk)
    assert selectors.analytics(user=personas.inspector) == national
