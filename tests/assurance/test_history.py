"""Verdict history at past month ends: facts as the records stood on a day, replayed in date order."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from casework.assurance.facts import CaseFacts, DocumentFact, ExemptionFact, SignOffFact, VersionFact, WaiverFact
from casework.assurance.history import facts_as_at, past_month_ends

D = dt.date


def _facts() -> CaseFacts:
    return CaseFacts(
        case_id=1,
        urn="42AB0000126",
        stage="ptph",
        stage_entered={"pre_charge": D(2025, 1, 10), "charged": D(2025, 5, 2), "ptph": D(2025, 8, 1)},
        categories=frozenset({"fraud"}),
        acceptance_criterion="c1",
        acceptance_criterion_title="Fraud",
        ccp_direction=False,
        accepted_on=D(2025, 2, 1),
        defendant_count=2,
        trial_estimate_days=10,
        estimated_cost=None,
        is_very_high_cost=False,
        vhcc_received_on=None,
        case_plan_agreed_on=D(2025, 6, 1),
        hq_notified_on=None,
        outcome="",
        has_principal_offence_category=True,
        documents=(
            DocumentFact(
                "case_plan", "Plan", (VersionFact(2, D(2025, 7, 1), True, {}), VersionFact(1, D(2025, 3, 1), True, {}))
            ),
            DocumentFact("mg3", "MG3", (VersionFact(1, D(2025, 9, 1), True, {}),)),
        ),
        exemptions={"psd": ExemptionFact("psd", D(2025, 6, 5), "A Manager", "reason")},
        waivers={"r1": WaiverFact("r1", D(2026, 1, 1), "A Manager", "reason")},
        reviews=(("full", D(2025, 7, 20)), ("initial", D(2025, 2, 3))),
        hrs_filed_on=(D(2025, 5, 3), D(2025, 8, 2)),
        ctl_log_dates=(D(2025, 8, 9), D(2025, 4, 9)),
        signoffs={
            "acceptance": SignOffFact("acceptance", "approved", D(2025, 2, 1)),
            "ptph": SignOffFact("ptph", "pending", None),
        },
        panel_registered_on=D(2025, 9, 1),
    )


def test_a_case_does_not_exist_before_it_entered_a_stage_or_was_accepted() -> None:
    assert facts_as_at(_facts(), D(2025, 1, 9)) is None
    assert facts_as_at(_facts(), D(2025, 1, 10)) is not None


def test_facts_show_only_what_was_recorded_by_the_day() -> None:
    past = facts_as_at(_facts(), D(2025, 5, 31), extra={"iqa": 1})
    assert past is not None
    assert past.stage == "charged" and set(past.stage_entered) == {"pre_charge", "charged"}
    assert past.accepted_on == D(2025, 2, 1) and past.case_plan_agreed_on is None
    assert [(d.kind, [v.number for v in d.versions]) for d in past.documents] == [("case_plan", [1])]
    assert past.exemptions == {} and past.waivers == {}
    assert past.reviews == (("initial", D(2025, 2, 3)),)
    assert past.hrs_filed_on == (D(2025, 5, 3),) and past.ctl_log_dates == (D(2025, 4, 9),)
    assert set(past.signoffs) == {"acceptance"} and past.panel_registered_on is None
    assert past.extra == {"iqa": 1}


def test_on_a_later_day_everything_recorded_by_then_counts_except_waivers() -> None:
    later = facts_as_at(_facts(), D(2025, 9, 30))
    assert later is not None and later.stage == "ptph"
    assert len(later.documents) == 2 and "psd" in later.exemptions and later.panel_registered_on == D(2025, 9, 1)
    assert later.waivers == {}  # no grant date is recorded: none is assumed to have held


def test_past_month_ends_are_the_trend_points_before_this_month_oldest_first() -> None:
    ends = past_month_ends(dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.UTC))
    assert len(ends) == 11
    assert ends[0][0] == D(2025, 4, 30) and ends[-1][0] == D(2026, 2, 28)
    # The instant is midnight UK time after the last day (BST in summer).
    assert ends[0][1] == dt.datetime(2025, 4, 30, 23, 0, tzinfo=dt.UTC)
    assert [day for day, _ in ends] == sorted(day for day, _ in ends)


@pytest.mark.django_db
def test_replay_stores_each_month_end_in_order_and_todays_sweep_follows_on(personas, time_machine) -> None:
    from casework.assurance.dashboard import trend
    from casework.assurance.history import replay_month_ends
    from casework.assurance.models import VerdictPeriod
    from casework.assurance.sweep import assurance_sweep
    from casework.cases.models import Case
    from tests.factories import make_case

    time_machine.move_to(dt.datetime(2026, 1, 15, 10, 0, tzinfo=dt.UTC))
    case = make_case(actor=personas.manager_a)
    now = dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.UTC)
    time_machine.move_to(now)
    report = replay_month_ends(now=now)
    assert report.months == 11 and report.opened > 0
    starts = sorted(set(VerdictPeriod.objects.filter(case=case).values_list("valid_from", flat=True)))
    # The case existed from 15 January: verdicts open at the January month end (a change, if any,
    # at the February one), none before.
    assert starts[0] == dt.datetime(2026, 2, 1, 0, 0, tzinfo=dt.UTC)
    assert set(starts) <= {dt.datetime(2026, 2, 1, 0, 0, tzinfo=dt.UTC), dt.datetime(2026, 3, 1, 0, 0, tzinfo=dt.UTC)}
    assurance_sweep(today=now.date())
    for rule_code in set(VerdictPeriod.objects.filter(case=case).values_list("rule_code", flat=True)):
        periods = list(VerdictPeriod.objects.filter(case=case, rule_code=rule_code).order_by("valid_from"))
        assert periods[-1].valid_to is None
        for earlier, later in itertools.pairwise(periods):
            assert earlier.valid_to == later.valid_from  # one unbroken history per rule
    points = trend(Case.objects.filter(pk=case.pk), now)
    assert [p["applicable"] > 0 for p in points] == [False] * 9 + [True] * 3
