"""`casework load_quality_demo`: a year of assessments, a lenient assessor and a coverage gap; idempotent."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from casework.audit.models import AuditEvent
from casework.quality import rules
from casework.quality.models import Assessment
from tests.factories import make_case


def test_demo_loads_a_year_once(personas, team) -> None:
    for prosecutor in (personas.prosecutor_a, team.prosecutor_a2):
        for _ in range(4):
            make_case(actor=personas.manager_a, allocated_lawyer_id=prosecutor.pk)
    out = StringIO()
    call_command("load_quality_demo", "--seed", "5", stdout=out)
    assert "Lenient assessor: manager.a" in out.getvalue()
    quarters = sorted(set(Assessment.objects.values_list("quarter", flat=True)))
    assert quarters == ["2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"]  # the year before 11 May 2026
    gap = Assessment.objects.filter(quarter="2026-Q1")
    assert len({a.prosecutor_id for a in gap}) == 1  # one of the two prosecutors has none in the last quarter
    lenient = Assessment.objects.filter(assessor=personas.manager_a)
    assert lenient.exists()
    values = [v for a in lenient for v in a.answers.values_list("value", flat=True)]
    assert values.count(rules.FULLY_MET) / len(values) > 0.85
    count = Assessment.objects.count()
    assert AuditEvent.objects.filter(actor_label="system (IQA demo loader)").count() >= count
    again = StringIO()
    call_command("load_quality_demo", "--seed", "5", stdout=again)
    assert "already loaded" in again.getvalue() and Assessment.objects.count() == count


def test_question_set_command_round_trip(db, tmp_path) -> None:
    out = StringIO()
    call_command("quality_question_set", "export", stdout=out)
    path = tmp_path / "set.json"
    path.write_text(out.getvalue())
    call_command("quality_question_set", "publish", "--file", str(path), "--note", "Re-issue", stdout=StringIO())
    shown = StringIO()
    call_command("quality_question_set", "show", stdout=shown)
    assert "iqa v2" in shown.getvalue() and "iqa v1" in shown.getvalue()
