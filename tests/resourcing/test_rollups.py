"""Capacity by grade rolled up per Area and for the nation: hand-counted arithmetic (part-time staff,
a reduction, a full absence, a vacancy), the page's filters, sort and exports, the API, and who may
reach them (HQ and inspectors nationally, Area leadership their Area, unit managers their unit's
Area; caseworkers, police liaison officers and administrators get 404)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from casework.audit.models import AuditEvent
from casework.core import clock
from casework.people.choices import AbsenceKind
from casework.people.models import Absence, Area, Grade
from casework.resourcing import reports, rollups, services
from tests.factories import PASSWORD, make_case, make_user

SCP = "senior-crown-prosecutor"
DENIED = ["prosecutor_a", "paralegal_a", "prosecutor_b", "police_x", "police_y", "admin"]


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def staffed(personas):
    """Unit A (Wessex) and unit B (North East) staffed so every figure can be counted by hand.

    Every case is standard band (10 points) at pre-charge (stage weight 0.6): a lead carries 6.0,
    a deputy 3.0, a paralegal 3.6 and a legal manager 0.6 points. Senior Crown Prosecutor target 120.
    """
    scp = Grade.objects.get(code=SCP)
    today = clock.today()
    a, b = personas.unit_a, personas.unit_b
    full = make_user("scp.full", "prosecutor", unit=a, grade=scp)  # 120 available
    part = make_user("scp.part", "prosecutor", unit=a, grade=scp, fte=Decimal("0.5"), contracted_hours=Decimal("18.5"))
    reduced = make_user("scp.reduced", "prosecutor", unit=a, grade=scp)  # 37 - 7.4 hours: 96 available
    Absence.objects.create(
        person=reduced,
        kind=AbsenceKind.TRADE_UNION,
        starts_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=30),
        hours_per_week=Decimal("7.4"),
        reason="Trade union duties",
    )
    absent = make_user("scp.absent", "prosecutor", unit=a, grade=scp)  # on leave today: 0 available
    Absence.objects.create(
        person=absent,
        kind=AbsenceKind.ANNUAL_LEAVE,
        starts_on=today,
        ends_on=today + dt.timedelta(days=5),
        reason="Annual leave",
    )
    # An expired reduction no longer counts.
    Absence.objects.create(
        person=full,
        kind=AbsenceKind.TRAINING,
        starts_on=today - dt.timedelta(days=20),
        ends_on=today - dt.timedelta(days=1),
        hours_per_week=Decimal("10"),
        reason="Training course",
    )
    m = personas.manager_a
    make_case(actor=m, allocated_lawyer_id=full.pk, deputy_lawyer_id=part.pk)
    make_case(actor=m, allocated_lawyer_id=reduced.pk)
    make_case(actor=m, allocated_lawyer_id=absent.pk)
    make_case(
        actor=m,
        allocated_lawyer_id=personas.prosecutor_a.pk,
        paralegal_id=personas.paralegal_a.pk,
        legal_manager_id=m.pk,
    )
    b_part = make_user(
        "scp.b.part", "prosecutor", unit=b, grade=scp, fte=Decimal("0.6"), contracted_hours=Decimal("22.2")
    )  # 120 x 22.2 / 37 = 72 available
    make_case(actor=personas.prosecutor_b, allocated_lawyer_id=personas.prosecutor_b.pk, deputy_lawyer_id=b_part.pk)
    services.vacancy_record(
        actor=m, unit=a, grade=scp, fte=Decimal("0.5"), since=today - dt.timedelta(days=10), reason="Retirement"
    )
    return personas


def _grade(rows, code):
    return next(g for g in rows if g.grade_code == code)


def test_area_and_nation_by_grade_hand_counted(staffed) -> None:
    p = staffed
    area_b = p.unit_b.areas.get()
    result = rollups.capacity_rollup(areas=Area.objects.all(), national=True, on=clock.today())
    by_area = {a.area.code: a for a in result.areas}
    assert len(by_area) == Area.objects.count()

    # Area A, Senior Crown Prosecutors: prosecutor.a 120 + full 120 + part-time 60 + reduced 96 + absent 0.
    a_scp = _grade(by_area[p.area_a.code].grades, SCP)
    assert (a_scp.headcount, a_scp.fte) == (5, Decimal("4.50"))
    assert a_scp.available_points == Decimal("396.00")
    assert a_scp.workload_points == Decimal("27.00")  # leads 6+6+6+6, deputy 3
    assert a_scp.percent == 7  # 27 / 396 = 6.8%
    assert a_scp.vacant_fte == Decimal("0.50") and a_scp.vacancy_points == Decimal("60.00")
    assert a_scp.percent_if_filled == 6  # 27 / 456 = 5.9%

    # Ungraded (the paralegal and the unit head): default target 100 each; the paralegal carries 3.6.
    ungraded = _grade(by_area[p.area_a.code].grades, "")
    assert (ungraded.headcount, ungraded.available_points, ungraded.workload_points) == (
        2,
        Decimal("200.00"),
        Decimal("3.60"),
    )
    assert ungraded.percent == 2
    manager = _grade(by_area[p.area_a.code].grades, "legal-manager-1")
    assert (manager.available_points, manager.workload_points) == (Decimal("60.00"), Decimal("0.60"))

    total_a = by_area[p.area_a.code].total
    assert (total_a.headcount, total_a.available_points, total_a.workload_points) == (
        8,
        Decimal("656.00"),
        Decimal("31.20"),
    )
    assert total_a.percent == 5  # 31.2 / 656 = 4.8%

    # Area B: prosecutor.b 120 + a 0.6 FTE part-timer 72; lead 6 + deputy 3.
    b_scp = _grade(by_area[area_b.code].grades, SCP)
    assert (b_scp.headcount, b_scp.fte, b_scp.available_points, b_scp.workload_points) == (
        2,
        Decimal("1.60"),
        Decimal("192.00"),
        Decimal("9.00"),
    )
    assert b_scp.percent == 5 and b_scp.vacant_fte == 0 and b_scp.percent_if_filled == 5

    # Nation: every unit counted once.
    n_scp = _grade(result.nation, SCP)
    assert (n_scp.headcount, n_scp.fte, n_scp.available_points, n_scp.workload_points) == (
        7,
        Decimal("6.10"),
        Decimal("588.00"),
        Decimal("36.00"),
    )
    assert (n_scp.percent, n_scp.percent_if_filled) == (6, 6)  # 36/588 = 6.1%; 36/648 = 5.6%
    total = result.nation_total
    assert total is not None
    assert (total.headcount, total.available_points, total.workload_points, total.percent) == (
        10,
        Decimal("848.00"),
        Decimal("40.20"),
        5,
    )
    # Areas with no staff have no capacity figure rather than 0%.
    empty = next(a for a in result.areas if a.area.unit_id not in (p.unit_a.pk, p.unit_b.pk))
    assert empty.grades == [] and empty.total.percent is None


def test_area_rows_match_the_unit_report(staffed) -> None:
    unit = reports.unit_report(staffed.unit_a, on=clock.today())
    result = rollups.capacity_rollup(areas=Area.objects.filter(pk=staffed.area_a.pk), national=False, on=unit.on)
    by_label = {g.label: g for g in unit.by_grade}
    for g in result.areas[0].grades:
        assert (g.headcount, g.workload_points, g.available_points) == (
            by_label[g.grade_name].headcount,
            by_label[g.grade_name].workload_points,
            by_label[g.grade_name].available_points,
        )
    assert result.nation == [] and result.nation_total is None


def test_shared_unit_counts_once_nationally(staffed) -> None:
    """Two Areas served by one unit show the same figures; the nation counts the unit once."""
    Area.objects.create(code="wessex-east", name="Wessex East", unit=staffed.unit_a)
    result = rollups.capacity_rollup(areas=Area.objects.all(), national=True, on=clock.today())
    wessex = [a for a in result.areas if a.area.unit_id == staffed.unit_a.pk]
    assert len(wessex) == 2 and wessex[0].total.available_points == wessex[1].total.available_points
    assert result.nation_total is not None and result.nation_total.available_points == Decimal("848.00")


def test_sort_and_grade_filter(staffed) -> None:
    result = rollups.capacity_rollup(areas=Area.objects.all(), national=True, on=clock.today())
    only_scp = rollups.area_rows(result, grade=SCP)
    assert {g.grade_code for g in only_scp} == {SCP} and len(only_scp) == 2
    desc = [g.percent for g in rollups.area_rows(result, sort="capacity_desc") if g.percent is not None]
    assert desc == sorted(desc, reverse=True)
    asc = rollups.area_rows(result, sort="capacity_asc")
    known = [g.percent for g in asc if g.percent is not None]
    assert known == sorted(known)
    by_grade = rollups.area_rows(result, sort="grade")
    assert [g.seniority for g in by_grade] == sorted((g.seniority for g in by_grade), reverse=True)


# --- scope and access -----------------------------------------------------------------------------


def test_scope_of_each_role(staffed) -> None:
    p = staffed
    assert set(rollups.areas_visible_to(p.hq)) == set(Area.objects.all())
    assert set(rollups.areas_visible_to(p.inspector)) == set(Area.objects.all())
    assert list(rollups.areas_visible_to(p.area_leader_a)) == [p.area_a]
    assert list(rollups.areas_visible_to(p.manager_a)) == [p.area_a]
    assert list(rollups.areas_visible_to(p.unithead_a)) == [p.area_a]
    for name in DENIED:
        assert not rollups.areas_visible_to(getattr(p, name)).exists(), name
    assert rollups.sees_nation(p.hq) and rollups.sees_nation(p.inspector)
    assert not rollups.sees_nation(p.area_leader_a) and not rollups.sees_nation(p.manager_a)


@pytest.mark.parametrize("persona", DENIED)
def test_page_exports_and_api_404_for_roles_without_an_area(staffed, api_as, persona) -> None:
    client = _client(getattr(staffed, persona))
    for name in ("resourcing:grades", "resourcing:grades_csv", "resourcing:grades_xlsx"):
        assert client.get(reverse(name)).status_code == 404, name
    assert api_as(persona).get("/resourcing/grades").status_code == 404
    assert not AuditEvent.objects.filter(subject_type="resourcing.grade_rollup").exists()


def test_area_leader_sees_own_area_only_and_no_national_figures(staffed) -> None:
    client = _client(staffed.area_leader_a)
    body = client.get(reverse("resourcing:grades")).content.decode()
    assert staffed.area_a.name in body and "Senior Crown Prosecutor" in body
    area_b = staffed.unit_b.areas.get()
    assert area_b.name not in body and rollups.NATION not in body
    assert "<svg" in body and "<caption" in body
    # Asking for another Area is refused as an invalid choice, never answered with its figures.
    other = client.get(reverse("resourcing:grades"), {"area": area_b.code}).content.decode()
    assert "govuk-error-summary" in other and area_b.name not in other


def test_hq_sees_every_area_and_the_nation_with_filters(staffed) -> None:
    client = _client(staffed.hq)
    body = client.get(reverse("resourcing:grades")).content.decode()
    area_b = staffed.unit_b.areas.get()
    assert staffed.area_a.name in body and area_b.name in body and rollups.NATION in body
    assert "Scp Persona" not in body and "Prosecutor Persona" not in body  # aggregates only, nobody named
    narrowed = client.get(reverse("resourcing:grades"), {"area": area_b.code, "grade": SCP, "sort": "capacity_desc"})
    text = narrowed.content.decode()
    assert narrowed.status_code == 200 and "Legal Manager" not in text.split("Areas, by grade")[1]


def test_csv_and_xlsx_exports_are_audited(staffed) -> None:
    client = _client(staffed.hq)
    response = client.get(reverse("resourcing:grades_csv"), {"grade": SCP})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Areas by grade"] and rows[1][:3] == ["Area", "Unit", "Grade"]
    area_a_scp = next(r for r in rows if r and r[0] == staffed.area_a.name and r[2] == "Senior Crown Prosecutor")
    assert area_a_scp[3:] == ["5", "4.5", "27.0", "396.0", "7", "0.5", "6"]
    assert ["National by grade"] in rows
    national_scp = next(r for r in rows if r and r[0] == rollups.NATION and r[2] == "Senior Crown Prosecutor")
    assert national_scp[7] == "6"

    xlsx = client.get(reverse("resourcing:grades_xlsx"))
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["Areas by grade", "Area totals", "National by grade"]
    events = AuditEvent.objects.filter(action="export", subject_type="resourcing.grade_rollup")
    assert events.count() == 2 and "national" in events.first().subject_label

    leader = _client(staffed.area_leader_a).get(reverse("resourcing:grades_xlsx"))
    assert load_workbook(io.BytesIO(leader.content)).sheetnames == ["Areas by grade", "Area totals"]


def test_api_rollup(staffed, api_as) -> None:
    hq = api_as("hq").get("/resourcing/grades", grade=SCP)
    assert hq.status_code == 200
    body = hq.json()
    nation = body["nation"]
    assert [g["grade"] for g in nation] == [SCP]
    assert nation[0]["available_points"] == 588.0 and nation[0]["capacity_percent"] == 6
    area_a = next(a for a in body["areas"] if a["area"] == staffed.area_a.code)
    assert area_a["grades"][0]["capacity_percent"] == 7 and area_a["grades"][0]["capacity_percent_if_filled"] == 6
    assert area_a["total"]["available_points"] == 656.0

    leader = api_as("area_leader_a").get("/resourcing/grades").json()
    assert [a["area"] for a in leader["areas"]] == [staffed.area_a.code] and leader["nation"] is None
    area_b = staffed.unit_b.areas.get()
    assert api_as("area_leader_a").get("/resourcing/grades", area=area_b.code).status_code == 404


def test_query_count_does_not_grow_with_cases_or_people(staffed) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as rollup:
            rollups.capacity_rollup(areas=Area.objects.all(), national=True, on=clock.today())
        with CaptureQueriesContext(connection) as unit:
            reports.unit_reports(type(staffed.unit_a).objects.all(), on=clock.today())
        return len(rollup), len(unit)

    before = count()
    scp = Grade.objects.get(code=SCP)
    for i in range(3):
        extra = make_user(f"scp.extra{i}", "prosecutor", unit=staffed.unit_a, grade=scp)
        make_case(actor=staffed.manager_a, allocated_lawyer_id=extra.pk, deputy_lawyer_id=staffed.prosecutor_a.pk)
    assert count() == before
