"""The stored complexity bands, unit summaries and forecasts (casework.resourcing.stored and
.summaries): every resourcing page that reads them shows exactly what a live computation shows, for
every role that reads it, with restricted, disposed and closed cases present, after a case moves
unit, after a REM record or a defendant changes, after a closure and after a new REM policy version
takes effect; the pages say "Figures as at"."""

from __future__ import annotations

import copy
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from casework.cases import services as case_services
from casework.cases.choices import OPEN_STAGES, CustodyStatus, Stage
from casework.cases.models import Case
from casework.core import clock
from casework.core.case_changes import notify_case_changed
from casework.resourcing import forecast, reports, selectors, stored, summaries
from casework.resourcing.models import CaseBand, ResourcingPolicy, UnitForecast, UnitLoad, UnitSummary
from casework.resourcing.policy_data import POLICY_V1
from casework.resourcing.services import rem_record_save

pytestmark = pytest.mark.django_db

#: Everyone who reads a resourcing overview, capacity by grade or unit page.
READERS = ["prosecutor_a", "paralegal_a", "manager_a", "unithead_a", "area_leader_a", "hq", "inspector"]


def _people(people: list[Any]) -> list[tuple[Any, ...]]:
    return sorted((p.person_id, p.workload_points, p.cases, p.percent) for p in people)


def _unit(report: Any) -> tuple[Any, ...]:
    return (
        report.unit.pk,
        report.open_cases,
        report.total.workload_points,
        report.total.percent,
        report.points_per_fte,
        dict(report.band_counts),
        [(f.kind, f.case_ids, f.person_id) for f in report.findings],
        _people(report.people),
        [(g.label, g.workload_points) for g in report.by_grade],
    )


def _overview(row: Any) -> tuple[Any, ...]:
    return (
        row.unit.pk,
        row.open_cases,
        row.total.headcount,
        row.total.workload_points,
        row.total.available_points,
        row.total.percent,
        row.points_per_fte,
        row.findings_count,
    )


def _figures(client: Client, personas) -> dict[str, Any]:
    """What each resourcing page shows this reader, with the stored-figure notes left out."""
    shown: dict[str, Any] = {}
    home = client.get(reverse("resourcing:home"))
    assert home.status_code == 200
    shown["home"] = [_overview(r) for r in home.context["units"]]
    own = home.context["own"]
    shown["own"] = None if own is None else (own.workload_points, own.cases)
    grades = client.get(reverse("resourcing:grades"))
    if grades.status_code == 200:
        result = grades.context["result"]
        shown["grades"] = [
            (g.scope, g.grade_code, g.headcount, g.workload_points, g.available_points)
            for g in [*grades.context["rows"], *result.nation]
        ]
    for unit in (personas.unit_a, personas.unit_b):
        page = client.get(reverse("resourcing:unit", args=[unit.pk]))
        if page.status_code == 200:
            shown[f"unit {unit.code}"] = _unit(page.context["report"])
    return shown


def _clients(personas) -> dict[str, Client]:
    clients = {}
    for name in READERS:
        client = Client()
        client.force_login(getattr(personas, name))
        clients[name] = client
    return clients


def _refresh() -> None:
    """What the scheduled refreshes store: every open case's band, then every unit's summary."""
    stored.refresh_bands(full=True)
    summaries.refresh()


def _assert_overview_is_the_unit_reports(personas) -> None:
    """Independently of the summaries: each overview row and each Area's grade row equals the unit
    page's own computation (every open case read with its band)."""
    hq = Client()
    hq.force_login(personas.hq)
    today = clock.today()
    rows = hq.get(reverse("resourcing:home")).context["units"]
    grades = hq.get(reverse("resourcing:grades")).context["rows"]
    # The same units as the page (people's cases in other units count where those are in scope).
    unit_reports = {r.unit.pk: r for r in reports.unit_reports(personas.unit_a.__class__.objects.all(), on=today)}
    for row in rows:
        report = unit_reports[row.unit.pk]
        assert _overview(row) == (
            report.unit.pk,
            report.open_cases,
            report.total.headcount,
            report.total.workload_points,
            report.total.available_points,
            report.total.percent,
            report.points_per_fte,
            len(report.findings),
        )
        by_grade = {g.label: (g.headcount, g.workload_points, g.available_points) for g in report.by_grade}
        for g in grades:
            if g.unit_name == row.unit.name:
                assert (g.headcount, g.workload_points, g.available_points) == by_grade[g.grade_name]


def _assert_stored_equals_live(personas, *, expect_banded_now: int = 0, expect_units_now: int = 0) -> None:
    clients = _clients(personas)
    overview = clients["hq"].get(reverse("resourcing:home")).context["overview"]
    assert (overview.banded_now, overview.units_now) == (expect_banded_now, expect_units_now)
    from_store = {name: _figures(client, personas) for name, client in clients.items()}
    saved = list(CaseBand.objects.all())
    saved_summaries, saved_loads = list(UnitSummary.objects.all()), list(UnitLoad.objects.all())
    UnitSummary.objects.all().delete()
    CaseBand.objects.all().delete()  # nothing stored: every page bands every case now
    live = {name: _figures(client, personas) for name, client in clients.items()}
    CaseBand.objects.bulk_create(saved)
    UnitSummary.objects.bulk_create(saved_summaries)
    UnitLoad.objects.bulk_create(saved_loads)
    for name in READERS:
        assert from_store[name] == live[name], name
    assert from_store["hq"]["home"], "the national overview shows units"
    _assert_overview_is_the_unit_reports(personas)


def test_stored_bands_equal_live_figures_for_every_reader(personas, register):
    done = stored.refresh_bands(full=True)
    open_ids = set(Case.objects.filter(stage__in=OPEN_STAGES).values_list("pk", flat=True))
    assert done.cases == len(open_ids)
    assert set(CaseBand.objects.values_list("case_id", flat=True)) == open_ids
    assert register["closed"].pk not in open_ids
    # Bands stored, no unit summaries yet: every unit's figures are worked out now, from the bands.
    units = personas.unit_a.__class__.objects.count()
    _assert_stored_equals_live(personas, expect_units_now=units)
    summaries.refresh()
    assert UnitSummary.objects.count() == units and UnitLoad.objects.exists()
    _assert_stored_equals_live(personas)


def test_the_stored_band_is_the_live_band(personas, register):
    stored.refresh_bands(full=True)
    policy = selectors.policy_on(clock.today())
    live = selectors.bands_for(Case.objects.filter(stage__in=OPEN_STAGES), policy)
    rows = {row.case_id: row for row in CaseBand.objects.all()}
    assert {pk: row.band_code for pk, row in rows.items()} == {pk: band.code for pk, band in live.items()}
    assert rows[register["custody"].pk].custody and not rows[register["plain"].pk].custody
    assert len({band.code for band in live.values()}) > 1, "the register has cases in more than one band"


def test_a_change_forgets_the_band_in_its_transaction_and_the_page_bands_it_now(personas, register):
    _refresh()
    heavy, plain = register["heavy"], register["plain"]
    record = heavy.rem_record
    rem_record_save(actor=personas.manager_a, case=heavy, expected_version=record.version, victims=0, witnesses=0)
    case_services.defendant_add(
        actor=personas.manager_a,
        case=plain,
        first_names="Ali",
        last_name="Khan",
        custody_status=CustodyStatus.IN_CUSTODY,
    )
    assert not CaseBand.objects.filter(case_id__in=[heavy.pk, plain.pk]).exists()
    # Their unit's summary went in the same transactions: that unit alone is worked out now.
    assert not UnitSummary.objects.filter(unit=personas.unit_a).exists()
    assert UnitSummary.objects.filter(unit=personas.unit_b).exists()
    _assert_stored_equals_live(personas, expect_banded_now=2, expect_units_now=1)
    # The scheduled refresh stores only what is missing, then the pages read it again.
    assert stored.refresh_bands().cases == 2
    assert CaseBand.objects.get(case_id=plain.pk).custody
    summaries.refresh()
    _assert_stored_equals_live(personas)


def _hq_open_cases(personas) -> dict[int, int]:
    hq = Client()
    hq.force_login(personas.hq)
    return {r.unit.pk: r.open_cases for r in hq.get(reverse("resourcing:home")).context["units"]}


def test_a_case_moved_to_another_unit_counts_there_at_once(personas, register):
    _refresh()
    moved = register["heavy"]
    with transaction.atomic():  # as every write to a case does: the move and its notification
        Case.objects.filter(pk=moved.pk).update(unit_id=personas.unit_b.pk)
        notify_case_changed(moved.pk)
    # Both units' summaries are forgotten: the one it left (from its stored band) and the new one.
    assert not UnitSummary.objects.filter(unit__in=[personas.unit_a, personas.unit_b]).exists()
    _assert_stored_equals_live(personas, expect_banded_now=1, expect_units_now=2)
    counts = _hq_open_cases(personas)
    assert counts[personas.unit_b.pk] == 2 and counts[personas.unit_a.pk] == 4


def test_a_move_nobody_announced_shows_at_once_on_the_unit_page_and_nationally_after_the_refresh(personas, register):
    from casework.resourcing.tasks import band_refresh_task

    _refresh()
    moved = register["heavy"]
    Case.objects.filter(pk=moved.pk).update(unit_id=personas.unit_b.pk)  # a bare update, no notification
    hq = Client()
    hq.force_login(personas.hq)
    page = hq.get(reverse("resourcing:unit", args=[personas.unit_b.pk]))
    assert page.context["report"].open_cases == 2  # the unit page reads its cases live
    assert _hq_open_cases(personas)[personas.unit_b.pk] == 1  # the stored summary until the refresh...
    band_refresh_task.call()  # ...which stores every unit's summary again every ten minutes
    assert _hq_open_cases(personas)[personas.unit_b.pk] == 2
    _assert_stored_equals_live(personas)


def test_closing_a_case_drops_it_at_once_and_the_refresh_removes_its_row(personas, register):
    from casework.resourcing.tasks import band_refresh_task

    _refresh()
    with transaction.atomic():
        Case.objects.filter(pk=register["plain"].pk).update(stage=Stage.FINALISED)
        notify_case_changed(register["plain"].pk)
    assert not CaseBand.objects.filter(case_id=register["plain"].pk).exists()  # gone with the closure
    _assert_stored_equals_live(personas, expect_units_now=1)
    # A closure written without notification: its row goes, and its unit's figures follow, at the
    # next ten-minute refresh.
    Case.objects.filter(pk=register["heavy"].pk).update(stage=Stage.FINALISED)
    assert band_refresh_task.call()["bands"]["removed"] == 1
    assert not CaseBand.objects.filter(case_id=register["heavy"].pk).exists()
    _assert_stored_equals_live(personas)


def test_a_new_policy_version_bands_live_until_refreshed(personas, register):
    _refresh()
    today = clock.today()
    data = copy.deepcopy(POLICY_V1)
    data["thresholds"]["trial_estimate_days"] = [[1, 40]]  # any trial estimate now makes a case heavy
    ResourcingPolicy.objects.filter(effective_to__isnull=True).update(effective_to=today)
    ResourcingPolicy.objects.create(version=2, data=data, source="Test weighting v2", effective_from=today)
    open_cases = Case.objects.filter(stage__in=OPEN_STAGES).count()
    units = personas.unit_a.__class__.objects.count()
    _assert_stored_equals_live(personas, expect_banded_now=open_cases, expect_units_now=units)
    done = stored.refresh_bands()
    assert done.policy_version == 2 and done.cases == open_cases
    assert set(CaseBand.objects.values_list("policy_version", flat=True)) == {2}
    summaries.refresh()
    assert set(UnitSummary.objects.values_list("policy_version", flat=True)) == {2}
    _assert_stored_equals_live(personas)


def test_pages_say_figures_as_at(personas, register):
    client = Client()
    client.force_login(personas.hq)
    live = client.get(reverse("resourcing:home")).content.decode()
    assert "Figures worked out now" in live
    _refresh()
    for url in (
        reverse("resourcing:home"),
        reverse("resourcing:grades"),
        reverse("resourcing:unit", args=[personas.unit_a.pk]),
    ):
        page = client.get(url).content.decode()
        assert 'id="figures-as-at"' in page and "Figures as at" in page, url


def test_a_summary_from_yesterday_is_not_used(personas, register, time_machine):
    """Resilience findings look ahead from today: tomorrow every unit is worked out live until the
    refresh stores its summary for the day."""
    _refresh()
    time_machine.move_to(clock.now() + dt.timedelta(days=1), tick=False)
    units = personas.unit_a.__class__.objects.count()
    _assert_stored_equals_live(personas, expect_units_now=units)
    summaries.refresh()
    _assert_stored_equals_live(personas)


def test_a_person_s_change_shows_at_once_over_a_stored_summary(personas, register):
    """Only case-derived figures are stored: a person's hours and grade are read live."""
    _refresh()
    before = _figures(_clients(personas)["hq"], personas)["home"]
    personas.prosecutor_a.__class__.objects.filter(pk=personas.prosecutor_a.pk).update(contracted_hours=Decimal("18"))
    _assert_stored_equals_live(personas)
    assert _figures(_clients(personas)["hq"], personas)["home"] != before


# --- forecasts -----------------------------------------------------------------------------------


def test_a_forecast_survives_storage_unchanged(personas, register):
    made = stored.live_forecast(personas.unit_a.pk, clock.today())
    assert stored.forecast_from_data(stored.forecast_to_data(made)) == made


def test_the_unit_page_reads_todays_stored_forecast_and_simulates_when_it_is_stale(personas, register, time_machine):
    client = Client()
    client.force_login(personas.manager_a)
    url = reverse("resourcing:unit", args=[personas.unit_a.pk])
    assert client.get(url).context["forecast_stored"] is False
    stored.refresh_forecasts()
    row = UnitForecast.objects.get(unit=personas.unit_a)
    assert row.on == clock.today()
    # A stored forecast is shown as it was stored: tamper with it to prove the page read it.
    data = copy.deepcopy(row.data)
    data["months"][0]["referrals"] = [99.5, 90, 110]
    UnitForecast.objects.filter(pk=row.pk).update(data=data)
    page = client.get(url)
    assert page.context["forecast_stored"] is True
    assert page.context["forecast"].months[0].referrals == forecast.Range(99.5, 90, 110)
    assert "Forecast as at" in page.content.decode()
    # Three days later the stored one is too old: the page simulates again.
    time_machine.move_to(clock.now() + dt.timedelta(days=3), tick=False)
    client.force_login(personas.manager_a)  # the session has expired meanwhile
    assert client.get(url).context["forecast_stored"] is False


def test_the_nightly_task_and_command_store_both(personas, register):
    from django.core.management import call_command

    from casework.resourcing.tasks import nightly_figures_task

    result = nightly_figures_task.call()
    assert result["bands"]["cases"] == CaseBand.objects.count() > 0
    assert UnitForecast.objects.count() == result["forecasts"]["units"]
    assert UnitSummary.objects.filter(on=clock.today()).count() == result["summaries"]["units"] > 0
    CaseBand.objects.all().delete()
    call_command("resourcing_refresh", json=True, stdout=io.StringIO())
    assert CaseBand.objects.count() == result["bands"]["cases"]


def test_no_policy_in_force_stores_nothing(personas, register):
    ResourcingPolicy.objects.all().delete()
    assert stored.refresh_bands(full=True).policy_version is None
    assert not CaseBand.objects.exists()


def test_points_are_unchanged_by_storage(personas, register):
    """The stored path gives the same weighted caseload to the person as the live path."""
    stored.refresh_bands(full=True)
    policy = selectors.policy_on(clock.today())
    people = personas.prosecutor_a.__class__.objects.filter(pk=personas.prosecutor_a.pk)
    with_store = selectors.capacity_for(people, on=clock.today(), policy=policy)
    CaseBand.objects.all().delete()
    live = selectors.capacity_for(people, on=clock.today(), policy=policy)
    person = personas.prosecutor_a.pk
    assert with_store[person].workload_points == live[person].workload_points > Decimal("0")
