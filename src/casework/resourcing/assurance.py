"""The REM currency rule for the assurance engine: a pure evaluator, reading the facts that
resourcing.selectors.assurance_facts provides under FACTS_KEY.

Declared on ResourcingConfig (assurance_evaluators, assurance_facts); the rule row (versioned
data) comes from migration 0003_assurance_rule and names this evaluator.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from casework.assurance.facts import CaseFacts
from casework.assurance.rules import MET, NA, NOT_MET, EvaluationContext, Finding
from casework.resourcing import rules

FACTS_KEY = "rem"


def rem_record_current(facts: CaseFacts, params: Mapping[str, Any], ctx: EvaluationContext) -> Finding:
    """Every open case has a REM record that is complete and updated within N days of a stage change."""
    rem = facts.extra.get(FACTS_KEY)
    if not rem:
        return Finding(NA, "No resourcing facts were available for the case.")
    days = int(params.get("days", rem["days"]))
    record: rules.RecordFacts = rem["facts"]
    verdict = rules.record_currency(record, today=ctx.today, days=days)
    used = {
        "record_exists": record.exists,
        "stage_changed_on": record.stage_changed_on.isoformat() if record.stage_changed_on else None,
        "record_updated_on": record.updated_on.isoformat() if record.updated_on else None,
        "days": days,
    }
    if verdict.ok:
        return Finding(MET, "The REM record is complete and current.", facts=used)
    if not record.exists and verdict.current:
        due = f" (due by {verdict.due_by:%d %B %Y})" if verdict.due_by else ""
        return Finding(
            NA, f"Not yet due: the REM record is expected within {days} days of the stage change{due}.", facts=used
        )
    return Finding(
        NOT_MET,
        "REM record: " + "; ".join(verdict.problems) + ".",
        "Open the case's resourcing page, complete the REM record and save it (or confirm it is still current).",
        used,
    )
