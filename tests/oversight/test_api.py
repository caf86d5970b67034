"""The oversight API: same scope rules and numbers as the page."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_hq_gets_every_unit_and_the_hand_counted_figures(api_as, personas, known):
    response = api_as("hq").get("/oversight")
    assert response.status_code == 200
    units = {row["unit_id"]: row for row in response.json()["units"]}
    a = units[personas.unit_a.pk]
    assert (a["deadlines_missed"], a["verdicts_not_met"], a["compliance_percent"], a["case_mix_ratio"]) == (
        2,
        2,
        50.0,
        0.71,
    )


def test_manager_gets_own_unit_only(api_as, personas, known):
    body = api_as("manager_a").get("/oversight").json()
    assert [row["unit_id"] for row in body["units"]] == [personas.unit_a.pk]
    assert api_as("manager_a").get(f"/oversight?unit={personas.unit_b.pk}").status_code == 404


@pytest.mark.parametrize("persona", ["prosecutor_a", "paralegal_a", "prosecutor_b", "police_x", "admin"])
def test_other_roles_get_404(api_as, known, persona):
    assert api_as(persona).get("/oversight").status_code == 404


def test_api_reads_the_tallies_and_reports_iqa_rem_and_mou(api_as, personas, known):
    from casework.oversight.services import refresh_compliance_tallies

    assert api_as("hq").get("/oversight").json()["computed_live"] is True
    refresh = refresh_compliance_tallies(actor=None)
    body = api_as("manager_a").get("/oversight").json()
    assert body["computed_live"] is False and body["as_of"].startswith(f"{refresh.as_of:%Y-%m-%dT%H:%M}")
    [a] = body["units"]
    assert (a["caseworker_fte"], a["open_cases_per_fte"], a["iqa_expected"], a["rem_applicable"]) == (2.0, 1.5, 2, 0)
    assert a["mou_cps_due"] == 0 and a["mou_cps_on_time_percent"] is None
    assert api_as("police_x").get("/oversight").status_code == 404
