"""rules.key_dates keeps the order it counts offset rules in for a tuple of rules (the sweep asks with
one tuple for every case), and never for a list, which may change in place."""

from __future__ import annotations

import dataclasses
import datetime as dt

from casework.core.bank_holidays import from_package
from casework.core.working_days import WorkingCalendar
from casework.progression import rules
from casework.progression.rule_tables import as_engine_rules

CALENDAR = WorkingCalendar(from_package(2026, 2027))
SENT = {"sending": dt.date(2026, 3, 2)}


def _dates(engine_rules, *, in_custody: bool = True) -> dict[str, dt.date]:
    found = rules.key_dates(anchors=SENT, rules=engine_rules, calendar=CALENDAR, in_custody=in_custody)
    return {p.code: p.due_on for p in found}


def test_a_tuple_of_rules_gives_what_a_fresh_list_gives_on_every_call() -> None:
    as_list = as_engine_rules()
    as_tuple = tuple(as_list)
    for in_custody in (True, False):
        expected = _dates(list(as_list), in_custody=in_custody)
        assert expected and "stage.1" in expected
        assert _dates(as_tuple, in_custody=in_custody) == expected
        assert _dates(as_tuple, in_custody=in_custody) == expected  # from the kept plan


def test_a_list_changed_in_place_is_counted_afresh() -> None:
    engine_rules = as_engine_rules()
    before = _dates(engine_rules)["stage.1"]
    at = next(i for i, r in enumerate(engine_rules) if r.code == "stage.1" and r.custody in ("any", "custody"))
    engine_rules[at] = dataclasses.replace(engine_rules[at], days=engine_rules[at].days + 7)
    after = _dates(engine_rules)["stage.1"]
    assert after != before


def test_another_tuple_with_other_rules_is_not_given_the_first_ones_plan() -> None:
    first = tuple(as_engine_rules())
    _dates(first)
    changed = tuple(dataclasses.replace(r, days=r.days + 7) if r.code == "stage.1" else r for r in as_engine_rules())
    assert _dates(changed)["stage.1"] != _dates(first)["stage.1"]
