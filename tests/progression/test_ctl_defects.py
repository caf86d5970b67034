"""Regression tests for the custody time limit review (one or more per defect, numbered as found).

Each fails on the code before the fix; the hand-worked dates are explained beside them.
"""

from __future__ import annotations

import datetime as dt
import importlib.util

import pytest
from django.urls import reverse

from casework.audit.models import AuditEvent
from casework.cases import services as case_services
from casework.core.errors import ValidationFailed
from casework.oversight.tallies import live_counts
from casework.progression import rules, services
from casework.progression.models import CtlFailure, Deadline, Notice, Task, TimeLimitRule
from casework.progression.rule_tables import as_engine_rules
from casework.progression.sweep import progression_sweep
from tests.factories import Personas
from tests.progression.conftest import add_charge, date_fields

D = dt.date


def freeze(time_machine, day: dt.date) -> None:
    time_machine.move_to(dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC))


def clock_on(case, actor, regime: str, **values):
    charge = add_charge(case, actor)
    return services.custody_clock_open(actor=actor, charge=charge, initial_regime=regime, **values)


def record(actor, ctl, kind: str, on: dt.date, new_expiry: dt.date | None = None):
    return services.clock_event_record(actor=actor, clock=ctl, kind=kind, occurred_on=on, new_expiry=new_expiry)


# --- 1. Extension notice: 5 days before the hearing in the Crown Court, 2 in a magistrates' court --------


def test_1_crown_court_notice_leaves_five_clear_days(personas: Personas, case_a, time_machine) -> None:
    # Sent in custody Fri 26 Jun 2026: 182 days = Fri 25 Dec (Christmas), so Thu 24 Dec. A hearing on
    # 24 Dec needs 5 days from the notice (Sat 19 to Wed 23 Dec): serve by Fri 18 Dec (was 22 Dec).
    freeze(time_machine, D(2026, 6, 26))
    ctl = clock_on(case_a, personas.prosecutor_a, "crown")
    record(personas.prosecutor_a, ctl, "remanded", D(2026, 6, 26))
    services.deadlines_recalculate(actor=personas.prosecutor_a, case=case_a)
    notice = Deadline.objects.get(case=case_a, key="ctl.extension_notice")
    assert notice.due_on == D(2026, 12, 18)
    assert "Crown Court" in notice.title and "r. 14.18(2)(a)" in notice.source


def test_1_magistrates_court_notice_leaves_two_clear_days(personas: Personas, case_a, time_machine) -> None:
    # Summary, first remand Thu 29 Oct 2026 + 56 = Thu 24 Dec; 2 days (22 and 23 Dec): serve by Mon 21 Dec.
    freeze(time_machine, D(2026, 10, 29))
    ctl = clock_on(case_a, personas.prosecutor_a, "summary")
    record(personas.prosecutor_a, ctl, "remanded", D(2026, 10, 29))
    services.deadlines_recalculate(actor=personas.prosecutor_a, case=case_a)
    assert Deadline.objects.get(case=case_a, key="ctl.extension_notice").due_on == D(2026, 12, 21)


# --- 2. Either-way clock after bail and re-remand -------------------------------------------------


def test_2_decision_then_bail_and_re_remand_keeps_a_running_expiry(personas: Personas, case_a, time_machine) -> None:
    # Remanded Mon 5 Jan 2026, summary trial decided 10 Jan (56 days), bailed 20 Jan (15 used, 41 left),
    # re-remanded Sun 1 Feb: 1 Feb + 41 - 1 = Fri 13 Mar. Before the fix: "expired" with no date.
    freeze(time_machine, D(2026, 2, 1))
    ctl = clock_on(case_a, personas.prosecutor_a, "either_way", summary_trial_decided_on=D(2026, 1, 10))
    record(personas.prosecutor_a, ctl, "remanded", D(2026, 1, 5))
    record(personas.prosecutor_a, ctl, "bailed", D(2026, 1, 20))
    reading = record(personas.prosecutor_a, ctl, "remanded", D(2026, 2, 1))
    ctl.refresh_from_db()
    assert (ctl.status, ctl.expires_on, reading.limit_days) == ("running", D(2026, 3, 13), 56)
    freeze(time_machine, D(2026, 2, 20))  # within the board's 28-day window
    client = _client(personas.manager_a)
    board = client.get(reverse("progression:board")).content.decode()
    assert case_a.urn in board and "13 Mar" in board  # the real expiry stays on the board


# --- 3. An extension after expiry is refused and recorded as a CTL failure -----------------------------


def test_3_extension_after_expiry_is_refused_and_is_a_ctl_failure(personas: Personas, case_a, time_machine) -> None:
    # Sent Mon 5 Jan 2026: expires Mon 6 Jul. An extension "granted" Tue 7 Jul cannot be.
    freeze(time_machine, D(2026, 1, 5))
    ctl = clock_on(case_a, personas.prosecutor_a, "crown")
    record(personas.prosecutor_a, ctl, "remanded", D(2026, 1, 5))
    freeze(time_machine, D(2026, 7, 8))
    with pytest.raises(ValidationFailed, match="expired on Monday 6 July 2026") as refused:
        record(personas.prosecutor_a, ctl, "extension_granted", D(2026, 7, 7), D(2026, 9, 4))
    assert "occurred_on" in refused.value.field_errors
    assert not ctl.events.filter(kind="extension_granted").exists()
    failure = CtlFailure.objects.get(clock=ctl)  # on record although the event was refused
    assert (failure.expired_on, failure.kind, failure.withdrawn_at) == (D(2026, 7, 6), "extension_after_expiry", None)
    assert AuditEvent.objects.filter(subject_type="progression.ctlfailure", action="collect").exists()
    for person in (personas.prosecutor_a, personas.manager_a):
        assert Notice.objects.filter(user=person, key__startswith=f"ctl-failure-case:{ctl.case_id}:").exists()
    # Visible on the board, in the unit's figures and in oversight.
    board = _client(personas.manager_a).get(reverse("progression:board")).content.decode()
    assert "CTL failure" in board and case_a.urn in board
    rows = live_counts(
        cases=case_a.__class__.objects.all(), unit_ids=None, today=D(2026, 7, 8), now=dt.datetime.now(dt.UTC)
    )
    assert (personas.unit_a.pk, "ctl_failures", "", 1) in rows
    oversight = _client(personas.manager_a).get(reverse("oversight:drill", args=["ctl-failures"])).content.decode()
    assert case_a.urn in oversight


def test_3_the_clock_reads_expired_not_running(personas: Personas, case_a, time_machine) -> None:
    freeze(time_machine, D(2026, 1, 5))
    ctl = clock_on(case_a, personas.prosecutor_a, "crown")
    record(personas.prosecutor_a, ctl, "remanded", D(2026, 1, 5))
    freeze(time_machine, D(2026, 7, 8))
    with pytest.raises(ValidationFailed):
        record(personas.prosecutor_a, ctl, "extension_granted", D(2026, 7, 7), D(2026, 9, 4))
    ctl.refresh_from_db()
    assert ctl.status == "expired" and ctl.expires_on == D(2026, 7, 6)


# --- 4. An extension must be later than the current expiry; a non-working day is flagged -------------


def test_4_extension_to_an_earlier_date_is_refused(personas: Personas, case_a, time_machine) -> None:
    freeze(time_machine, D(2026, 6, 29))
    ctl = clock_on(case_a, personas.prosecutor_a, "crown")
    record(personas.prosecutor_a, ctl, "remanded", D(2026, 1, 5))
    with pytest.raises(ValidationFailed, match="must be later than the current expiry") as refused:
        record(personas.prosecutor_a, ctl, "extension_granted", D(2026, 6, 29), D(2026, 7, 1))
    assert "new_expiry" in refused.value.field_errors
    assert not CtlFailure.objects.exists()


def test_4_extension_to_a_sunday_warns_and_takes_the_earlier_date(
    client, personas: Personas, case_a, time_machine
) -> None:
    freeze(time_machine, D(2026, 6, 29))
    ctl = clock_on(case_a, personas.prosecutor_a, "crown")
    record(personas.prosecutor_a, ctl, "remanded", D(2026, 1, 5))
    client.force_login(personas.prosecutor_a)
    response = client.post(
        reverse("progression:clock_event", args=[case_a.pk, ctl.pk]),
        {
            "kind": "extension_granted",
            **date_fields("occurred_on", D(2026, 6, 29)),
            **date_fields("new_expiry", D(2026, 9, 6)),
        },
        follow=True,
    )
    html = response.content.decode()
    assert "Sunday 6 September 2026, is a Sunday, not a working day" in html
    ctl.refresh_from_db()
    assert ctl.expires_on == D(2026, 9, 4)


# --- 5. SI 2020/953 turns on first custody and excludes under-18s ------------------------------------


def test_5_coronavirus_limit_uses_first_custody_and_age(personas: Personas, case_a, time_machine) -> None:
    # Sent in custody Thu 1 Oct 2020. Aged 16 when first in custody: 182 days = Thu 1 Apr 2021, not
    # 238 (Thu 27 May 2021).
    freeze(time_machine, D(2020, 10, 2))
    defendant = case_services.defendant_add(
        actor=personas.prosecutor_a,
        case=case_a,
        first_names="Sam",
        last_name="Young",
        date_of_birth=D(2004, 1, 1),
        first_custody_on=D(2020, 10, 1),
    )
    charge = case_services.charge_add(
        actor=personas.prosecutor_a, defendant=defendant, offence="Robbery", classification="indictable_only"
    )
    ctl = services.custody_clock_open(actor=personas.prosecutor_a, charge=charge, initial_regime="crown")
    reading = record(personas.prosecutor_a, ctl, "remanded", D(2020, 10, 1))
    assert reading.expires_on == D(2021, 4, 1) and reading.limit_days == 182
    assert any("aged 16" in line and "reg. 1A" in line for line in reading.explanation)
    adult = D(1990, 1, 1)
    case_services.defendant_update(
        actor=personas.prosecutor_a, defendant=defendant, expected_version=defendant.version, date_of_birth=adult
    )
    ctl.charge.defendant.refresh_from_db()
    assert services.clock_recompute(clock=ctl).expires_on == D(2021, 5, 27)


# --- 6. Bank holidays for every year, dates outside coverage refused ----------------------------------


def test_6_christmas_2036_is_never_an_expiry(db) -> None:
    # Sat 1 Nov 2036 + 56 = Sat 27 Dec; Boxing Day and Christmas Day precede: Wed 24 Dec 2036.
    from casework.core.bank_holidays import working_calendar
    from casework.progression import calculator

    answer = calculator.calculate(
        calculator.History(regime=rules.Regime.SUMMARY, start=D(2036, 11, 1), today=D(2036, 11, 1)),
        rules=as_engine_rules(),
        calendar=working_calendar(),
    )
    assert answer.reading.expires_on == D(2036, 12, 24)


# --- 8. A Threshold Test charge gets its Full Code Test review date --------------------------------


def test_8_threshold_test_charge_creates_the_review_date(personas: Personas, case_a, time_machine) -> None:
    freeze(time_machine, D(2026, 4, 1))
    case_services.document_add(
        actor=personas.prosecutor_a,
        case=case_a,
        kind="mg3",
        title="MG3",
        body="Charge under the Threshold Test.",
        rationale="Reasonable grounds; further evidence expected.",
        metadata={"test": "threshold", "decision": "charge"},
    )
    progression_sweep()
    review = Deadline.objects.get(case=case_a, key="review.threshold_test")
    # Wed 1 Apr 2026 + 28 = Wed 29 Apr.
    assert (review.due_on, review.status) == (D(2026, 4, 29), "open")
    freeze(time_machine, D(2026, 4, 20))
    case_services.review_add(
        actor=personas.prosecutor_a, case=case_a, kind="full_code_test", reviewed_on=D(2026, 4, 20), note="FCT met"
    )
    progression_sweep()
    review.refresh_from_db()
    assert (review.status, review.met_on) == ("met", D(2026, 4, 20))


# --- 9. Service dates on non-business days move to the last business day before -----------------------


def test_9_stage_1_on_christmas_day_is_due_the_day_before() -> None:
    # Sent Thu 5 Nov 2026 in custody: Stage 1 is 50 days later, Fri 25 Dec (Christmas): due Thu 24 Dec.
    from casework.core.bank_holidays import from_package
    from casework.core.working_days import WorkingCalendar

    (stage1,) = rules.key_dates(
        anchors={"sending": D(2026, 11, 5)},
        rules=as_engine_rules(),
        calendar=WorkingCalendar(from_package(2026, 2027)),
        in_custody=True,
        codes=["stage.1"],
    )
    assert stage1.due_on == D(2026, 12, 24)
    assert "is a bank holiday (Christmas Day): due Thursday 24 December 2026" in stage1.basis
    assert "r. 4.11" in stage1.basis


# --- 10. The right words in the explanation -----------------------------------------------------------


def test_10_explanations_name_what_happened() -> None:
    from casework.core.bank_holidays import from_package
    from casework.core.working_days import WorkingCalendar
    from casework.progression.ctl import ClockEvent, ClockEventKind, ctl_clock

    cal = WorkingCalendar(from_package(2026, 2027))
    reading = ctl_clock(
        initial_regime=rules.Regime.EITHER_WAY,
        events=[
            ClockEvent(ClockEventKind.REMANDED, D(2026, 1, 5)),
            ClockEvent(ClockEventKind.BAILED, D(2026, 1, 12)),
            ClockEvent(ClockEventKind.SENT, D(2026, 1, 19)),
            ClockEvent(ClockEventKind.REMANDED, D(2026, 2, 2)),
        ],
        rules=as_engine_rules(),
        calendar=cal,
        today=D(2026, 2, 2),
    )
    first, _bail, sending, crown_remand = (
        next(line for line in reading.explanation if line.startswith(prefix))
        for prefix in ("First remanded", "Bailed", "Sent to the Crown Court", "Remanded in custody again")
    )
    assert "again" not in first and "not counted" in first
    assert "while not in custody" in sending
    assert "Remanded in custody again on Monday 2 February 2026" in crown_remand and "Sent" not in crown_remand
    assert "first appearance" not in crown_remand and "counts as a day in custody" in crown_remand


# --- 11. The sweep's task periods are rule rows --------------------------------------------------------


def test_11_extension_task_dates_come_from_the_rule_table(personas: Personas, case_a, time_machine) -> None:
    # Summary, remanded Mon 19 Jan 2026: expires Mon 16 Mar. A new version of the due-date rule
    # (10 days before) gives Fri 6 Mar; of the escalation rule (3 days before), Fri 13 Mar.
    freeze(time_machine, D(2026, 3, 2))
    for code, days in (("ctl.extension_task_due", -10), ("ctl.extension_task_escalate", -3)):
        old = TimeLimitRule.objects.get(code=code)
        TimeLimitRule.objects.filter(pk=old.pk).update(effective_to=D(2026, 1, 1))
        TimeLimitRule.objects.create(
            code=code,
            title=old.title,
            kind="offset",
            days=days,
            effective_from=D(2026, 1, 1),
            anchor="ctl_expiry",
            source="Local policy (test)",
        )
    ctl = clock_on(case_a, personas.prosecutor_a, "summary")
    record(personas.prosecutor_a, ctl, "remanded", D(2026, 1, 19))
    progression_sweep()
    task = Task.objects.get(case=case_a, engine_key__startswith="ctl.extension.")
    assert (task.due_on, task.escalate_on) == (D(2026, 3, 6), D(2026, 3, 13))


# --- 12. Rule rows: effective dates and sources ----------------------------------------------------------


def test_12_every_rule_row_names_instrument_paragraph_and_address(db) -> None:
    rows = list(TimeLimitRule.objects.all())
    assert rows
    for row in rows:
        assert "https://" in row.source, row.version
        assert row.effective_from != D(1987, 4, 1), row.version  # not a placeholder date
    assert not TimeLimitRule.objects.filter(code="ctl.extension_notice").exists()
    retrial = TimeLimitRule.objects.get(code="ctl.retrial", keyed_on="regime_start")
    assert "start of the trial" in retrial.title and "reg. 5(3)" in retrial.source
    assert "arraignment" not in retrial.title


# --- the calendar lives in core ---------------------------------------------------------------------


def test_the_working_day_calendar_is_in_core_with_no_copy_left_in_progression() -> None:
    assert importlib.util.find_spec("casework.progression.calendar") is None
    assert importlib.util.find_spec("casework.progression.holiday_source") is None
    assert importlib.util.find_spec("casework.core.working_days") is not None


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client
