"""The resourcing demo: REM records for every case and a small unit shaped to show a single point of
failure and an overloaded grade, all audited; re-running does nothing."""

from __future__ import annotations

from decimal import Decimal

from casework.audit.models import AuditEvent
from casework.core import clock
from casework.people.choices import RoleCode
from casework.people.models import Grade, Unit
from casework.resourcing import demo, reports
from casework.resourcing.models import RemRecord, Vacancy
from tests.factories import make_case, make_user


def test_demo_shapes_the_small_unit(personas, case_a) -> None:
    unit = Unit.objects.get(code=demo.PREFERRED_UNIT)
    scp = Grade.objects.get(code="senior-crown-prosecutor")
    cp = Grade.objects.get(code="crown-prosecutor")
    manager = make_user("manager.sw", RoleCode.LEGAL_MANAGER, unit=unit)
    seniors = [make_user(f"scp{i}.sw", RoleCode.PROSECUTOR, unit=unit, grade=scp) for i in range(2)]
    juniors = [make_user(f"cp{i}.sw", RoleCode.PROSECUTOR, unit=unit, grade=cp) for i in range(2)]
    cases = [
        make_case(actor=manager, allocated_lawyer_id=juniors[i % 2].pk, deputy_lawyer_id=juniors[(i + 1) % 2].pk)
        for i in range(48)
    ]

    result = demo.load(seed=4)

    assert result is not None and result.unit == unit.code and result.key_lawyer == seniors[0].username
    assert RemRecord.objects.count() == len(cases) + 1  # case_a in unit A gets one too
    report = reports.unit_report(unit, on=clock.today())
    kinds = {f.kind for f in report.findings}
    assert "concentration_high_band" in kinds
    spof = next(f for f in report.findings if f.kind == "concentration_high_band")
    assert spof.person_id == seniors[0].pk
    grade = next(g for g in report.by_grade if g.label == scp.name)
    assert grade.percent is not None and grade.percent >= demo.TARGET_GRADE_PERCENT
    # An open Senior Crown Prosecutor vacancy: the grade would carry less if it were filled.
    vacancy = Vacancy.objects.get(unit=unit)
    assert vacancy.pk == result.vacancy_id and vacancy.grade == scp and vacancy.filled_on is None
    assert vacancy.created_by == manager  # recorded by the unit's manager
    assert [v.pk for v in report.vacancies] == [vacancy.pk]
    effect = report.vacancy_effect
    assert effect.vacant_fte == demo.VACANCY_FTE and effect.points_if_filled == Decimal("120.00")
    assert effect.percent_now is not None and effect.percent_if_filled is not None
    assert effect.percent_if_filled < effect.percent_now
    loader_events = AuditEvent.objects.filter(actor_label=demo.LOADER.label)
    assert loader_events.filter(
        action="collect", subject_type="resourcing.vacancy", subject_id=str(vacancy.pk)
    ).exists()
    assert loader_events.filter(action="collect", subject_type="resourcing.remrecord").count() == len(cases) + 1
    assert loader_events.filter(subject_type="resourcing.allocation").count() == result.reallocated > 0

    assert demo.load(seed=4) is None  # idempotent
    assert AuditEvent.objects.filter(actor_label=demo.LOADER.label).count() == loader_events.count()
