"""How many people each demo unit needs so its capacity figures tell a true story.

A unit's capacity (casework.resourcing) is the weighted caseload points its people carry as a share
of the points they have available. A fixed team per unit size reads 250-700% once a few thousand
cases are loaded, so the demo sizes each unit's legal, paralegal and manager staff from the work the
unit will actually hold: its planned number of cases times the points an average demo case puts on
each group, divided by the load the unit is designed to run at. Typical units are staffed to run at
about 95%; the designed problem units (PRESSURED_UNITS) are staffed short so they stand out.

The average points per case are measured, not assumed: a sample of cases is drawn with the demo's own
generator, given REM facts drawn as the resourcing demo draws them, banded and weighted by the REM
policy in force. So the sizing follows any change to the generator or the policy.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from casework.cases.choices import CustodyStatus
from casework.resourcing import rules
from casework.resourcing.demo import PREFERRED_UNIT as SHAPED_UNIT
from casework.resourcing.demo import _record_values as rem_record_values
from casework.resourcing.policy_data import POLICY_V1, POLICY_V1_SOURCE

if TYPE_CHECKING:
    import datetime as dt

    from casework.demo.generator import CasePlan, StaffPlan

#: The share of its available points a typical unit's planned work takes (80-110% reads as healthy).
TYPICAL_LOAD = Decimal("0.95")
#: Units the demo designs as problems, and the load they are staffed for. The resourcing demo's
#: shaped unit (one lawyer is a single point of failure, a Senior Crown Prosecutor post is vacant)
#: is short-staffed as well; a large unit is over-stretched across every grade.
OVERSTRETCHED_UNIT = "ccu-west-midlands"
PRESSURED_UNITS: dict[str, Decimal] = {SHAPED_UNIT: Decimal("1.30"), OVERSTRETCHED_UNIT: Decimal("1.50")}
#: Cases drawn at each stage to measure the average points a case at that stage carries.
CALIBRATION_CASES_PER_STAGE = 400

LAWYERS, PARALEGALS, MANAGERS = "lawyers", "paralegals", "managers"


def default_policy() -> rules.Policy:
    """The REM policy the demo sizes against when none is given (version 1, as migrated)."""
    return rules.policy_from_data(POLICY_V1, version=1, source=POLICY_V1_SOURCE)


def load_for(unit: str) -> Decimal:
    return PRESSURED_UNITS.get(unit, TYPICAL_LOAD)


@dataclass(frozen=True)
class PointsPerCase:
    """Average weighted caseload points one demo case puts on each staff group (closed cases: none)."""

    lawyers: Decimal
    paralegals: Decimal
    managers: Decimal

    def of(self, group: str) -> Decimal:
        return {LAWYERS: self.lawyers, PARALEGALS: self.paralegals, MANAGERS: self.managers}[group]


def case_points(
    plan: CasePlan, rng: random.Random, policy: rules.Policy, table: rules.ScoreTable
) -> dict[str, Decimal]:
    """The points one planned case puts on each group, its REM facts drawn as the resourcing demo does."""
    facts = rem_record_values(rng, plan.stage, "")
    custody = sum(1 for d in plan.defendants if d.custody_status == CustodyStatus.IN_CUSTODY)
    values = (
        len(plan.defendants),
        int(facts["victims"] or 0),  # type: ignore[call-overload]
        int(facts["witnesses"] or 0),  # type: ignore[call-overload]
        int(facts["pages_of_evidence"] or 0),  # type: ignore[call-overload]
        int(facts["unused_material_pages"] or 0),  # type: ignore[call-overload]
        int(plan.facts.get("trial_estimate_days") or 0),  # type: ignore[call-overload]
        1 if facts["international_element"] else 0,
        1 if facts["media_interest"] else 0,
        custody,
    )
    band = rules.band_for_values(values, plan.offence_categories, table)

    def points(role: str) -> Decimal:
        return rules.case_points(band=band, stage=plan.stage, role=role, policy=policy)

    return {
        LAWYERS: points("lead") + (points("deputy") if plan.deputy_lawyer else Decimal("0")),
        PARALEGALS: points("paralegal") if plan.paralegal else Decimal("0"),
        MANAGERS: points("manager") if plan.legal_manager else Decimal("0"),
    }


def points_per_case(plans: Iterable[CasePlan], *, seed: int, policy: rules.Policy) -> dict[str, PointsPerCase]:
    """The average points per case of each stage among `plans`."""
    rng = random.Random(f"{seed}:calibration")
    table = rules.score_table(policy)
    totals: dict[str, dict[str, Decimal]] = {}
    counts: Counter[str] = Counter()
    for plan in plans:
        counts[plan.stage] += 1
        stage_totals = totals.setdefault(plan.stage, dict.fromkeys((LAWYERS, PARALEGALS, MANAGERS), Decimal("0")))
        for group, value in case_points(plan, rng, policy, table).items():
            stage_totals[group] += value
    return {
        stage: PointsPerCase(*(totals[stage][g] / n for g in (LAWYERS, PARALEGALS, MANAGERS)))
        for stage, n in counts.items()
    }


def available_points(person: StaffPlan, *, policy: rules.Policy, on: dt.date) -> Decimal:
    """The points a planned person has available on `on`, as resourcing will compute them."""
    reductions = [rules.Reduction(a.kind, a.starts_on, a.ends_on, a.hours_per_week, a.reason) for a in person.absences]
    hours = rules.available_hours(contracted_hours=person.contracted_hours, reductions=reductions, on=on)
    target = policy.grade_targets.get(person.grade or "", policy.default_target)
    return rules.available_points(
        target=target, contracted_hours=person.contracted_hours, hours_available=hours, standard=policy.standard_hours
    )


def nominal_points(person: StaffPlan, *, policy: rules.Policy) -> Decimal:
    """The points a person carries at 100% when not absent: how much work to give them."""
    target = policy.grade_targets.get(person.grade or "", policy.default_target)
    return Decimal(target) * person.contracted_hours / policy.standard_hours


def team_names(count: int, base: list[str]) -> list[str]:
    """`count` team names: the base names, then numbered ones ("Serious Crime team 2")."""
    names = list(base[:count])
    round_ = 2
    while len(names) < count:
        names += [f"{name} {round_}" for name in base][: count - len(names)]
        round_ += 1
    return names
