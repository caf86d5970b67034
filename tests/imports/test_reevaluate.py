"""An import batch re-evaluates its changed cases together, with the same verdicts as one by one."""

from __future__ import annotations

from casework.assurance.models import VerdictPeriod
from casework.assurance.services import case_evaluate
from casework.cases.models import Case
from casework.core.signals import case_changed
from casework.imports.services import import_run
from tests.imports.conftest import standard_files


def test_imported_cases_get_the_verdicts_a_single_evaluation_gives(
    personas, mapping, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        import_run(actor=personas.admin, files=standard_files(4), mapping=mapping, unit=personas.unit_a, batch_size=3)
    cases = list(Case.objects.filter(urn__startswith="42IM"))
    periods = VerdictPeriod.objects.filter(case__in=cases)
    assert {p.case_id for p in periods} == {c.pk for c in cases}
    before = sorted(periods.values_list("pk", "case_id", "rule_code", "outcome", "valid_to"))
    for case in cases:
        case_evaluate(case_id=case.pk)
    # Evaluating one by one opens and closes nothing: the batch stored exactly those verdicts.
    assert sorted(periods.values_list("pk", "case_id", "rule_code", "outcome", "valid_to")) == before


def test_assurance_is_the_only_listener_to_case_changes():
    """The import notifies assurance directly (in bulk). A new listener must be told by the import
    too: extend casework.imports.reevaluate, then this list."""
    receivers, _ = case_changed._live_receivers(sender=Case)
    assert [f"{r.__module__}.{r.__name__}" for r in receivers] == ["casework.assurance.hooks._reevaluate"]
