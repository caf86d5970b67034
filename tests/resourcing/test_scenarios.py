"""What-if scenarios: arithmetic, validation, saving with audit, pages and who may reach them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from casework.audit.models import AuditEvent
from casework.core import clock
from casework.core.errors import NotFound, ValidationFailed
from casework.resourcing import rules, scenarios, services
from casework.resourcing.models import Scenario
from tests.factories import PASSWORD, make_case

D = Decimal


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


# --- pure arithmetic ---------------------------------------------------------------------------------


def test_changes_are_validated() -> None:
    grades = {"crown-prosecutor"}
    parsed = rules.scenario_changes_from(
        {"staff": [{"grade": "crown-prosecutor", "fte": "1"}], "referral_change_percent": "10"}, grade_codes=grades
    )
    assert parsed.staff == (rules.StaffChange("crown-prosecutor", D("1.00")),)
    assert parsed.referral_change_percent == D("10.0")
    for bad in (
        {"staff": [{"grade": "nobody", "fte": "1"}]},
        {"staff": [{"grade": "crown-prosecutor", "fte": "0"}]},
        {"staff": [{"grade": "crown-prosecutor", "fte": "abc"}]},
        {"referral_change_percent": "-150"},
        {"moves": [{"kind": "planet", "ref": "x", "to_unit": "y"}]},
    ):
        with pytest.raises(ValueError):
            rules.scenario_changes_from(bad, grade_codes=grades)


def test_scenario_grades_arithmetic() -> None:
    baseline = [
        rules.GradeLoad("crown-prosecutor", "Crown Prosecutor", D("2"), D("240"), D("200")),
        rules.GradeLoad("paralegal-officer", "Paralegal Officer", D("1"), D("50"), D("100")),
    ]
    changes = rules.ScenarioChanges(
        staff=(rules.StaffChange("crown-prosecutor", D("1")), rules.StaffChange("senior-crown-prosecutor", D("0.5"))),
        referral_change_percent=D("10"),
    )
    result = {
        c.baseline.grade_code: c
        for c in rules.scenario_grades(
            baseline,
            changes=changes,
            grade_names={"senior-crown-prosecutor": "Senior Crown Prosecutor"},
            targets={"crown-prosecutor": 100, "senior-crown-prosecutor": 120},
            default_target=100,
            moved_out={"crown-prosecutor": D("40")},
            moved_in={"paralegal-officer": D("10")},
        )
    }
    cp = result["crown-prosecutor"]
    assert cp.baseline.percent == 120
    # (240 − 40) × 1.1 = 220 points against 200 + 100 × 1 = 300 available.
    assert (cp.scenario.workload, cp.scenario.available, cp.scenario.fte) == (D("220.00"), D("300.00"), D("3.00"))
    assert cp.scenario.percent == 73 and cp.change == -47
    para = result["paralegal-officer"]
    assert para.scenario.workload == D("66.00") and para.scenario.percent == 66
    new = result["senior-crown-prosecutor"]
    assert new.baseline.percent is None and new.scenario.available == D("60.00") and new.scenario.percent == 0


def test_removing_more_staff_than_exist_floors_at_zero() -> None:
    baseline = [rules.GradeLoad("crown-prosecutor", "CP", D("1"), D("50"), D("100"))]
    changes = rules.ScenarioChanges(staff=(rules.StaffChange("crown-prosecutor", D("-2")),))
    [row] = rules.scenario_grades(
        baseline, changes=changes, grade_names={}, targets={}, default_target=100, moved_out={}, moved_in={}
    )
    assert row.scenario.fte == 0 and row.scenario.available == 0 and row.scenario.percent is None


# --- services and computation ------------------------------------------------------------------------


def test_save_audits_and_computes_moves(personas, case_a) -> None:
    scenario = services.scenario_save(
        actor=personas.manager_a,
        name="One more lawyer",
        unit=personas.unit_a,
        changes={
            "staff": [{"grade": "senior-crown-prosecutor", "fte": "1"}],
            "referral_change_percent": "5",
            "moves": [{"kind": "case", "ref": case_a.urn, "to_unit": personas.unit_b.code}],
        },
    )
    event = AuditEvent.objects.get(subject_type="resourcing.scenario", subject_id=str(scenario.pk))
    assert event.action == "collect" and event.changes_dict["unit"] == [None, "ccu-wessex"]
    result = scenarios.compute(scenario, on=clock.today())
    assert result.moved_out_cases == 1 and result.moved_in_cases == 0
    scp = next(c for c in result.grades if c.baseline.grade_code == "senior-crown-prosecutor")
    assert scp.baseline.workload > 0 and scp.scenario.workload == 0  # the only case left the unit
    assert scp.scenario.available == scp.baseline.available + 120
    assert len(result.baseline_forecast.months) == 12


def test_save_refuses_other_units_unknown_refs_and_empty_changes(personas, case_b) -> None:
    with pytest.raises(NotFound):
        services.scenario_save(actor=personas.manager_a, name="x", unit=personas.unit_b, changes={"staff": []})
    with pytest.raises(ValidationFailed):
        services.scenario_save(actor=personas.manager_a, name="x", unit=personas.unit_a, changes={})
    # A case of another unit is unknown to the manager: naming its URN reveals nothing.
    with pytest.raises(ValidationFailed, match="No case with URN"):
        services.scenario_save(
            actor=personas.manager_a,
            name="x",
            unit=personas.unit_a,
            changes={"moves": [{"kind": "case", "ref": case_b.urn, "to_unit": "ccu-wessex"}]},
        )
    with pytest.raises(ValidationFailed, match="No police force"):
        services.scenario_save(
            actor=personas.hq,
            name="x",
            unit=personas.unit_a,
            changes={"moves": [{"kind": "force", "ref": "atlantis", "to_unit": "ccu-wessex"}]},
        )
    assert not Scenario.objects.exists()


def test_hq_moves_a_force_into_another_unit(personas) -> None:
    make_case(
        actor=personas.prosecutor_b, lead_force_id=personas.force_y.pk, allocated_lawyer_id=personas.prosecutor_b.pk
    )
    scenario = services.scenario_save(
        actor=personas.hq,
        name="Durham to Wessex",
        unit=personas.unit_a,
        changes={"moves": [{"kind": "force", "ref": "durham", "to_unit": "ccu-wessex"}]},
    )
    result = scenarios.compute(scenario, on=clock.today())
    assert result.moved_in_cases == 1
    assert result.total.scenario.workload > result.total.baseline.workload


# --- pages -------------------------------------------------------------------------------------------


def test_manager_builds_and_compares_a_scenario(personas, case_a) -> None:
    client = _client(personas.manager_a)
    assert client.get(reverse("resourcing:scenarios")).status_code == 200
    response = client.post(
        reverse("resourcing:scenarios"),
        {
            "name": "Grow the unit",
            "unit": personas.unit_a.pk,
            "grade_1": "crown-prosecutor",
            "fte_1": "1.5",
            "referral_change_percent": "10",
            "moves": "",
        },
    )
    scenario = Scenario.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("resourcing:scenario", args=[scenario.pk])
    assert scenario.changes["staff"] == [{"grade": "crown-prosecutor", "fte": "1.50"}]
    page = client.get(reverse("resourcing:scenario", args=[scenario.pk])).content.decode()
    assert "<svg" in page and "Capacity by grade: baseline and scenario side by side" in page
    assert "Crown Prosecutor" in page and "New charges and trials by month" in page
    assert 'style="' not in page  # strict CSP: no inline styles


def test_form_errors_are_shown(personas) -> None:
    response = _client(personas.manager_a).post(
        reverse("resourcing:scenarios"), {"name": "Nothing", "unit": personas.unit_a.pk, "moves": "only-one-part"}
    )
    assert response.status_code == 200 and "give a force code or URN" in response.content.decode()
    response = _client(personas.manager_a).post(
        reverse("resourcing:scenarios"), {"name": "Nothing", "unit": personas.unit_a.pk}
    )
    assert response.status_code == 200 and "Change at least one thing" in response.content.decode()
    assert not Scenario.objects.exists()


@pytest.mark.parametrize("persona", ["prosecutor_a", "paralegal_a", "prosecutor_b", "inspector", "police_x", "admin"])
def test_other_roles_get_404(personas, persona) -> None:
    scenario = services.scenario_save(
        actor=personas.hq, name="HQ plan", unit=personas.unit_a, changes={"referral_change_percent": "20"}
    )
    client = _client(getattr(personas, persona))
    assert client.get(reverse("resourcing:scenarios")).status_code == 404
    assert client.post(reverse("resourcing:scenarios"), {"name": "x"}).status_code == 404
    assert client.get(reverse("resourcing:scenario", args=[scenario.pk])).status_code == 404


def test_unit_and_area_scope(personas) -> None:
    in_a = services.scenario_save(
        actor=personas.hq, name="A plan", unit=personas.unit_a, changes={"referral_change_percent": "20"}
    )
    in_b = services.scenario_save(
        actor=personas.hq, name="B plan", unit=personas.unit_b, changes={"referral_change_percent": "-20"}
    )
    for persona in ("manager_a", "unithead_a", "area_leader_a"):
        client = _client(getattr(personas, persona))
        assert client.get(reverse("resourcing:scenario", args=[in_a.pk])).status_code == 200, persona
        assert client.get(reverse("resourcing:scenario", args=[in_b.pk])).status_code == 404, persona
        listing = client.get(reverse("resourcing:scenarios")).content.decode()
        assert "A plan" in listing and "B plan" not in listing
        # Posting for a unit outside their set is refused by the form's unit choices.
        response = client.post(
            reverse("resourcing:scenarios"),
            {"name": "Sneaky", "unit": personas.unit_b.pk, "referral_change_percent": "5"},
        )
        assert response.status_code == 200
    hq = _client(personas.hq)
    assert hq.get(reverse("resourcing:scenario", args=[in_b.pk])).status_code == 200
    assert Scenario.objects.count() == 2


def test_unit_page_shows_the_forecast(personas, case_a) -> None:
    page = _client(personas.manager_a).get(reverse("resourcing:unit", args=[personas.unit_a.pk])).content.decode()
    assert "Demand forecast: next 12 months" in page and "Build a what-if scenario" in page
    page = _client(personas.inspector).get(reverse("resourcing:unit", args=[personas.unit_a.pk])).content.decode()
    assert "Demand forecast" in page and "Build a what-if scenario" not in page
