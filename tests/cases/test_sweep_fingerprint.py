"""The rules fingerprint a nightly sweep stores with each case must be the same in every process:
one that changed from run to run would make every case due every night (incremental in name only)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from casework.assurance import selectors as assurance_selectors
from casework.assurance import services as assurance_services
from casework.cases import sweep_marks
from casework.core import clock
from casework.progression import selectors as progression_selectors
from casework.progression.sweep import working_calendar

ROOT = Path(__file__).resolve().parents[2]


def _addresses_in(value) -> list[str]:
    text = json.dumps(sweep_marks._plain(value), sort_keys=True)
    return [part for part in text.split('"') if " at 0x" in part]


def test_a_function_is_fingerprinted_by_name_not_by_address() -> None:
    assert sweep_marks._plain(working_calendar) == f"{working_calendar.__module__}.working_calendar"
    assert "0x" not in sweep_marks._plain(working_calendar)
    assert sweep_marks.fingerprint(working_calendar) == sweep_marks.fingerprint(working_calendar)


@pytest.mark.django_db
def test_the_sweeps_fingerprints_hold_no_memory_address() -> None:
    today = clock.today()
    ctx = assurance_services.evaluation_context(today)
    progression = (progression_selectors.engine_rules(), working_calendar())
    assurance = (assurance_selectors.rules_in_force(today), ctx.checkpoints, ctx.calendar)
    assert _addresses_in(progression) == []
    assert _addresses_in(assurance) == []


PROGRAM = """
import django
django.setup()
from casework.cases import sweep_marks
from casework.core.working_days import WorkingCalendar
print(sweep_marks.fingerprint(WorkingCalendar(), WorkingCalendar))
"""


def test_the_calendar_fingerprint_is_the_same_in_two_processes() -> None:
    def run() -> str:
        done = subprocess.run(
            [sys.executable, "-c", PROGRAM],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
            env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "casework.settings"},
        )
        return done.stdout.strip().splitlines()[-1]

    assert run() == run()
