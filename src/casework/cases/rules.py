"""Pure rules for the case register: the stage machine. No ORM, no I/O, no clock."""

from __future__ import annotations

from dataclasses import dataclass

from casework.cases.choices import Stage

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
