"""Two writers save the same version of one case at the same moment: one wins, one gets a conflict."""

from __future__ import annotations

from faults.report import ScenarioResult
from faults.workspace import Workspace, verify_summary

EDITOR = "auto"  # a manager of the busiest unit (faults.probe.editor)


def run(ws: Workspace, *, rounds: int) -> ScenarioResult:
    result = ScenarioResult(name="concurrent-edits-one-case", backend=ws.backend)
    outcome = ws.probe("race", EDITOR, str(rounds), timeout=600)
    result.evidence["race"] = outcome
    result.check(
        "every round: exactly one winner and one EditConflict (409)",
        outcome["one_winner_one_conflict"] == rounds,
        f"{outcome['one_winner_one_conflict']}/{rounds}; other outcomes: {outcome['other_outcomes'][:3]}",
    )
    result.check(
        "version advanced once per round, one alter event per win",
        outcome["version_advance"] == rounds and outcome["alter_events"] == rounds,
        f"version +{outcome['version_advance']}, alter events {outcome['alter_events']}",
    )
    result.check("stored value is the last audited one", outcome["current_matches_last_event"], "")
    report = ws.verify()
    result.check("audit verify intact", report["intact"], verify_summary(report))
    return result
