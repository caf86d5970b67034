"""Stored per-unit summaries: what each unit's open cases give the national resourcing pages.

The overview and capacity by grade read every open case (with its stored band), summed points per
person in Python and read key dates for the resilience findings: seconds at national scale. They
read instead one `UnitSummary` row per unit (open cases, cases per band, the resilience findings)
and its `UnitLoad` rows (each person's weighted points and cases from that unit's open cases): rows
per unit and per person with a caseload, never per case. A unit's own pages (its report, vacancies,
exports and API answer) read the same row, so they no longer read the unit's ~5,000 open cases and
their key dates per request.

Only what comes from cases is stored. People's grade, unit, FTE, hours and absences (so available
points), and open vacancies, are read live on every request, so a change to a person shows at once.

Kept current:
- A write to a case (or its REM record, a defendant...) deletes the summary of the case's unit and of
  the unit it was in when banded, inside the writing transaction (`stored.invalidate`), so a notified
  change or move is never hidden behind a stored figure.
- A page works out live, for that request, the units with no summary for today under the REM policy
  version in force and this module's REVISION (so a new weighting version, a new day or a change to
  what is stored applies at once).
- A unit's own pages also check the unit still has the same open cases as when its summary was
  stored (their number and the sum of their ids: one indexed query), so a case moved or closed
  without notification is never counted in the unit it left; otherwise they work the unit out live.
- The ten-minute refresh (`resourcing-bands`) and the nightly one store every unit's summary again
  (`refresh`), so changes written without notification (a bare database update, an absence edited in
  the admin) show within ten minutes; pages say "Figures as at" the oldest summary they used.

Every figure is per unit and read only for units the page's reader may open (units_visible_to), so
no reader sees another unit's figures. tests/resourcing/test_stored.py and
tests/resourcing/test_unit_summary.py check the pages' figures equal a live computation.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Sum

from casework.cases.choices import OPEN_STAGES
from casework.cases.models import Case
from casework.core import clock
from casework.people.models import Unit
from casework.resourcing import reports, rules, selectors, stored
from casework.resourcing.models import UnitLoad, UnitSummary

Loads = dict[int, tuple[Decimal, int]]
Membership = tuple[int, int]

#: Change when what a summary stores, or how it is worked out, changes: older rows are then unused.
REVISION = 1


@dataclass(frozen=True)
class UnitFigures:
    """One unit's case-derived figures: open cases, cases per band, resilience findings, and each
    holder's (weighted points, cases) from the unit's open cases."""

    open_cases: int
    band_counts: dict[str, int]
    findings: int
    loads: Loads
    #: The findings themselves: read only for a unit's own pages (`read(..., detail=True)`).
    finding_list: tuple[rules.Finding, ...] = ()


@dataclass(frozen=True)
class Summaries:
    """Units' figures for a page: `as_of` the oldest stored summary used (None when none was);
    `units_now` units worked out for this request and `banded_now` cases banded for it."""

    units: dict[int, UnitFigures]
    as_of: dt.datetime | None
    units_now: int
    banded_now: int
    #: The units whose figures are stored. Read with `loads=False`, their caseloads stay in the
    #: database (`UnitLoad` rows of these summaries) for a grouped sum: `loads` then refuses.
    stored: tuple[int, ...] = ()
    stored_loads_read: bool = True

    def loads(self, unit_ids: Iterable[int]) -> Iterable[Loads]:
        if not self.stored_loads_read:
            raise ValueError("Stored caseloads were left in the database: use live_loads and stored.")
        return (self.units[pk].loads for pk in unit_ids if pk in self.units)

    def live_loads(self) -> list[Loads]:
        """Caseloads of the units worked out for this request."""
        stored = set(self.stored)
        return [figures.loads for pk, figures in self.units.items() if pk not in stored]


@dataclass(frozen=True)
class WorkedOut:
    """The live computation's answer: each unit's figures, its open cases' membership, and the
    number of cases banded now (their stored band was missing or out of date)."""

    units: dict[int, UnitFigures]
    membership: dict[int, Membership]
    banded_now: int


def work_out(unit_ids: Sequence[int], *, on: dt.date, policy: rules.Policy) -> WorkedOut:
    """The live computation: each unit's figures from its open cases."""
    ids = sorted(unit_ids)
    scope = stored.open_cases(ids, policy)
    figures = reports.case_figures(ids, scope, on=on, policy=policy)
    rows: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    membership: dict[int, Membership] = {pk: (0, 0) for pk in ids}
    for r in scope.rows:
        rows[r[2]].append((r[0], r[3], *r[4:]))
        count, total = membership[r[2]]
        membership[r[2]] = (count + 1, total + r[0])
    result = {
        pk: UnitFigures(
            open_cases=figures[pk].open_cases,
            band_counts=figures[pk].band_counts,
            findings=len(figures[pk].findings),
            loads=selectors.case_loads(rows[pk], scope.bands, policy),
            finding_list=tuple(figures[pk].findings),
        )
        for pk in ids
    }
    return WorkedOut(result, membership, scope.banded_now)


def membership(unit_ids: Sequence[int]) -> dict[int, Membership]:
    """(number, sum of ids) of each unit's open cases now: one query over the (unit, stage) index."""
    found: dict[int, Membership] = {pk: (0, 0) for pk in unit_ids}
    for unit_id, count, total in (
        Case.objects.filter(unit_id__in=list(unit_ids), stage__in=OPEN_STAGES)
        .values("unit_id")
        .annotate(n=Count("pk"), s=Sum("pk"))
        .order_by()
        .values_list("unit_id", "n", "s")
    ):
        found[unit_id] = (int(count), int(total or 0))
    return found


def _finding_data(finding: rules.Finding) -> dict[str, Any]:
    return {
        "kind": finding.kind,
        "severity": finding.severity,
        "text": finding.text,
        "case_ids": list(finding.case_ids),
        "person_id": finding.person_id,
    }


def _finding(data: dict[str, Any]) -> rules.Finding:
    return rules.Finding(data["kind"], data["severity"], data["text"], tuple(data["case_ids"]), data["person_id"])


def read(
    unit_ids: Sequence[int], *, on: dt.date, policy: rules.Policy, detail: bool = False, loads: bool = True
) -> Summaries:
    """These units' figures: stored where the summary is for `on` under `policy` and REVISION, else
    worked out now. `detail` (a unit's own pages): with the findings themselves, and stored only
    while the unit's open cases are those the summary was worked out from. `loads=False` leaves the
    stored caseloads (a row per person) in the database, for pages that only sum them by group."""
    ids = sorted(set(unit_ids))
    columns = ["unit_id", "computed_at", "open_cases", "findings", "band_counts", "case_count", "case_sum"]
    found = {
        row.unit_id: row
        for row in UnitSummary.objects.filter(
            unit_id__in=ids, on=on, policy_version=policy.version, revision=REVISION
        ).only(*columns, *(["finding_list"] if detail else []))
    }
    if detail and found:
        now = membership(sorted(found))
        found = {pk: row for pk, row in found.items() if now[pk] == (row.case_count, row.case_sum)}
    held: dict[int, Loads] = defaultdict(dict)
    if found and loads:
        for unit_id, person_id, points, cases in UnitLoad.objects.filter(summary_id__in=sorted(found)).values_list(
            "summary_id", "person_id", "points", "cases"
        ):
            held[unit_id][person_id] = (points, cases)
    units = {
        pk: UnitFigures(
            row.open_cases,
            dict(row.band_counts),
            row.findings,
            held[pk],
            tuple(_finding(f) for f in row.finding_list) if detail else (),
        )
        for pk, row in found.items()
    }
    missing = [pk for pk in ids if pk not in found]
    banded_now = 0
    if missing:
        live = work_out(missing, on=on, policy=policy)
        units.update(live.units)
        banded_now = live.banded_now
    as_of = min((row.computed_at for row in found.values()), default=None)
    return Summaries(units, as_of, len(missing), banded_now, tuple(sorted(found)), loads)


def refresh(unit_ids: Iterable[int] | None = None) -> dict[str, Any]:
    """Work out and store each unit's summary for today (all units by default), a unit per
    transaction (IMMEDIATE on SQLite, so no change slips between its read and its write)."""
    started = time.perf_counter()
    today = clock.today()
    try:
        policy = selectors.policy_on(today)
    except LookupError:  # no REM policy in force: no figures to store
        return {"units": 0, "on": today.isoformat(), "seconds": 0.0}
    units = sorted(set(unit_ids)) if unit_ids is not None else list(Unit.objects.values_list("pk", flat=True))
    for unit_id in units:
        with transaction.atomic():
            live = work_out([unit_id], on=today, policy=policy)
            figures = live.units[unit_id]
            case_count, case_sum = live.membership[unit_id]
            UnitSummary.objects.filter(unit_id=unit_id).delete()
            summary = UnitSummary.objects.create(
                unit_id=unit_id,
                on=today,
                policy_version=policy.version,
                computed_at=clock.now(),
                open_cases=figures.open_cases,
                findings=figures.findings,
                band_counts=figures.band_counts,
                finding_list=[_finding_data(f) for f in figures.finding_list],
                case_count=case_count,
                case_sum=case_sum,
                revision=REVISION,
            )
            UnitLoad.objects.bulk_create(
                UnitLoad(summary=summary, person_id=person_id, points=points, cases=cases)
                for person_id, (points, cases) in figures.loads.items()
            )
    return {"units": len(units), "on": today.isoformat(), "seconds": round(time.perf_counter() - started, 3)}
