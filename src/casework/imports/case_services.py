"""Writing checked case groups (a case with its defendants, charges and hearings), a batch at a time.

Rows arrive already checked (imports.validation: the API's schemas for parsing, the case services'
own rules for what a case may hold). The batch writes through the shared audited batch
(casework.audit.versioned.AuditedBatch): the new records of each model in one INSERT, each with its
own `collect` event; a recorded value that differs is a versioned update with its `alter` event;
the batch's events are appended together and its cases queued for re-checking once. So a batch
costs a few statements per model, not a few round trips per row.

Records are matched on natural keys: a case by URN (in the unit); a defendant by case, names and
date of birth; a charge by defendant and offence; a hearing by case, type and start.
"""

from __future__ import annotations

from dataclasses import dataclass

from casework.audit.versioned import AuditedBatch, new_record
from casework.cases.models import Case, CaseStageEntry, Charge, Defendant, Hearing
from casework.core import clock
from casework.imports.validation import CaseGroup, DefendantKey, defendant_key
from casework.people.models import Unit, User


@dataclass
class ImportBatch(AuditedBatch):
    """An audited batch of one import run: the unit its records belong to, and the importing user
    (None: the command line, whose events carry the command's own label as actor)."""

    unit: Unit | None = None
    user: User | None = None


def write_cases(batch: ImportBatch, groups: list[CaseGroup]) -> None:
    """Create or update each group's case and parts, a model at a time, parents first. The stage
    of a recorded case moves only through its transition rules, never by import."""
    cases = {c.urn: c for c in Case.objects.filter(urn__in=[g.urn for g in groups], unit=batch.unit)}
    recorded = [case.pk for case in cases.values()]
    now = clock.now()
    new_cases: list[Case] = []
    for group in groups:
        values = {k: v for k, v in (group.case or {}).items() if k not in {"urn", "stage"}}
        case = cases.get(group.urn)
        if case is None:
            assert group.case is not None  # validation only lets through part rows of known cases
            case = new_record(
                Case,
                {"urn": group.urn, "unit": batch.unit, "stage": group.case["stage"], "stage_changed_at": now, **values},
            )
            cases[group.urn] = case
            new_cases.append(case)
        elif group.case is not None:
            batch.update(case, expected_version=case.version, values=values, case_id=case.pk)
    batch.create(new_cases, case_of=lambda case: case.pk)
    batch.add_parts(
        [
            new_record(
                CaseStageEntry,
                {"case": case, "stage": case.stage, "entered_at": now, "entered_by": batch.user, "reason": "Imported"},
            )
            for case in new_cases
        ]
    )
    defendants = _write_defendants(batch, groups, cases, recorded)
    _write_charges(batch, groups, defendants, recorded)
    _write_hearings(batch, groups, cases, recorded)


def _write_defendants(
    batch: ImportBatch, groups: list[CaseGroup], cases: dict[str, Case], recorded: list[int]
) -> dict[DefendantKey, Defendant]:
    urns = {case.pk: urn for urn, case in cases.items()}
    found = {
        defendant_key(urns[d.case_id], d.first_names, d.last_name, d.date_of_birth): d
        for d in Defendant.objects.filter(case_id__in=recorded)
    }
    new: list[Defendant] = []
    for group in groups:
        case = cases[group.urn]
        for row in group.defendants:
            key = defendant_key(case.urn, row["first_names"], row["last_name"], row["date_of_birth"])
            defendant = found.get(key)
            if defendant is None:
                found[key] = defendant = new_record(Defendant, {"case": case, **row})
                new.append(defendant)
            else:
                values = {"custody_status": row["custody_status"]}
                batch.update(defendant, expected_version=defendant.version, values=values, case_id=case.pk)
    batch.create(new, case_of=lambda defendant: defendant.case_id)
    return found


def _write_charges(
    batch: ImportBatch, groups: list[CaseGroup], defendants: dict[DefendantKey, Defendant], recorded: list[int]
) -> None:
    found = {(c.defendant_id, c.offence.casefold()): c for c in Charge.objects.filter(defendant__case_id__in=recorded)}
    new: list[Charge] = []
    for group in groups:
        for key, row in group.charges:
            defendant = defendants[key]
            charge = found.get((defendant.pk, row["offence"].casefold()))
            if charge is None:
                found[(defendant.pk, row["offence"].casefold())] = charge = new_record(
                    Charge, {"defendant": defendant, **row}
                )
                new.append(charge)
            else:
                values = {"classification": row["classification"], "charged_on": row["charged_on"]}
                batch.update(charge, expected_version=charge.version, values=values, case_id=defendant.case_id)
    batch.create(new, case_of=lambda charge: charge.defendant.case_id)


def _write_hearings(batch: ImportBatch, groups: list[CaseGroup], cases: dict[str, Case], recorded: list[int]) -> None:
    found = {(h.case_id, h.hearing_type, h.starts_at): h for h in Hearing.objects.filter(case_id__in=recorded)}
    new: list[Hearing] = []
    for group in groups:
        case = cases[group.urn]
        for row in group.hearings:
            hearing = found.get((case.pk, row["hearing_type"], row["starts_at"]))
            if hearing is None:
                found[(case.pk, row["hearing_type"], row["starts_at"])] = hearing = new_record(
                    Hearing, {"case": case, **row}
                )
                new.append(hearing)
            else:
                values = {"court": row["court"], "outcome": row["outcome"]}
                batch.update(hearing, expected_version=hearing.version, values=values, case_id=case.pk)
    batch.create(new, case_of=lambda hearing: hearing.case_id)
