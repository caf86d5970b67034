"""The IQA rules for the assurance engine: evaluators (pure), reading the facts that
quality.selectors.assurance_facts provides under FACTS_KEY.

Declared on QualityConfig (assurance_evaluators, assurance_facts); the rule rows (versioned data)
come from migration 0002_assurance_rules and name these evaluators.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from casework.assurance.facts import CaseFacts
from casework.assurance.rules import MET, NA, NOT_MET, EvaluationContext, Finding
from casework.core.words import plural
from casework.core.working_days import fmt

FACTS_KEY = "iqa"


def iqa_quota(facts: CaseFacts, params: Mapping[str, Any], ctx: EvaluationContext) -> Finding:
    """The case's allocated prosecutor received their IQA quota in the last complete quarter."""
    iqa = facts.extra.get(FACTS_KEY) or {}
    if iqa.get("prosecutor_id") is None or iqa.get("expected") is None:
        return Finding(NA, "The case has no allocated prosecutor to assess.")
    used = {k: iqa[k] for k in ("quarter", "expected", "received", "quota_explanation")}
    expected, received = int(iqa["expected"]), int(iqa["received"])
    if expected == 0:
        return Finding(NA, f"No assessment was due in {iqa['quarter']} ({iqa['quota_explanation']}).", facts=used)
    if received >= expected:
        return Finding(
            MET,
            f"The allocated prosecutor received {received} of {expected} assessments due in {iqa['quarter']}.",
            facts=used,
        )
    return Finding(
        NOT_MET,
        f"The allocated prosecutor received {received} of {expected} assessments due in "
        f"{iqa['quarter']} ({iqa['quota_explanation']}).",
        "Their manager completes the outstanding quality assessments (see IQA coverage).",
        used,
    )


def iqa_feedback_timely(facts: CaseFacts, params: Mapping[str, Any], ctx: EvaluationContext) -> Finding:
    """Feedback on each assessment of this case was given within N days of submission."""
    iqa = facts.extra.get(FACTS_KEY) or {}
    assessments = iqa.get("assessments") or []
    if not assessments:
        return Finding(NA, "No quality assessment of this case has been submitted.")
    days = int(params.get("days", iqa.get("feedback_days", 14)))
    late = []
    for item in assessments:
        due = item["submitted_on"] + dt.timedelta(days=days)
        given = item["feedback_on"]
        if given is None and ctx.today > due:
            late.append(f"assessment {item['assessment_id']} (due {fmt(due)}, not given)")
        elif given is not None and given > due:
            late.append(f"assessment {item['assessment_id']} (given {fmt(given)}, due {fmt(due)})")
    used = {"assessments": len(assessments), "late": len(late), "days": days}
    if late:
        return Finding(
            NOT_MET,
            f"Feedback late: {'; '.join(late[:5])}.",
            f"Hold the feedback meeting and record it within {days} days of submission.",
            used,
        )
    return Finding(
        MET,
        f"Feedback on {plural(len(assessments), 'assessment')} given or not yet due within {plural(days, 'day')}.",
        facts=used,
    )
