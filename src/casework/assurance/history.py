"""Verdict history for past month ends, worked out from what the case records say happened when.

The dashboards' monthly trends (assurance dashboard, oversight) count the verdicts holding at each
month end. A database that was filled in one go (the demo, an import of existing casework) has a
single sweep, so every month before this one would be empty. `replay_month_ends` re-runs the
engine at each past month end, in date order, over each case's facts *as at that date*, and stores
the results through `services.store_verdicts(now=month_end)`, exactly as a sweep on that night would
have. Run it before today's sweep, which then closes these periods and opens today's.

What "as at" can and cannot know (the safe side is taken where the records are silent):
- a case appears once it has entered a stage (or been accepted); its stage is the last one entered
  by that date;
- documents count with the versions created by then; reviews, hearing record sheets, CTL log
  entries, exemptions and sign-off decisions count only if dated on or before the day; key dates
  (acceptance, case plan, HQ notice, VHCC receipt, panel) only if on or before it;
- waivers record no grant date, so none is assumed to have held in the past (a not-met verdict
  then shows as not met, the stricter reading);
- facts only held as current state (running CTL clocks, the defendant count, categories) are
  taken as they are today. Other apps' facts are asked for as at the day.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from casework.assurance import engine, selectors
from casework.assurance.dashboard import TREND_MONTHS, month_end_instants
from casework.assurance.facts import CaseFacts
from casework.assurance.services import evaluation_context, store_verdicts
from casework.cases.models import Case
from casework.core import clock

BATCH_SIZE = 500


def _by(day: dt.date, value: dt.date | None) -> dt.date | None:
    return value if value is not None and value <= day else None


def facts_as_at(facts: CaseFacts, day: dt.date, extra: dict[str, object] | None = None) -> CaseFacts | None:
    """The case's facts as the records show them at the end of `day`; None if the case did not exist yet."""
    entered = {stage: on for stage, on in facts.stage_entered.items() if on <= day}
    if not entered and _by(day, facts.accepted_on) is None:
        return None
    stage = max(entered, key=lambda s: entered[s]) if entered else facts.stage
    documents = []
    for doc in facts.documents:
        versions = tuple(v for v in doc.versions if v.created_on <= day)
        if versions or not doc.versions:
            documents.append(dataclasses.replace(doc, versions=versions))
    return dataclasses.replace(
        facts,
        stage=stage,
        stage_entered=entered,
        accepted_on=_by(day, facts.accepted_on),
        vhcc_received_on=_by(day, facts.vhcc_received_on),
        case_plan_agreed_on=_by(day, facts.case_plan_agreed_on),
        hq_notified_on=_by(day, facts.hq_notified_on),
        documents=tuple(documents),
        exemptions={k: e for k, e in facts.exemptions.items() if e.approved_on <= day},
        waivers={},
        reviews=tuple(r for r in facts.reviews if r[1] <= day),
        hrs_filed_on=tuple(d for d in facts.hrs_filed_on if d <= day),
        ctl_log_dates=tuple(d for d in facts.ctl_log_dates if d <= day),
        signoffs={k: s for k, s in facts.signoffs.items() if s.decided_on is not None and s.decided_on <= day},
        panel_registered_on=_by(day, facts.panel_registered_on),
        panel_last_meeting_on=_by(day, facts.panel_last_meeting_on),
        extra=facts.extra if extra is None else extra,
    )


@dataclass
class HistoryReport:
    months: int = 0
    cases: int = 0
    verdicts: int = 0
    opened: int = 0
    seconds: float = 0.0


def past_month_ends(now: dt.datetime, months: int = TREND_MONTHS) -> list[tuple[dt.date, dt.datetime]]:
    """(last day, the instant after it) of each complete month the trend shows, oldest first."""
    return [
        (clock.local(instant).date() - dt.timedelta(days=1), instant)
        for _, instant in month_end_instants(now, months)[:-1]
    ]


def replay_month_ends(
    *, now: dt.datetime, months: int = TREND_MONTHS, progress: Callable[[str], None] | None = None
) -> HistoryReport:
    """Store the verdicts each past month end would have given (see the module note). The case
    facts are read once per batch; each month end then costs an engine pass in Python and the
    other apps' facts for that day. Months go oldest first so each case's periods follow in order."""
    started = time.perf_counter()
    ends = past_month_ends(now, months)
    report = HistoryReport(months=len(ends))
    setups = [(day, instant, selectors.rules_in_force(day), evaluation_context(day)) for day, instant in ends]
    providers = selectors.FACTS_PROVIDERS.by_key()
    ids_all = list(Case.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids_all), BATCH_SIZE):
        ids = ids_all[start : start + BATCH_SIZE]
        facts = selectors.facts_for_cases(ids, clock.local(now).date())
        for day, instant, rules, ctx in setups:
            extras = {name: provider(ids, day) for name, provider in providers.items()}
            verdicts = {}
            for case_id, case_facts in facts.items():
                extra = {name: values[case_id] for name, values in extras.items() if case_id in values}
                past = facts_as_at(case_facts, day, extra)
                if past is not None:
                    verdicts[case_id] = engine.evaluate(past, rules, ctx)
            with transaction.atomic():
                opened, _closed = store_verdicts(verdicts_by_case=verdicts, now=instant)
            report.opened += opened
            report.verdicts += sum(len(v) for v in verdicts.values())
        report.cases += len(ids)
        if progress is not None:
            progress(f"history: cases {report.cases}/{len(ids_all)} ({time.perf_counter() - started:.1f} s)")
    report.seconds = round(time.perf_counter() - started, 3)
    return report
