"""Pure rules for the case register: the stage machine and what a case may record. No ORM, no I/O,
no clock."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from casework.cases.choices import Stage
from casework.core import dates
from casework.people.choices import RoleCode

#: Which stage may follow which. Pre-charge cases may end in NFA; charged cases may be
#: discontinued at any point before sentence. Finalised, discontinued and NFA are terminal.
TRANSITIONS: dict[str, frozenset[str]] = {
    Stage.PRE_CHARGE: frozenset({Stage.CHARGING_DECISION, Stage.NO_FURTHER_ACTION}),
    Stage.CHARGING_DECISION: frozenset({Stage.CHARGED, Stage.NO_FURTHER_ACTION, Stage.PRE_CHARGE}),
    Stage.CHARGED: frozenset({Stage.PTPH, Stage.DISCONTINUED}),
    Stage.PTPH: frozenset({Stage.TRIAL_PREPARATION, Stage.SENTENCE, Stage.DISCONTINUED}),
    Stage.TRIAL_PREPARATION: frozenset({Stage.TRIAL, Stage.SENTENCE, Stage.DISCONTINUED}),
    Stage.TRIAL: frozenset({Stage.SENTENCE, Stage.FINALISED, Stage.TRIAL_PREPARATION, Stage.DISCONTINUED}),
    Stage.SENTENCE: frozenset({Stage.FINALISED}),
    Stage.FINALISED: frozenset(),
    Stage.DISCONTINUED: frozenset(),
    Stage.NO_FURTHER_ACTION: frozenset(),
}

STAGE_ORDER: list[str] = list(Stage.values)
_WHY_TERMINAL = "the case is closed; reopen it by recording a new case if work resumes"


@dataclass(frozen=True)
class TransitionVerdict:
    allowed: bool
    reason: str


def check_transition(current: str, target: str) -> TransitionVerdict:
    """Can a case at `current` move to `target`? The reason explains a refusal in plain English."""
    if target not in TRANSITIONS:
        return TransitionVerdict(False, f"“{target}” is not a stage")
    if current == target:
        return TransitionVerdict(False, f"the case is already at “{Stage(current).label}”")
    allowed = TRANSITIONS[current]
    if target in allowed:
        return TransitionVerdict(True, f"{Stage(current).label} → {Stage(target).label}")
    if not allowed:
        return TransitionVerdict(False, f"{Stage(current).label}: {_WHY_TERMINAL}")
    options = ", ".join(Stage(s).label for s in sorted(allowed, key=STAGE_ORDER.index))
    return TransitionVerdict(
        False, f"a case at “{Stage(current).label}” cannot move to “{Stage(target).label}”; next can be: {options}"
    )


def allowed_next_stages(current: str) -> list[str]:
    return sorted(TRANSITIONS.get(current, frozenset()), key=STAGE_ORDER.index)


# --- what a case may record ---------------------------------------------------------------------
# The one owner of a case's validity: the services call these, and so (through the services) do
# the web form, the API, the importer and the demo loader. A rule enforced anywhere else is a hole.

URN_PATTERN = re.compile(r"^[A-Z0-9]{6,20}$")
URN_MESSAGE = "Enter a URN of 6 to 20 letters and numbers, with no spaces or punctuation, for example 42AB1234526"

#: Roles fit for each allocation on a case, and how to describe them in a message.
LEGAL_ROLES = frozenset({RoleCode.PROSECUTOR, RoleCode.LEGAL_MANAGER, RoleCode.UNIT_HEAD})
MANAGER_ROLES = frozenset({RoleCode.LEGAL_MANAGER, RoleCode.UNIT_HEAD})
ALLOCATIONS: dict[str, tuple[frozenset[str], str]] = {
    "allocated_lawyer_id": (LEGAL_ROLES, "a prosecutor, legal manager or unit head"),
    "deputy_lawyer_id": (LEGAL_ROLES, "a prosecutor, legal manager or unit head"),
    "paralegal_id": (frozenset({RoleCode.PARALEGAL}), "a paralegal officer"),
    "legal_manager_id": (MANAGER_ROLES, "a legal manager or unit head"),
}
#: Case dates that cannot lie in the future.
PAST_ONLY_DATES = frozenset({"date_of_birth", "first_custody_on"})


def normalise_urn(value: str) -> str:
    return value.strip().upper()


def urn_problem(urn: str) -> str | None:
    """Why `urn` (already normalised) is not a URN, or None."""
    return None if URN_PATTERN.fullmatch(urn) else URN_MESSAGE


@dataclass(frozen=True)
class StaffMember:
    """What the allocation rule needs to know about a person."""

    id: int
    unit_id: int | None
    is_active: bool
    roles: frozenset[str]


@dataclass(frozen=True)
class CaseReferences:
    """Facts about the records a case may name, gathered once: for one write, or for a whole
    import or demo batch. Anything absent from a mapping does not exist (or is not usable)."""

    staff: Mapping[int, StaffMember]
    #: Police forces serving each unit's Areas.
    unit_forces: Mapping[int, frozenset[int]]
    active_criteria: frozenset[int]
    categories: frozenset[int]


def allocation_problems(
    *, unit_id: int, values: Mapping[str, Any], staff: Mapping[int, StaffMember]
) -> dict[str, list[str]]:
    """Each person allocated to a case must be active staff of the case's unit with a fitting role.

    Anyone else (another unit's prosecutor, police, an administrator, someone who has left) would
    gain the case through the allocation: access outside the unit is only by break-glass or a
    reviewed grant, never by being written on a case.
    """
    errors: dict[str, list[str]] = {}
    for field, (roles, described) in ALLOCATIONS.items():
        person_id = values.get(field)
        if not person_id:
            continue
        person = staff.get(person_id)
        if person is None or not person.is_active or person.unit_id != unit_id:
            errors[field] = [f"Choose {described} who works in this case's unit"]
        elif not person.roles & roles:
            errors[field] = [f"Choose {described}: this person's role cannot take this allocation"]
    return errors


def acceptance_problems(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """A case is accepted on a listed criterion or by a CCP direction, never both."""
    if values.get("acceptance_criterion_id") and (values.get("ccp_direction_reason") or "").strip():
        return {"ccp_direction_reason": ["Leave the CCP direction empty when you choose a listed criterion"]}
    return {}


def reference_problems(*, unit_id: int, values: Mapping[str, Any], refs: CaseReferences) -> dict[str, list[str]]:
    """Ids of the lead force, acceptance criterion and offence categories must name usable records."""
    errors: dict[str, list[str]] = {}
    force = values.get("lead_force_id")
    if force and force not in refs.unit_forces.get(unit_id, frozenset()):
        errors["lead_force_id"] = ["Choose a police force that serves this unit's Area"]
    criterion = values.get("acceptance_criterion_id")
    if criterion and criterion not in refs.active_criteria:
        errors["acceptance_criterion_id"] = ["Choose a current acceptance criterion"]
    unknown = sorted(set(values.get("offence_category_ids") or ()) - refs.categories)
    if unknown:
        errors["offence_category_ids"] = [f"No offence category has id {pk}" for pk in unknown]
    return errors


def case_problems(
    *,
    unit_id: int,
    values: Mapping[str, Any],
    refs: CaseReferences,
    today: dt.date,
    urn: str | None = None,
    acceptance: Mapping[str, Any] | None = None,
) -> dict[str, list[str]]:
    """Every field problem of a case write, keyed by attribute name.

    `values` are the fields being set (for an update: only those that change, so an edit is
    never refused for a value recorded earlier); `urn` is given when the case is created;
    `acceptance` is the acceptance basis after the write (defaults to `values`).
    """
    errors: dict[str, list[str]] = {}
    if urn is not None and (problem := urn_problem(urn)):
        errors["urn"] = [problem]
    errors |= reference_problems(unit_id=unit_id, values=values, refs=refs)
    errors |= allocation_problems(unit_id=unit_id, values=values, staff=refs.staff)
    errors |= acceptance_problems(acceptance if acceptance is not None else values)
    errors |= part_problems(values, today=today)
    return errors


NUL_MESSAGE = "Remove the invisible NUL character (often pasted from another system): it cannot be stored"


def part_problems(values: Mapping[str, Any], *, today: dt.date) -> dict[str, list[str]]:
    """The values of a case or one of its parts (defendant, charge, hearing, document, review): dates
    plausible, and no text with a NUL character (PostgreSQL cannot store one in text)."""
    errors = dates.date_field_errors(values, today=today, past_only=PAST_ONLY_DATES)
    born, first_custody = values.get("date_of_birth"), values.get("first_custody_on")
    if isinstance(born, dt.date) and isinstance(first_custody, dt.date) and first_custody <= born:
        errors.setdefault("first_custody_on", []).append("Date first in custody must be after the date of birth")
    for field, value in values.items():
        if isinstance(value, str) and "\x00" in value:
            errors.setdefault(field, []).append(NUL_MESSAGE)
    return errors


# --- reasons people give -------------------------------------------------------------------------

JUSTIFICATION_MESSAGE = (
    "Explain in a few words why you need this case, for example: covering a colleague's hearing tomorrow"
)


def justification_problem(text: str) -> str | None:
    """Why a typed reason (break-glass) is not a reason a manager could review, or None.

    At least 3 words and 15 characters, a real spread of letters, and not one word or one
    character repeated: "aaaaaaaaaa" or "test test test" records nothing.
    """
    words = re.findall(r"[^\W\d_]+", text.casefold())
    letters = "".join(words)
    if len(" ".join(text.split())) < 15 or len(words) < 3:
        return JUSTIFICATION_MESSAGE
    if len(set(letters)) < 6 or re.search(r"(.)\1{3,}", letters):
        return JUSTIFICATION_MESSAGE
    most_common = max(words.count(word) for word in set(words))
    if most_common * 2 > len(words) or len(set(words)) < 3:
        return JUSTIFICATION_MESSAGE
    return None
