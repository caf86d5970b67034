"""A case's own clocks, deadlines and verdicts are read through `visible_to` narrowed to that case:
for a national reader, `case IN (every case in normal work)` made SQLite list all 100,000 cases
for each read (about 200 ms each on the case page at 100,000 cases)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.assurance import selectors as assurance_selectors
from casework.cases.models import Case
from casework.progression import selectors as progression_selectors
from tests.factories import Personas

READS = {
    "clocks": lambda user, case_id: progression_selectors.clocks_for_case(user=user, case_id=case_id),
    "deadlines": lambda user, case_id: progression_selectors.deadlines_for_case(user=user, case_id=case_id),
    "verdicts": lambda user, case_id: assurance_selectors.current_verdicts(user=user, case_id=case_id),
}


@pytest.mark.django_db
@pytest.mark.parametrize("read", sorted(READS))
@pytest.mark.parametrize("who", ["hq", "area_leader_a", "manager_a", "prosecutor_a"])
def test_a_case_read_looks_up_only_that_case(personas: Personas, case_a: Case, case_b: Case, read, who) -> None:
    user = getattr(personas, who)
    with CaptureQueriesContext(connection) as captured:
        list(READS[read](user, case_a.pk))
    statement = next(q["sql"] for q in captured.captured_queries if "cases_case" in q["sql"])
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + statement)
            plan = [str(row[-1]) for row in cursor.fetchall()]
        # The case table is searched by its key, never scanned.
        assert not [step for step in plan if (step.startswith("SCAN") and "cases_case" in step) or step == "SCAN U0"], (
            plan
        )
    assert f'"id" = {case_a.pk}' in statement.replace("U0.", "").replace('"cases_case".', ""), statement


@pytest.mark.django_db
def test_the_narrowed_reads_still_refuse_a_case_out_of_reach(personas: Personas, case_a: Case, case_b: Case) -> None:
    """Narrowing to the case keeps visible_to's answer: another unit's prosecutor reads nothing."""
    from casework.progression.models import Deadline

    Deadline.objects.create(
        case=case_a,
        key="k",
        title="t",
        due_on="2026-04-01",
        created_at="2026-03-01T00:00Z",
        updated_at="2026-03-01T00:00Z",
    )
    assert progression_selectors.deadlines_for_case(user=personas.manager_a, case_id=case_a.pk).count() == 1
    outsider = personas.prosecutor_b
    assert case_a.allocated_lawyer_id != outsider.pk
    assert progression_selectors.deadlines_for_case(user=outsider, case_id=case_a.pk).count() == 0
