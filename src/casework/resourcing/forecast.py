"""Twelve-month demand forecasts from a unit's pipeline and its own history: pure functions.

Method (Monte-Carlo simulation with bootstrap resampling, seeded so results repeat):
- referrals arrive as a Poisson process at the unit's mean monthly rate over the training window;
- each pre-charge case (in the pipeline or newly referred) is charged with the unit's historical
  charge rate, after a delay drawn from the unit's own referral-to-charge delays, conditional on the
  time it has already waited;
- each charged case reaches trial with the unit's historical trial rate, after a delay drawn from its
  own charge-to-trial delays; a listed trial hearing fixes the date instead.
Each run counts referrals, charges and trials per month; the forecast is the mean of the runs and the
uncertainty range the 10th to 90th percentile (an 80% interval).
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

MEASURES = ("referrals", "charges", "trials")
DEFAULT_RUNS = 300
DEFAULT_WINDOW_MONTHS = 12
INTERVAL = (0.10, 0.90)


@dataclass(frozen=True)
class CaseHistory:
    """The dates one case entered the stages the forecast uses (None: not (yet) reached)."""

    case_id: int
    referred_on: dt.date
    charged_on: dt.date | None = None
    closed_pre_charge_on: dt.date | None = None  # no further action or discontinued before charge
    trial_on: dt.date | None = None
    closed_on: dt.date | None = None  # finalised, discontinued or no further action, at any stage

    def as_of(self, cutoff: dt.date) -> CaseHistory | None:
        """What was known at the end of `cutoff`: later events forgotten, unreferred cases dropped."""
        if self.referred_on > cutoff:
            return None

        def known(day: dt.date | None) -> dt.date | None:
            return day if day is not None and day <= cutoff else None

        return replace(
            self,
            charged_on=known(self.charged_on),
            closed_pre_charge_on=known(self.closed_pre_charge_on),
            trial_on=known(self.trial_on),
            closed_on=known(self.closed_on),
        )


@dataclass(frozen=True)
class Rates:
    referrals_per_month: float
    charge_rate: float
    trial_rate: float
    charge_delays: tuple[int, ...]  # days from referral to charge
    trial_delays: tuple[int, ...]  # days from charge to trial
    window_months: int


@dataclass(frozen=True)
class Range:
    expected: float
    low: int
    high: int


@dataclass(frozen=True)
class MonthForecast:
    month: dt.date  # first day of the month
    referrals: Range
    charges: Range
    trials: Range

    def get(self, measure: str) -> Range:
        return getattr(self, measure)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Forecast:
    start: dt.date
    months: tuple[MonthForecast, ...]
    rates: Rates
    pipeline_pre_charge: int
    pipeline_awaiting_trial: int
    runs: int

    def total(self, measure: str) -> float:
        return round(sum(m.get(measure).expected for m in self.months), 1)

    @property
    def total_charges(self) -> float:
        return self.total("charges")

    @property
    def total_trials(self) -> float:
        return self.total("trials")


# --- month arithmetic ------------------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _month_index(start: dt.date, day: dt.date) -> int:
    return (day.year - start.year) * 12 + day.month - start.month


# --- rates from history ---------------------------------------------------------------------------


def rates_from(
    histories: Iterable[CaseHistory], *, cutoff: dt.date, window_months: int = DEFAULT_WINDOW_MONTHS
) -> Rates:
    """The unit's rates from what was known at `cutoff` (histories must already be cut there)."""
    cases = list(histories)
    window_start = add_months(month_start(cutoff), -window_months)
    referred = sum(1 for c in cases if window_start <= c.referred_on < month_start(cutoff))
    decided_charged = [c for c in cases if c.charged_on is not None]
    decided_not = [c for c in cases if c.charged_on is None and c.closed_pre_charge_on is not None]
    charge_delays = tuple(sorted(max((c.charged_on - c.referred_on).days, 0) for c in decided_charged if c.charged_on))
    trial_delays = tuple(
        sorted(max((c.trial_on - c.charged_on).days, 0) for c in decided_charged if c.trial_on and c.charged_on)
    )
    # Trial rate among charged cases old enough to have reached trial (older than the median delay).
    median_trial = int(statistics.median(trial_delays)) if trial_delays else 365
    mature = [c for c in decided_charged if c.charged_on and (cutoff - c.charged_on).days >= median_trial]
    tried = sum(1 for c in mature if c.trial_on)
    decided = len(decided_charged) + len(decided_not)
    return Rates(
        referrals_per_month=referred / window_months if window_months else 0.0,
        charge_rate=len(decided_charged) / decided if decided else 0.0,
        trial_rate=tried / len(mature) if mature else (1.0 if trial_delays else 0.0),
        charge_delays=charge_delays,
        trial_delays=trial_delays,
        window_months=window_months,
    )


# --- simulation ----------------------------------------------------------------------------------


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 50:  # normal approximation keeps large units fast
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _delay_after(rng: random.Random, delays: Sequence[int], waited: int) -> int | None:
    """A delay drawn from the history, given the case has already waited `waited` days; None if no
    recorded delay was that long (the case is then treated as due now)."""
    if not delays:
        return None
    first_longer = bisect.bisect_right(delays, waited)  # delays are sorted: O(log n) per draw
    if first_longer == len(delays):
        return waited
    return delays[rng.randrange(first_longer, len(delays))]


def _percentile(values: Sequence[int], share: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def forecast(
    histories: Iterable[CaseHistory],
    *,
    today: dt.date,
    months: int = 12,
    listed_trials: Mapping[int, dt.date] | None = None,
    referral_multiplier: float = 1.0,
    runs: int = DEFAULT_RUNS,
    seed: int = 0,
    window_months: int = DEFAULT_WINDOW_MONTHS,
) -> Forecast:
    """Referrals, charges and trials for each of the `months` months after `today`'s month."""
    known = [h for h in (c.as_of(today) for c in histories) if h is not None]
    rates = rates_from(known, cutoff=today, window_months=window_months)
    listed = {k: v for k, v in (listed_trials or {}).items() if v > today}
    start = add_months(month_start(today), 1)
    end = add_months(start, months)
    pre_charge = [c for c in known if c.charged_on is None and c.closed_on is None]
    awaiting_trial = [c for c in known if c.charged_on is not None and c.trial_on is None and c.closed_on is None]
    rng = random.Random(seed)
    counts = {m: [[0] * runs for _ in range(months)] for m in MEASURES}

    def count(measure: str, run: int, day: dt.date) -> None:
        if start <= day < end:
            counts[measure][_month_index(start, day)][run] += 1

    def maybe_trial(run: int, case_id: int | None, charged: dt.date) -> None:
        if case_id is not None and case_id in listed:
            count("trials", run, listed[case_id])
            return
        if rng.random() < rates.trial_rate:
            waited = max((today - charged).days, 0)
            delay = _delay_after(rng, rates.trial_delays, waited)
            if delay is not None:
                count("trials", run, max(charged + dt.timedelta(days=delay), today + dt.timedelta(days=1)))

    def maybe_charge(run: int, case_id: int | None, referred: dt.date) -> None:
        if rng.random() >= rates.charge_rate:
            return
        waited = max((today - referred).days, 0)
        delay = _delay_after(rng, rates.charge_delays, waited)
        if delay is None:
            return
        charged = max(referred + dt.timedelta(days=delay), today + dt.timedelta(days=1))
        count("charges", run, charged)
        maybe_trial(run, case_id, charged)

    monthly_rate = rates.referrals_per_month * referral_multiplier
    for run in range(runs):
        for case in pre_charge:
            maybe_charge(run, case.case_id, case.referred_on)
        for case in awaiting_trial:
            assert case.charged_on is not None
            maybe_trial(run, case.case_id, case.charged_on)
        for offset in range(months):
            first = add_months(start, offset)
            days = (add_months(first, 1) - first).days
            for _ in range(_poisson(rng, monthly_rate)):
                referred = first + dt.timedelta(days=rng.randrange(days))
                count("referrals", run, referred)
                maybe_charge(run, None, referred)
    month_rows = []
    for offset in range(months):
        ranges = {}
        for measure in MEASURES:
            values = counts[measure][offset]
            ranges[measure] = Range(
                round(statistics.fmean(values), 1) if values else 0.0,
                _percentile(values, INTERVAL[0]) if values else 0,
                _percentile(values, INTERVAL[1]) if values else 0,
            )
        month_rows.append(MonthForecast(add_months(start, offset), **ranges))
    return Forecast(start, tuple(month_rows), rates, len(pre_charge), len(awaiting_trial), runs)


# --- back-testing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BacktestMonth:
    month: dt.date
    measure: str
    forecast: Range
    actual: int

    @property
    def inside(self) -> bool:
        return self.forecast.low <= self.actual <= self.forecast.high


@dataclass(frozen=True)
class Backtest:
    cutoff: dt.date
    rows: tuple[BacktestMonth, ...]

    def _for(self, measure: str) -> list[BacktestMonth]:
        return [r for r in self.rows if r.measure == measure]

    def mape(self, measure: str) -> float | None:
        """Mean absolute percentage error over held-out months with a non-zero actual."""
        rows = [r for r in self._for(measure) if r.actual]
        if not rows:
            return None
        return round(100 * statistics.fmean(abs(r.forecast.expected - r.actual) / r.actual for r in rows), 1)

    def wape(self, measure: str) -> float | None:
        """Weighted absolute percentage error: total absolute error ÷ total actual (robust to small months)."""
        rows = self._for(measure)
        actual = sum(r.actual for r in rows)
        if not actual:
            return None
        return round(100 * sum(abs(r.forecast.expected - r.actual) for r in rows) / actual, 1)

    def coverage(self, measure: str) -> float | None:
        """Share of held-out months whose actual fell inside the 80% range."""
        rows = self._for(measure)
        return round(100 * sum(r.inside for r in rows) / len(rows), 1) if rows else None


def actual_counts(histories: Iterable[CaseHistory], *, start: dt.date, months: int) -> dict[str, list[int]]:
    result = {m: [0] * months for m in MEASURES}
    end = add_months(start, months)
    for case in histories:
        for measure, day in (("referrals", case.referred_on), ("charges", case.charged_on), ("trials", case.trial_on)):
            if day is not None and start <= day < end:
                result[measure][_month_index(start, day)] += 1
    return result


def backtest(
    histories: Sequence[CaseHistory], *, today: dt.date, months: int, runs: int = DEFAULT_RUNS, seed: int = 0
) -> Backtest:
    """Hold out the last `months` whole months before `today`'s month: forecast them from what was
    known at the cutoff and compare with what happened. Listed trials are not used (when a hearing
    was listed is not recorded), so trials are forecast from rates alone."""
    start = add_months(month_start(today), -months)
    cutoff = start - dt.timedelta(days=1)
    result = forecast(histories, today=cutoff, months=months, runs=runs, seed=seed)
    actual = actual_counts(histories, start=start, months=months)
    rows = tuple(
        BacktestMonth(row.month, measure, row.get(measure), actual[measure][i])
        for measure in MEASURES
        for i, row in enumerate(result.months)
    )
    return Backtest(cutoff, rows)
