"""Stored resourcing figures: each open case's complexity band, and each unit's demand forecast.

Scoring every open case's complexity (five reads over defendants, offence categories and REM
records, then the scoring) took seconds per request at 10,000 cases, and a large unit's forecast
simulation several more. The pages read these stored figures instead:

- **Bands** (`CaseBand`, one row per open case: band code, custody flag, the policy version that
  banded it). A write to a case or its REM record deletes the case's row inside the writing
  transaction (`invalidate`, a case-change listener), so a stored band is never older than its
  inputs. A page bands live the cases with no row, or with a row from another policy version than
  the one in force (a new REM weighting version takes effect on its date without waiting), and the
  scheduled refresh stores them again (`refresh_bands`: every ten minutes the missing or out-of-date
  rows, nightly every open case). Who holds a case, its stage and its unit are read from the case
  itself on every request, so allocations, closures and unit moves show at once; only the band is
  stored. The stored rows are per case, read through the page's own scope (its units' open cases),
  so no reader sees figures of a unit outside it.
- **Forecasts** (`UnitForecast`, one per unit): made nightly for the day; the unit page reads the
  stored forecast when it was made for today or yesterday within the same month (it forecasts whole
  months from next month on), and simulates live otherwise.

tests/resourcing/test_stored.py checks the pages' stored figures equal a live computation.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Min, Q, QuerySet

from casework.cases.choices import OPEN_STAGES
from casework.cases.models import Case
from casework.core import clock
from casework.people.models import Unit
from casework.resourcing import forecast, rules, selectors
from casework.resourcing.models import CaseBand, UnitForecast, UnitSummary

#: Cases banded and written per transaction: short, so a SQLite writer waits at most ~100 ms.
CHUNK = 2000
#: A stored forecast older than this is not shown (the nightly job makes one a day).
FORECAST_MAX_AGE = dt.timedelta(days=1)


# --- bands ---------------------------------------------------------------------------------------


def invalidate(case_ids: frozenset[int]) -> None:
    """Case-change listener: forget these cases' stored bands, and the stored summaries of their
    units now and when banded (so a move forgets both units' figures), in the writing transaction."""
    ids = sorted(case_ids)
    units = set(Case.objects.filter(pk__in=ids).values_list("unit_id", flat=True))
    units |= {
        pk
        for pk in CaseBand.objects.filter(case_id__in=ids).values_list("unit_id_when_banded", flat=True)
        if pk is not None
    }
    UnitSummary.objects.filter(unit_id__in=sorted(units)).delete()
    CaseBand.objects.filter(case_id__in=ids).delete()


def _out_of_date(cases: QuerySet[Case], version: int) -> QuerySet[Case]:
    return cases.filter(Q(stored_band__isnull=True) | ~Q(stored_band__policy_version=version))


@dataclass(frozen=True)
class OpenCases:
    """A scope's open cases with their bands, read in two or three queries.

    `rows`: (id, urn, unit id, stage, lead, deputy, paralegal, manager) per open case; `bands` and
    `custody` (ids of cases with a defendant in custody) for every row; `as_of`: the oldest stored
    band used (None when every band was worked out now); `banded_now`: cases banded for this read."""

    rows: list[tuple[Any, ...]]
    bands: dict[int, rules.Band]
    custody: set[int]
    as_of: dt.datetime | None
    banded_now: int


ROW_COLUMNS = ("id", "urn", "unit_id", "stage", *(column for column, _ in selectors.ROLE_COLUMNS))


def open_cases(unit_ids: Sequence[int], policy: rules.Policy) -> OpenCases:
    """The open cases of these units with their bands: stored where current, else worked out now."""
    return read_with_bands(Case.objects.filter(unit_id__in=list(unit_ids), stage__in=OPEN_STAGES), policy)


def read_with_bands(cases: QuerySet[Case], policy: rules.Policy) -> OpenCases:
    """ROW_COLUMNS of these cases with their bands: stored where current, else worked out now."""
    by_code = {band.code: band for band in policy.bands}
    rows: list[tuple[Any, ...]] = []
    bands: dict[int, rules.Band] = {}
    custody: set[int] = set()
    current = policy.version
    for *row, version, code, in_custody in cases.values_list(
        *ROW_COLUMNS, "stored_band__policy_version", "stored_band__band_code", "stored_band__custody"
    ):
        rows.append(tuple(row))
        band = by_code.get(code) if version == current else None
        if band is None:
            continue
        bands[row[0]] = band
        if in_custody:
            custody.add(row[0])
    # The oldest stored band used, in SQL: converting every row's instant in Python cost more.
    as_of = (
        cases.filter(stored_band__policy_version=current).aggregate(oldest=Min("stored_band__computed_at"))["oldest"]
        if bands
        else None
    )
    banded_now = 0
    if len(bands) < len(rows):
        live = _live_bands(_out_of_date(cases, current), policy)
        banded_now = len(live)
        for case_id, (band, in_custody) in live.items():
            bands[case_id] = band
            if in_custody:
                custody.add(case_id)
    return OpenCases(rows, bands, custody, as_of, banded_now)


def bands_for(cases: QuerySet[Case], policy: rules.Policy) -> dict[int, rules.Band]:
    """Each case's band (selectors.bands_for's answer), from the stored bands where current."""
    return read_with_bands(cases, policy).bands


_CUSTODY_AT = rules.FACT_FIELDS.index("custody")


def _live_bands(cases: QuerySet[Case], policy: rules.Policy) -> dict[int, tuple[rules.Band, bool]]:
    """(band, any defendant in custody) of each case, scored now (the live computation)."""
    values = selectors.complexity_values(cases)
    bands = selectors.bands_from_values(values, policy)
    return {pk: (bands[pk], bool(facts[_CUSTODY_AT])) for pk, (facts, _) in values.items()}


@dataclass(frozen=True)
class BandRefresh:
    cases: int
    seconds: float
    policy_version: int | None
    removed: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "seconds": self.seconds,
            "policy_version": self.policy_version,
            "removed": self.removed,
        }


def refresh_bands(*, full: bool = False, unit_ids: Iterable[int] | None = None) -> BandRefresh:
    """Store the bands of open cases: those with no current row (full: every open case).

    Each chunk is banded and written in one transaction (IMMEDIATE on SQLite, so no change slips
    between the read and the write); rows of cases no longer open are removed."""
    started = time.perf_counter()
    today = clock.today()
    try:
        policy = selectors.policy_on(today)
    except LookupError:  # no REM policy in force: nothing can be banded
        return BandRefresh(0, 0.0, None, 0)
    cases = Case.objects.filter(stage__in=OPEN_STAGES)
    if unit_ids is not None:
        cases = cases.filter(unit_id__in=sorted(set(unit_ids)))
    todo = cases if full else _out_of_date(cases, policy.version)
    ids = list(todo.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        with transaction.atomic():
            now = clock.now()
            chunk_cases = Case.objects.filter(pk__in=chunk, stage__in=OPEN_STAGES)
            live = _live_bands(chunk_cases, policy)
            unit_of = dict(chunk_cases.values_list("pk", "unit_id"))
            CaseBand.objects.filter(case_id__in=chunk).delete()
            CaseBand.objects.bulk_create(
                CaseBand(
                    case_id=pk,
                    policy_version=policy.version,
                    band_code=band.code,
                    custody=custody,
                    computed_at=now,
                    unit_id_when_banded=unit_of.get(pk),
                )
                for pk, (band, custody) in live.items()
            )
    closed = CaseBand.objects.exclude(case__stage__in=OPEN_STAGES)
    if unit_ids is not None:
        closed = closed.filter(case__unit_id__in=sorted(set(unit_ids)))
    removed, _ = closed.delete()
    return BandRefresh(len(ids), round(time.perf_counter() - started, 3), policy.version, removed)


# --- forecasts -----------------------------------------------------------------------------------


def _range(data: Sequence[Any]) -> forecast.Range:
    return forecast.Range(float(data[0]), int(data[1]), int(data[2]))


def _range_data(value: forecast.Range) -> list[Any]:
    return [value.expected, value.low, value.high]


def forecast_to_data(result: forecast.Forecast) -> dict[str, Any]:
    rates = result.rates
    return {
        "start": result.start.isoformat(),
        "months": [
            {"month": m.month.isoformat(), **{k: _range_data(m.get(k)) for k in forecast.MEASURES}}
            for m in result.months
        ],
        "rates": {
            "referrals_per_month": rates.referrals_per_month,
            "charge_rate": rates.charge_rate,
            "trial_rate": rates.trial_rate,
            "charge_delays": list(rates.charge_delays),
            "trial_delays": list(rates.trial_delays),
            "window_months": rates.window_months,
        },
        "pipeline_pre_charge": result.pipeline_pre_charge,
        "pipeline_awaiting_trial": result.pipeline_awaiting_trial,
        "runs": result.runs,
    }


def forecast_from_data(data: dict[str, Any]) -> forecast.Forecast:
    rates = data["rates"]
    return forecast.Forecast(
        start=dt.date.fromisoformat(data["start"]),
        months=tuple(
            forecast.MonthForecast(dt.date.fromisoformat(m["month"]), **{k: _range(m[k]) for k in forecast.MEASURES})
            for m in data["months"]
        ),
        rates=forecast.Rates(
            referrals_per_month=rates["referrals_per_month"],
            charge_rate=rates["charge_rate"],
            trial_rate=rates["trial_rate"],
            charge_delays=tuple(rates["charge_delays"]),
            trial_delays=tuple(rates["trial_delays"]),
            window_months=rates["window_months"],
        ),
        pipeline_pre_charge=data["pipeline_pre_charge"],
        pipeline_awaiting_trial=data["pipeline_awaiting_trial"],
        runs=data["runs"],
    )


def live_forecast(unit_id: int, today: dt.date) -> forecast.Forecast:
    return selectors.unit_forecast(Case.objects.filter(unit_id=unit_id), today=today)


@dataclass(frozen=True)
class UnitForecastRead:
    forecast: forecast.Forecast
    as_of: dt.datetime  # when the forecast was worked out
    stored: bool


def unit_forecast(unit_id: int, today: dt.date) -> UnitForecastRead:
    """The unit's forecast for `today`: the stored one while it is current, else simulated now."""
    row = UnitForecast.objects.filter(unit_id=unit_id).first()
    if row is not None and row.on <= today and today - row.on <= FORECAST_MAX_AGE:
        stored = forecast_from_data(row.data)
        # The forecast starts with the month after the day it was made for: still right today?
        if stored.start == forecast.add_months(forecast.month_start(today), 1):
            return UnitForecastRead(stored, row.computed_at, True)
    return UnitForecastRead(live_forecast(unit_id, today), clock.now(), False)


def refresh_forecasts(unit_ids: Iterable[int] | None = None) -> dict[str, Any]:
    """Simulate and store each unit's forecast for today (all units by default)."""
    today = clock.today()
    units = sorted(set(unit_ids)) if unit_ids is not None else list(Unit.objects.values_list("pk", flat=True))
    started = time.perf_counter()
    for unit_id in units:
        begun = time.perf_counter()
        data = forecast_to_data(live_forecast(unit_id, today))
        seconds = round(time.perf_counter() - begun, 3)
        UnitForecast.objects.update_or_create(
            unit_id=unit_id, defaults={"on": today, "computed_at": clock.now(), "seconds": seconds, "data": data}
        )
    return {"units": len(units), "on": today.isoformat(), "seconds": round(time.perf_counter() - started, 3)}
