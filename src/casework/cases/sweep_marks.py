"""Which cases a nightly sweep has to work out again: only those whose answer could have changed.

A sweep's answer for a case changes only when (a) the case's inputs changed, (b) the rule
versions or calendar it used changed, or (c) a day arrived on which time passing alone changes
it (a deadline falling due, a custody time limit's warning or expiry). Each sweep keeps one
CaseSweepMark per case recording all three, and `due` picks the cases for which any has happened:

- (a) `inputs_changed` is a case-change listener (declared on CasesConfig): in the transaction of
  every change it bumps the case's `generation` for every sweep. The sweep stores the generation
  it read before reading the case's facts, so a change during the sweep leaves the case due.
- (b) the sweep passes a `fingerprint` of the rules and calendar it uses; a mark made with
  another fingerprint is due.
- (c) the sweep stores `next_check_on`, the first day on which the answer could change by time
  alone; a mark whose day has come is due.

A case without a mark (new, or never swept) is due. A sweep's own writes do not make its cases
due again for itself (it bumps only the other sweeps, see `inputs_changed`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection

from casework.cases.models import CaseSweepMark
from casework.core.row_updates import upsert_values

PROGRESSION = "progression"
ASSURANCE = "assurance"
#: Every sweep that keeps marks: a change to a case makes it due for each.
SWEEPS = (PROGRESSION, ASSURANCE)

_TABLE = CaseSweepMark._meta.db_table
# Built from constants only.
_BUMP_SQL = (
    f"INSERT INTO {_TABLE} (sweep, case_id, generation, swept_generation, rules_key)"  # noqa: S608
    " VALUES (%s, %s, 1, 0, '')"
    f" ON CONFLICT (sweep, case_id) DO UPDATE SET generation = {_TABLE}.generation + 1"
)


def inputs_changed(case_ids: frozenset[int], sweeps: Iterable[str] = SWEEPS) -> None:
    """These cases changed: each sweep must work them out again (call inside the changing transaction)."""
    rows: list[tuple[str, int]] = [(sweep, case_id) for case_id in sorted(case_ids) for sweep in sweeps]
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(_BUMP_SQL, rows)


@dataclass(frozen=True)
class Due:
    """The cases a sweep must work out today, with the change count read for each."""

    case_ids: list[int]
    generations: dict[int, int]
    skipped: int


def due(sweep: str, case_ids: list[int], *, today: dt.date, rules_key: str) -> Due:
    """Of these cases (in order), those whose answer could differ from the one last stored."""
    marks: dict[int, tuple[int, int, dt.date | None, str, dt.date | None]] = {
        row[0]: row[1:]
        for row in CaseSweepMark.objects.filter(sweep=sweep).values_list(
            "case_id", "generation", "swept_generation", "swept_on", "rules_key", "next_check_on"
        )
    }
    chosen: list[int] = []
    generations: dict[int, int] = {}
    for case_id in case_ids:
        mark = marks.get(case_id)
        if mark is None:
            chosen.append(case_id)
            generations[case_id] = 0
            continue
        generation, swept_generation, swept_on, key, next_check_on = mark
        if (
            generation != swept_generation
            or key != rules_key
            or swept_on is None
            or swept_on > today  # the clock went back: nothing stored can be trusted for today
            or (next_check_on is not None and next_check_on <= today)
        ):
            chosen.append(case_id)
            generations[case_id] = generation
    return Due(chosen, generations, skipped=len(case_ids) - len(chosen))


def record(
    sweep: str,
    next_checks: Mapping[int, dt.date | None],
    generations: Mapping[int, int],
    *,
    today: dt.date,
    rules_key: str,
) -> None:
    """Store that these cases were worked out today (call in the transaction that stored the answers).

    The change count stored is the one read before the facts were: a change made since keeps the
    case due for the next sweep."""
    if not next_checks:
        return
    # One prepared upsert run per row (a first sweep marks 100,000 cases).
    upsert_values(
        CaseSweepMark,
        _MARK_COLUMNS,
        [
            (sweep, case_id, generations.get(case_id, 0), generations.get(case_id, 0), today, rules_key, next_check_on)
            for case_id, next_check_on in next_checks.items()
        ],
        unique_fields=["sweep", "case"],
        update_fields=["swept_generation", "swept_on", "rules_key", "next_check_on"],
    )


#: Every column of a sweep mark but its id, in the order `record` builds its rows.
_MARK_COLUMNS = ("sweep", "case", "generation", "swept_generation", "swept_on", "rules_key", "next_check_on")


def first_day_after(today: dt.date, days: Iterable[dt.date | None]) -> dt.date | None:
    """The earliest of these days after today (None if there is none)."""
    return min((day for day in days if day is not None and day > today), default=None)


def fingerprint(*parts: Any) -> str:
    """A stable digest of rule versions, calendars and the like (the same in every process)."""
    text = json.dumps(_plain(parts), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.compare}
    if isinstance(value, Mapping):
        return sorted(([_plain(k), _plain(v)] for k, v in value.items()), key=repr)
    if isinstance(value, set | frozenset):
        return sorted((_plain(item) for item in value), key=repr)
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if callable(value) and hasattr(value, "__qualname__"):
        # A function or class by its name: its repr holds a memory address, different in every
        # process, which would make every case due on every night's run.
        return f"{value.__module__}.{value.__qualname__}"
    return _MEMORY_ADDRESS.sub("", repr(value))


#: " at 0x7f…" in a default repr: never part of a fingerprint.
_MEMORY_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
