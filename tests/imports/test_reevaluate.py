"""An import batch queues its changed cases for re-checking together; the worker's batch
re-check gives the same verdicts as evaluating one case at a time."""

from __future__ import annotations

from django_tasks_db.models import DBTaskResult

from casework.assurance.models import PendingRecheck, VerdictPeriod
from casework.assurance.services import case_evaluate
from casework.cases.models import Case
from casework.imports.services import import_run
from tests.imports.conftest import standard_files


def test_imported_cases_are_queued_once_and_get_the_verdicts_a_single_evaluation_gives(
    personas, mapping, run_queued_tasks
):
    before = DBTaskResult.objects.count()
    import_run(actor=personas.admin, files=standard_files(4), mapping=mapping, unit=personas.unit_a, batch_size=3)
    cases = list(Case.objects.filter(urn__startswith="42IM"))
    assert {row.case_id for row in PendingRecheck.objects.all()} == {c.pk for c in cases}
    assert DBTaskResult.objects.count() - before == 2, "one re-check task per batch (two batches), not per case"
    assert not VerdictPeriod.objects.filter(case__in=cases).exists(), "the import itself evaluates nothing"

    run_queued_tasks()
    assert not PendingRecheck.objects.exists()
    periods = VerdictPeriod.objects.filter(case__in=cases)
    assert {p.case_id for p in periods} == {c.pk for c in cases}
    stored = sorted(periods.values_list("pk", "case_id", "rule_code", "outcome", "valid_to"))
    for case in cases:
        case_evaluate(case_id=case.pk)
    # Evaluating one by one opens and closes nothing: the batch stored exactly those verdicts.
    assert sorted(periods.values_list("pk", "case_id", "rule_code", "outcome", "valid_to")) == stored
