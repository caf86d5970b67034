"""Two writers save the same version of one case at the same moment: one wins, one gets a conflict.

`run` races two database connections in one process; `run_http` races two client processes
against gunicorn's worker processes over HTTP, as real users would."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

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
    return _case_checks(result, ws, outcome, rounds)


def _case_checks(result: ScenarioResult, ws: Workspace, case: dict[str, Any], rounds: int) -> ScenarioResult:
    """What must hold of the raced case afterwards (faults.probe.race_check), and the chain."""
    result.check(
        "version advanced once per round, one alter event per win",
        case["version_advance"] == rounds and case["alter_events"] == rounds,
        f"version +{case['version_advance']}, alter events {case['alter_events']}",
    )
    result.check("stored value is the last audited one", case["current_matches_last_event"], "")
    report = ws.verify()
    result.check("audit verify intact", report["intact"], verify_summary(report))
    return result


def _patch(base: str, token: str, case_id: str, version: int, value: str) -> int:
    request = urllib.request.Request(  # noqa: S310 - the drill's own http://127.0.0.1 server
        f"{base}/api/v1/cases/{case_id}",
        method="PATCH",
        data=json.dumps({"summary": value, "version": version}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _racer(base: str, token: str, case_id: str, version: int, value: str, start: Any, answers: Any) -> None:
    """One client process: wait for the other, then send the same-version edit."""
    start.wait(timeout=60)
    try:
        answers.put((value, _patch(base, token, case_id, version, value)))
    except OSError as error:
        answers.put((value, f"no answer: {error}"))


def run_http(ws: Workspace, work: Path, *, rounds: int) -> ScenarioResult:
    """Two client processes send the same-version edit of one case to gunicorn's two worker
    processes at the same moment: each round one 200 and one 409, never two wins or a lost audit."""
    from faults.outage import _serve, _wait_ready, free_port

    result = ScenarioResult(name="concurrent-edits-one-case-http", backend=ws.backend)
    setup = ws.probe("api-token", EDITOR, "1")
    case_id, start_version = next(iter(setup["cases"].items()))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web = _serve(ws, port, work / "race-gunicorn.log")
    context = multiprocessing.get_context("spawn")
    outcomes: list[list[Any]] = []
    try:
        if not result.check("gunicorn ready", _wait_ready(base, 90), base):
            return result
        version = start_version
        for number in range(rounds):
            start, answers = context.Barrier(2), context.Queue()
            racers = [
                context.Process(
                    target=_racer,
                    args=(
                        base,
                        setup["token"],
                        case_id,
                        version,
                        f"http race {number} client {n}",
                        start,
                        answers,
                    ),
                )
                for n in (0, 1)
            ]
            for racer in racers:
                racer.start()
            statuses = sorted(str(answers.get(timeout=120)[1]) for _ in racers)
            for racer in racers:
                racer.join(timeout=30)
            outcomes.append(statuses)
            version += 1 if "200" in statuses else 0
    finally:
        web.terminate()
        try:
            web.wait(timeout=30)
        except subprocess.TimeoutExpired:
            web.kill()
    wins = sum(1 for statuses in outcomes if statuses == ["200", "409"])
    result.evidence["rounds"] = {"one_200_one_409": wins, "other": [s for s in outcomes if s != ["200", "409"]][:5]}
    result.check("every round: exactly one 200 and one 409 over HTTP", wins == rounds, f"{wins}/{rounds}")
    check = ws.probe("race-check", case_id, str(start_version), str(setup["baseline_seq"]))
    result.evidence["case"] = check
    return _case_checks(result, ws, check, rounds)
