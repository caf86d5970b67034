"""How assurance plugs into the rest: a guard on stage changes (blocking checkpoints) and
re-evaluation of a case after any committed change to it."""

from __future__ import annotations

from typing import Any


def connect() -> None:
    from casework.cases import services as case_services
    from casework.core.signals import case_changed

    if _stage_guard not in case_services.TRANSITION_GUARDS:
        case_services.TRANSITION_GUARDS.append(_stage_guard)
    case_changed.connect(_reevaluate, dispatch_uid="assurance-reevaluate")


def _stage_guard(case: Any, target_stage: str) -> str | None:
    from casework.assurance.services import blocking_checkpoint_refusal

    return blocking_checkpoint_refusal(case, target_stage)


def _reevaluate(sender: Any, case_id: int, **kwargs: Any) -> None:
    from casework.assurance.services import case_evaluate

    case_evaluate(case_id=case_id)
