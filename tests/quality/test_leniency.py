"""The leniency flag end to end: a constructed lenient assessor is flagged; a fair one is not."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from casework.people.choices import RoleCode
from casework.quality import selectors, services
from casework.quality.models import Moderation, QuotaPolicy
from tests.factories import make_case, make_user
from tests.quality.conftest import all_answers


def _mark(manager, case, pattern: list[str]) -> int:
    a = services.assessment_start(actor=manager, case_id=case.pk)
    codes = list(all_answers(a))
    answers = {
        code: (pattern[i % len(pattern)], "" if pattern[i % len(pattern)] == "fully_met" else "Gap")
        for i, code in enumerate(codes)
    }
    services.assessment_answers_save(actor=manager, assessment_id=a.pk, expected_version=1, answers=answers)
    services.assessment_submit(actor=manager, assessment_id=a.pk, expected_version=2)
    return a.pk


def test_constructed_lenient_assessor_is_flagged(personas, team) -> None:
    QuotaPolicy.objects.update(moderation_share=Decimal("0"))
    lenient, fair = personas.manager_a, team.manager_a2
    # a third manager does the second marking
    make_user("manager.a3", RoleCode.LEGAL_MANAGER, unit=personas.unit_a)
    cases = [
        make_case(actor=lenient, allocated_lawyer_id=p.pk)
        for p in (personas.prosecutor_a, team.prosecutor_a2)
        for _ in range(6)
    ]
    lenient_ids = [_mark(lenient, case, ["fully_met"]) for case in cases[:6]]
    for case in cases:
        _mark(fair, case, ["fully_met", "partially_met", "not_met", "fully_met", "partially_met"])
    # second marking of the lenient assessor's work finds much less fully met
    for pk in lenient_ids[:3]:
        assessment = services.Assessment.objects.get(pk=pk)
        moderation = services.moderation_assign(actor=lenient, assessment=assessment)
        assert moderation is not None
        second = {
            code: ("partially_met", "Not evidenced") if i % 3 else ("fully_met", "")
            for i, code in enumerate(all_answers(assessment))
        }
        services.moderation_submit(
            actor=moderation.moderator, moderation_id=moderation.pk, expected_version=1, answers=second
        )
    data = selectors.analytics(user=personas.unithead_a, since=dt.date(2026, 1, 1))
    flags = {key: item for key, item in data.leniency}
    lenient_row = flags["Manager Persona (manager.a)"]
    assert lenient_row.flagged and lenient_row.lenient_vs_peers and lenient_row.lenient_vs_moderation
    assert lenient_row.rate == 1.0
    assert not flags["Manager Persona (manager.a2)"].flagged
    assert Moderation.objects.filter(status="completed").count() == 3
    by_question = dict(data.agreement_by_question)
    assert by_question and all(0 <= ag.rate <= 1 for ag in by_question.values())
