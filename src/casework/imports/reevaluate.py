"""Re-evaluating the cases an import batch changed, in one pass per batch.

Every other write tells assurance about a changed case through `notify_case_changed` (the
`case_changed` signal), which evaluates one case at a time: about 30 queries a case, which was
nine tenths of an import's time. An import batch touches hundreds of cases at once, so it
evaluates them together the way the nightly sweep does (a fixed number of queries per batch).
tests/imports/test_reevaluate.py fails if another receiver of `case_changed` appears, because an
import would then have to notify it too.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from casework.assurance import engine, selectors
from casework.assurance.services import evaluation_context, store_verdicts
from casework.core import clock


def cases_reevaluate(case_ids: Iterable[int]) -> None:
    """Evaluate these cases against the rules in force and store the verdicts that changed."""
    ids = sorted(set(case_ids))
    if not ids:
        return
    today = clock.today()
    rules = selectors.rules_in_force(today)
    ctx = evaluation_context(today)
    facts = selectors.facts_for_cases(ids, today)
    verdicts = {case_id: engine.evaluate(case_facts, rules, ctx) for case_id, case_facts in facts.items()}
    with transaction.atomic():
        store_verdicts(verdicts_by_case=verdicts, now=clock.now())


def reevaluate_on_commit(case_ids: set[int]) -> None:
    """After the batch commits (a rolled-back batch changed nothing and evaluates nothing)."""
    if case_ids:
        frozen = frozenset(case_ids)
        transaction.on_commit(lambda: cases_reevaluate(frozen), robust=True)
