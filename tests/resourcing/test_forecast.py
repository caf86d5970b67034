"""Forecast arithmetic on constructed histories, and the back-test on a known process."""

from __future__ import annotations

import datetime as dt

from casework.resourcing import forecast
from casework.resourcing.forecast import CaseHistory

TODAY = dt.date(2026, 5, 11)


def _steady_history(months: int = 24, per_month: int = 10) -> list[CaseHistory]:
    """`per_month` referrals a month; 70% charged after 45 days, the rest closed after 30; every
    charged case tried 120 days after charge."""
    cases = []
    pk = 0
    for m in range(months, 0, -1):
        first = forecast.add_months(forecast.month_start(TODAY), -m)
        for i in range(per_month):
            pk += 1
            referred = first + dt.timedelta(days=i * 2)
            if i < 7:
                charged = referred + dt.timedelta(days=45)
                cases.append(CaseHistory(pk, referred, charged_on=charged, trial_on=charged + dt.timedelta(days=120)))
            else:
                closed = referred + dt.timedelta(days=30)
                cases.append(CaseHistory(pk, referred, closed_pre_charge_on=closed, closed_on=closed))
    return cases


def test_month_arithmetic() -> None:
    assert forecast.add_months(dt.date(2026, 11, 1), 3) == dt.date(2027, 2, 1)
    assert forecast.add_months(dt.date(2026, 1, 1), -1) == dt.date(2025, 12, 1)
    assert forecast.month_start(TODAY) == dt.date(2026, 5, 1)


def test_as_of_forgets_later_events() -> None:
    case = CaseHistory(1, dt.date(2026, 1, 5), charged_on=dt.date(2026, 3, 1), trial_on=dt.date(2026, 9, 1))
    assert case.as_of(dt.date(2025, 12, 31)) is None
    earlier = case.as_of(dt.date(2026, 2, 1))
    assert earlier is not None and earlier.charged_on is None and earlier.trial_on is None
    assert case.as_of(dt.date(2026, 4, 1)).charged_on == dt.date(2026, 3, 1)  # type: ignore[union-attr]


def test_rates_from_history() -> None:
    rates = forecast.rates_from(_steady_history(), cutoff=TODAY)
    assert rates.referrals_per_month == 10
    assert abs(rates.charge_rate - 0.7) < 0.01
    assert set(rates.charge_delays) == {45} and set(rates.trial_delays) == {120}
    assert rates.trial_rate == 1.0


def test_forecast_of_a_steady_process_is_near_its_rates_with_a_range() -> None:
    result = forecast.forecast(_steady_history(), today=TODAY, runs=200, seed=1)
    assert len(result.months) == 12 and result.start == dt.date(2026, 6, 1)
    later = result.months[6:]  # past the pipeline's effect: steady state
    for month in later:
        assert 8 <= month.referrals.expected <= 12
        assert 5.5 <= month.charges.expected <= 8.5
        assert month.charges.low <= month.charges.expected <= month.charges.high
        assert month.referrals.low < month.referrals.high  # Poisson noise gives a real range
    assert result.pipeline_pre_charge > 0 and result.pipeline_awaiting_trial > 0


def test_same_seed_same_forecast_and_referral_multiplier_scales_demand() -> None:
    history = _steady_history()
    a = forecast.forecast(history, today=TODAY, runs=100, seed=7)
    b = forecast.forecast(history, today=TODAY, runs=100, seed=7)
    assert a == b
    more = forecast.forecast(history, today=TODAY, runs=100, seed=7, referral_multiplier=1.5)
    assert more.total("referrals") > a.total("referrals") * 1.3


def test_listed_trial_fixes_the_date() -> None:
    case = CaseHistory(1, dt.date(2025, 1, 1), charged_on=dt.date(2025, 3, 1))
    result = forecast.forecast([case], today=TODAY, runs=20, listed_trials={1: dt.date(2026, 8, 10)})
    trials = {m.month: m.trials.expected for m in result.months}
    assert trials[dt.date(2026, 8, 1)] == 1.0 and sum(trials.values()) == 1.0


def test_backtest_on_a_steady_process_has_small_error_and_counts_actuals() -> None:
    result = forecast.backtest(_steady_history(), today=TODAY, months=6, runs=200)
    assert result.cutoff == dt.date(2025, 10, 31)
    referrals = [r for r in result.rows if r.measure == "referrals"]
    assert [r.actual for r in referrals] == [10] * 6
    assert result.wape("referrals") is not None and result.wape("referrals") < 25  # type: ignore[operator]
    assert result.mape("charges") is not None and result.mape("charges") < 30  # type: ignore[operator]
    assert 0 <= result.coverage("charges") <= 100  # type: ignore[operator]


def test_backtest_errors_are_none_without_actuals() -> None:
    result = forecast.backtest([], today=TODAY, months=3, runs=10)
    assert result.mape("charges") is None and result.wape("charges") is None
    assert all(r.forecast.expected == 0 for r in result.rows)
