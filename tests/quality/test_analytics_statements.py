"""The IQA analytics read a fixed set of statements, whatever the number of assessments, and never
bind one parameter per assessment or sort the answers.

At 10,000 cases on PostgreSQL the page took 3.6 s (against 0.4 s on SQLite): it bound all ~11,700
assessment ids as parameters of four statements, and sorted ~110,000 answer rows (question texts,
unit and team names joined onto each) by the assessments' default order."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.quality import selectors
from tests.factories import make_case
from tests.quality.conftest import submitted


def _analytics_statements(user) -> list[dict[str, str]]:
    with CaptureQueriesContext(connection) as captured:
        selectors.analytics(user=user)
    return captured.captured_queries


def test_analytics_statements_do_not_grow_with_the_assessments(personas, team, db) -> None:
    def assess(count: int) -> None:
        for index in range(count):
            case = make_case(
                actor=personas.manager_a, operation_name=f"Op {index}", allocated_lawyer_id=personas.prosecutor_a.pk
            )
            submitted(personas.manager_a, case, "fully_met" if index % 2 else "partially_met")

    assess(2)
    selectors.analytics(user=personas.hq)  # the reader's roles and permissions are read once, then kept
    few = _analytics_statements(personas.hq)
    assess(6)
    many = _analytics_statements(personas.hq)

    assert len(many) == len(few)
    # The statements are the same text with the same parameters: nothing is bound per assessment.
    assert [q["sql"] for q in many] == [q["sql"] for q in few]
    answer_reads = [q["sql"] for q in many if 'FROM "quality_assessmentanswer"' in q["sql"]]
    assert answer_reads and all("ORDER BY" not in sql for sql in answer_reads)
    # Every answer in scope is counted by the database (per assessment, per question, and the
    # second-marked pairs per assessor, question and marks): none is read as a row.
    touching_answers = [q["sql"] for q in many if '"quality_assessmentanswer"' in q["sql"]]
    assert len(touching_answers) == 3 and all("GROUP BY" in sql for sql in touching_answers), touching_answers
    assert not [q["sql"] for q in many if '"quality_moderationanswer"' in q["sql"] and "GROUP BY" not in q["sql"]]


def test_a_readers_own_scope_is_worked_out_once(personas, team, db) -> None:
    """A legal manager's scope (visible_to: their own assessments, their reports', second marking)
    is read once as ids; the counting statements do not each work it out again. At 100,000 cases
    each repeat cost about 100 ms on SQLite."""
    for index in range(3):
        case = make_case(
            actor=personas.manager_a, operation_name=f"Op {index}", allocated_lawyer_id=personas.prosecutor_a.pk
        )
        submitted(personas.manager_a, case)
    selectors.analytics(user=personas.manager_a)
    statements = [q["sql"] for q in _analytics_statements(personas.manager_a)]
    # visible_to for a legal manager looks at the prosecutor's line manager: only one statement may.
    assert len([sql for sql in statements if "line_manager" in sql]) == 1, statements
    counting = [sql for sql in statements if '"quality_assessmentanswer"' in sql]
    assert len(counting) == 3 and not [sql for sql in counting if "line_manager" in sql]
    # and a national reader's scope stays a subquery (not a parameter with every id in the country)
    national = [q["sql"] for q in _analytics_statements(personas.hq)]
    assert not [sql for sql in national if "json_each" in sql or "unnest" in sql]
