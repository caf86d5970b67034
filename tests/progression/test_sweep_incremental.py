"""The nightly progression sweep works out only what could have changed, and time passing alone
(custody time limit warnings, preparation dates and expiry, hearings passing) is still caught on
the day it matters."""

from __future__ import annotations

import datetime as dt

import pytest

from casework.cases import services as case_services
from casework.cases.models import CaseSweepMark
from casework.progression import notices, services
from casework.progression.models import CtlFailure, Deadline, Notice, Task, TimeLimitRule
from casework.progression.sweep import progression_sweep
from tests.factories import Personas
from tests.progression.conftest import add_charge
from tests.progression.test_sweep import _sending


@pytest.fixture(autouse=True)
def _frozen(time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC))


def _custody_case(personas: Personas, case):
    charge = add_charge(case, personas.prosecutor_a)
    ctl = services.custody_clock_open(actor=personas.prosecutor_a, charge=charge, initial_regime="summary")
    # 56 days from 19 Jan 2026: the limit expires on Mon 16 Mar 2026.
    services.clock_event_record(
        actor=personas.prosecutor_a, clock=ctl, kind="remanded", occurred_on=dt.date(2026, 1, 19)
    )
    return ctl


def _everything_a_full_sweep_would_change(today: dt.date) -> dict[str, int]:
    CaseSweepMark.objects.filter(sweep="progression").delete()
    full = progression_sweep(today=today)
    return {
        name: getattr(full, name)
        for name in (
            "clocks_recomputed",
            "deadlines_created",
            "deadlines_moved",
            "deadlines_superseded",
            "tasks_created",
            "notices_created",
            "ctl_failures_recorded",
            "ctl_failures_withdrawn",
            "audit_events",
        )
    }


def test_a_second_sweep_the_same_day_works_out_nothing(personas: Personas, case_a, case_b) -> None:
    _sending(case_a, personas.prosecutor_a, dt.date(2026, 2, 2))
    first = progression_sweep()
    assert first.cases >= 2
    second = progression_sweep()
    assert second.cases == 0 and second.cases_unchanged == first.cases


def test_an_edit_makes_only_its_case_due(personas: Personas, case_a, case_b) -> None:
    progression_sweep()
    hearing = _sending(case_a, personas.prosecutor_a, dt.date(2026, 2, 2))
    report = progression_sweep()
    assert report.cases == 1 and Deadline.objects.filter(case=case_a, key="stage.1").exists()
    case_services.hearing_update(
        actor=personas.prosecutor_a,
        hearing=hearing,
        expected_version=hearing.version,
        starts_at=dt.datetime(2026, 2, 9, 10, tzinfo=dt.UTC),
    )
    moved = progression_sweep()
    assert moved.cases == 1 and moved.deadlines_moved >= 1


def test_day_by_day_time_passing_is_caught_and_leaves_a_full_sweep_nothing_to_do(
    personas: Personas, case_a, case_b
) -> None:
    ctl = _custody_case(personas, case_a)
    _sending(case_b, personas.prosecutor_b, dt.date(2026, 3, 20))  # in the future: its record sheet waits
    worked_out_days = 0
    day = dt.date(2026, 2, 1)
    while day <= dt.date(2026, 4, 1):
        report = progression_sweep(today=day)
        worked_out_days += report.cases > 0
        left = _everything_a_full_sweep_would_change(day)
        assert left == dict.fromkeys(left, 0), day
        day += dt.timedelta(days=1)
    keys = set(Notice.objects.filter(user=personas.manager_a, case=case_a).values_list("key", flat=True))
    # Each warning threshold is told on its own day: 28, 14 and 7 days before the expiry.
    assert {notices.ctl_warning_key(case_a.pk, dt.date(2026, 3, 16), days) for days in (28, 14, 7)} <= keys
    assert CtlFailure.objects.filter(clock=ctl, expired_on=dt.date(2026, 3, 16)).exists()
    assert Task.objects.filter(case=case_a, engine_key__startswith="ctl.extension.").exists()
    assert any(
        key.startswith("hrs.return.") for key in Deadline.objects.filter(case=case_b).values_list("key", flat=True)
    )
    assert worked_out_days < 61 // 2  # most nights have nothing to work out


def test_a_warning_day_makes_the_case_due_on_that_day(personas: Personas, case_a, case_b) -> None:
    _custody_case(personas, case_a)
    progression_sweep(today=dt.date(2026, 2, 10))
    mark = CaseSweepMark.objects.get(sweep="progression", case=case_a)
    assert mark.next_check_on == dt.date(2026, 2, 16)  # 28 days before the 16 March expiry
    assert progression_sweep(today=dt.date(2026, 2, 15)).cases == 0
    on_the_day = progression_sweep(today=dt.date(2026, 2, 16))
    assert on_the_day.cases == 1
    assert Notice.objects.filter(key=notices.ctl_warning_key(case_a.pk, dt.date(2026, 3, 16), 28)).exists()


def test_a_rule_version_change_makes_every_open_case_due(personas: Personas, case_a, case_b) -> None:
    _sending(case_a, personas.prosecutor_a, dt.date(2026, 2, 2))
    first = progression_sweep()
    rule = TimeLimitRule.objects.order_by("pk").first()
    TimeLimitRule.objects.filter(pk=rule.pk).update(source=rule.source + " (amended)")
    again = progression_sweep()
    assert again.cases == first.cases


def test_an_extension_hearing_passing_undecided_is_told_the_next_day_by_an_incremental_sweep(
    personas: Personas, case_a, case_b
) -> None:
    ctl = _custody_case(personas, case_a)
    services.extension_application_start(actor=personas.prosecutor_a, clock=ctl, hearing_on=dt.date(2026, 3, 5))
    progression_sweep(today=dt.date(2026, 3, 3))
    assert progression_sweep(today=dt.date(2026, 3, 4)).cases == 0
    assert not Notice.objects.filter(event="extension_undecided").exists()
    assert progression_sweep(today=dt.date(2026, 3, 6)).cases == 1  # the hearing day has passed
    assert Notice.objects.filter(case=case_a, event="extension_undecided", due_on=dt.date(2026, 3, 5)).exists()
