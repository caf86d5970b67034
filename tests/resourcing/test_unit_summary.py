"""A unit's own resourcing pages (its report, vacancies, exports and API answer) read the unit's stored
summary (resourcing.summaries): what they show equals the live computation from the unit's open
cases, after a case moves unit (announced or not), a reallocation and a disposal; a summary is used
only for its own unit, for today, under the policy and definitions in force, and while the unit still
has the open cases it was worked out from; the pages say "Figures as at"."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from casework.cases import services as case_services
from casework.cases.choices import Stage
from casework.cases.models import Case
from casework.core import clock
from casework.core.case_changes import notify_case_changed
from casework.people.models import Unit, User
from casework.records.erasure_services import erase_case_file
from casework.resourcing import reports, selectors, summaries
from casework.resourcing.models import UnitLoad, UnitSummary
from tests.resourcing.test_stored import _refresh, _unit

pytestmark = pytest.mark.django_db


def _report(unit: Unit) -> reports.UnitReport:
    return reports.unit_report(unit, on=clock.today())


def _live(unit: Unit) -> reports.UnitReport:
    """The unit's report with no stored summary: every open case read with its band and key dates."""
    saved, loads = list(UnitSummary.objects.all()), list(UnitLoad.objects.all())
    UnitSummary.objects.all().delete()
    try:
        report = _report(unit)
    finally:
        UnitSummary.objects.bulk_create(saved)
        UnitLoad.objects.bulk_create(loads)
    assert report.units_now == 1 and report.as_of is None
    return report


def _assert_units_equal_live(personas, *, stored_for: set[int]) -> None:
    """Each unit's report equals the live one; it came from its stored summary exactly for `stored_for`."""
    for unit in (personas.unit_a, personas.unit_b):
        report = _report(unit)
        assert (report.units_now == 0) == (unit.pk in stored_for), unit.code
        assert _unit(report) == _unit(_live(unit)), unit.code


def test_the_stored_report_equals_the_live_one_and_keeps_every_finding(personas, register):
    _refresh()
    report = _report(personas.unit_a)
    assert report.units_now == 0 and report.as_of is not None
    assert report.findings, "the register gives unit A resilience findings to store"
    assert any(f.case_ids for f in report.findings) and report.open_cases > 0
    _assert_units_equal_live(personas, stored_for={personas.unit_a.pk, personas.unit_b.pk})


def test_a_move_announced_forgets_both_units_and_the_refresh_stores_them_again(personas, register):
    _refresh()
    moved = register["heavy"]
    with transaction.atomic():
        Case.objects.filter(pk=moved.pk).update(unit_id=personas.unit_b.pk)
        notify_case_changed(moved.pk)
    _assert_units_equal_live(personas, stored_for=set())
    summaries.refresh()
    _assert_units_equal_live(personas, stored_for={personas.unit_a.pk, personas.unit_b.pk})
    assert moved.pk not in {pk for f in _report(personas.unit_a).findings for pk in f.case_ids}


def test_a_move_nobody_announced_is_never_counted_in_the_unit_it_left(personas, register):
    """The stored summaries survive a bare update, but their membership no longer matches: both
    units' pages work their figures out now."""
    _refresh()
    before = _report(personas.unit_a).open_cases
    Case.objects.filter(pk=register["heavy"].pk).update(unit_id=personas.unit_b.pk)
    assert UnitSummary.objects.filter(unit__in=[personas.unit_a, personas.unit_b]).count() == 2
    _assert_units_equal_live(personas, stored_for=set())
    assert _report(personas.unit_a).open_cases == before - 1
    summaries.refresh()
    _assert_units_equal_live(personas, stored_for={personas.unit_a.pk, personas.unit_b.pk})


def test_a_reallocation_shows_at_once(personas, register):
    _refresh()
    case = register["plain"]
    case.refresh_from_db()
    case_services.case_update(
        actor=personas.manager_a, case=case, expected_version=case.version, allocated_lawyer_id=personas.manager_a.pk
    )
    _assert_units_equal_live(personas, stored_for={personas.unit_b.pk})
    summaries.refresh()
    report = _report(personas.unit_a)
    holders = {p.person_id: p.cases for p in report.people}
    assert report.units_now == 0 and holders[personas.manager_a.pk] >= 2
    _assert_units_equal_live(personas, stored_for={personas.unit_a.pk, personas.unit_b.pk})


def test_a_closed_and_disposed_case_leaves_the_figures(personas, register):
    _refresh()
    case = register["custody"]
    case.refresh_from_db()
    case_services.case_change_stage(
        actor=personas.manager_a, case=case, expected_version=case.version, stage=Stage.NO_FURTHER_ACTION
    )
    summaries.refresh()
    erase_case_file(actor=None, case_id=case.pk, justification="Retention period ended (test).")
    _assert_units_equal_live(personas, stored_for={personas.unit_a.pk, personas.unit_b.pk})
    assert case.pk not in {pk for f in _report(personas.unit_a).findings for pk in f.case_ids}


def test_a_summary_of_older_definitions_or_another_day_is_not_used(personas, register):
    _refresh()
    UnitSummary.objects.filter(unit=personas.unit_a).update(revision=summaries.REVISION - 1)
    _assert_units_equal_live(personas, stored_for={personas.unit_b.pk})
    summaries.refresh()
    UnitSummary.objects.filter(unit=personas.unit_b).update(on=clock.today().replace(year=2000))
    _assert_units_equal_live(personas, stored_for={personas.unit_a.pk})


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_pages_show_their_own_unit_s_stored_figures_only(personas, register):
    """Tamper with unit A's stored summary to prove the pages read it, and that unit B's pages, and
    readers who may not open unit A, never see it."""
    _refresh()
    row = UnitSummary.objects.get(unit=personas.unit_a)
    UnitSummary.objects.filter(pk=row.pk).update(
        open_cases=4321,
        finding_list=[
            {"kind": "marker", "severity": "high", "text": "Stored marker finding", "case_ids": [1], "person_id": None}
        ],
    )
    hq = _client(personas.hq)
    unit_a = hq.get(reverse("resourcing:unit", args=[personas.unit_a.pk])).content.decode()
    assert "4321 open cases" in unit_a and "Stored marker finding" in unit_a
    api = hq.get(f"/api/v1/resourcing/units/{personas.unit_a.pk}").json()
    assert api["open_cases"] == 4321 and api["findings"][0]["text"] == "Stored marker finding"
    assert api["figures_as_at"] is not None
    csv = hq.get(reverse("resourcing:unit_csv", args=[personas.unit_a.pk])).content.decode()
    assert "Stored marker finding" in csv
    unit_b = hq.get(reverse("resourcing:unit", args=[personas.unit_b.pk])).content.decode()
    assert "4321" not in unit_b and "Stored marker finding" not in unit_b
    for reader in (personas.prosecutor_b, personas.prosecutor_a, personas.police_x, personas.admin):
        client = _client(reader)
        assert client.get(reverse("resourcing:unit", args=[personas.unit_a.pk])).status_code == 404
        assert client.get(reverse("resourcing:vacancies", args=[personas.unit_a.pk])).status_code == 404
        assert client.get(f"/api/v1/resourcing/units/{personas.unit_a.pk}").status_code == 404


def test_the_unit_and_vacancy_pages_say_figures_as_at(personas, register):
    manager = _client(personas.manager_a)
    pages = (
        reverse("resourcing:unit", args=[personas.unit_a.pk]),
        reverse("resourcing:vacancies", args=[personas.unit_a.pk]),
    )
    for url in pages:
        assert "Figures worked out now" in manager.get(url).content.decode(), url
    assert manager.get(f"/api/v1/resourcing/units/{personas.unit_a.pk}").json()["figures_as_at"] is None
    _refresh()
    for url in pages:
        page = manager.get(url).content.decode()
        assert 'id="figures-as-at"' in page and "Figures as at" in page, url


def test_the_exports_say_when_the_caseload_figures_were_worked_out(personas, register):
    manager = _client(personas.manager_a)
    url = reverse("resourcing:unit_csv", args=[personas.unit_a.pk])
    assert "Caseload figures as at,Worked out for this export" in manager.get(url).content.decode()
    _refresh()
    as_of = UnitSummary.objects.get(unit=personas.unit_a).computed_at
    stamp = clock.local(as_of).strftime("%Y-%m-%d %H:%M")
    assert f"Caseload figures as at,{stamp}" in manager.get(url).content.decode()
    book = load_workbook(io.BytesIO(manager.get(reverse("resourcing:unit_xlsx", args=[personas.unit_a.pk])).content))
    rows = {row[0]: row[1] for row in book["About these figures"].iter_rows(values_only=True)}
    assert rows["Caseload figures as at"] == stamp


def _allocation(case: Case) -> list[tuple[int, Any]]:
    found = reports.allocation_help(case, on=clock.today())
    return sorted((r.candidate.person_id, r.candidate.capacity_percent) for r in found.ranked)


def _live_allocation(case: Case) -> list[tuple[int, Any]]:
    """Each lawyer's capacity from every open case they hold, read with its band (no summaries)."""
    policy = selectors.policy_on(clock.today())
    lawyers = User.objects.filter(unit_id=case.unit_id, is_active=True, grade__is_legal=True)
    live = selectors.capacity_for(lawyers, on=clock.today(), policy=policy)
    return sorted((pk, person.percent) for pk, person in live.items())


def test_the_allocation_ranking_uses_stored_caseloads_equal_to_the_live_ones(personas, register):
    """A lawyer's caseload counts their open cases in every unit: here one of theirs sits in unit B."""
    case = register["plain"]
    Case.objects.filter(pk=register["heavy"].pk).update(unit_id=personas.unit_b.pk)
    assert reports.allocation_help(case, on=clock.today()).as_of is None
    assert _allocation(case) == _live_allocation(case)
    _refresh()
    found = reports.allocation_help(case, on=clock.today())
    assert found.as_of is not None
    assert _allocation(case) == _live_allocation(case)
    assert any(percent for _, percent in _allocation(case)), "the lawyers have caseloads"
    page = _client(personas.manager_a).get(reverse("resourcing:allocate", args=[case.pk])).content.decode()
    assert "Figures as at" in page
