"""The oversight dashboard: numbers against the hand-counted fixture (conftest.known), who reaches
which scope, and the drill-down to the cases behind a number."""

from __future__ import annotations

import pytest
from django.urls import reverse

from casework.core.errors import NotFound
from casework.oversight import dashboard as reads
from casework.oversight.scope import resolve_scope
from tests.oversight.conftest import DASHBOARD_ROLES, NO_DASHBOARD

pytestmark = pytest.mark.django_db


def _row(data, unit):
    return next(row for row in data.units if row["unit"].pk == unit.pk)


def test_unit_figures_match_the_hand_count(personas, known):
    data = reads.dashboard(user=personas.hq, scope=resolve_scope(user=personas.hq))
    a, b = _row(data, personas.unit_a), _row(data, personas.unit_b)
    assert (a["open_cases"], a["deadlines_met"], a["deadlines_missed"], a["deadlines_overdue"]) == (3, 1, 2, 1)
    assert a["timeliness"] == 33.3 and a["missed_per_100"] == 66.7 and a["overdue_per_100"] == 33.3
    assert (a["ctl_running"], a["ctl_expiring"], a["ctl_expired"]) == (2, 1, 2)
    assert (a["verdicts_applicable"], a["verdicts_not_met"], a["compliance"]) == (4, 2, 50.0)
    assert a["expected_not_met"] == 2.8 and a["mix_ratio"] == 0.71
    assert (b["open_cases"], b["deadlines_met"], b["timeliness"], b["compliance"]) == (1, 1, 100.0, 0.0)
    assert b["expected_not_met"] == 1.2 and b["mix_ratio"] == 1.67
    assert data.totals["open_cases"] == 4 and data.totals["verdicts_not_met"] == 4
    assert data.totals["timeliness"] == 50.0  # 2 met of 4 decided


def test_by_rule_and_trend_reuse_the_assurance_aggregates(personas, known):
    data = reads.dashboard(user=personas.hq, scope=resolve_scope(user=personas.hq))
    rules = {row["code"]: row for row in data.by_rule}
    assert (rules["acceptance.basis"]["applicable"], rules["acceptance.basis"]["not_met"]) == (4, 3)
    assert (rules["psd.present"]["applicable"], rules["psd.present"]["not_met"]) == (2, 1)
    # The month before this one: only the historic "met" period held then.
    assert (data.trend[-2]["applicable"], data.trend[-2]["not_met"]) == (1, 0)
    assert (data.trend[-1]["applicable"], data.trend[-1]["not_met"]) == (6, 4)


def test_case_mix_counts_open_cases_per_unit_and_criterion(personas, known):
    data = reads.dashboard(user=personas.hq, scope=resolve_scope(user=personas.hq))
    mix = {(row["unit_id"], row["acceptance_criterion__title"]): row["n"] for row in data.mix}
    criterion = known["one"].__class__.objects.get(pk=known["one"].pk).acceptance_criterion.title
    assert mix == {
        (personas.unit_a.pk, criterion): 2,
        (personas.unit_a.pk, None): 1,
        (personas.unit_b.pk, criterion): 1,
    }


def test_area_leadership_and_managers_see_only_their_unit(personas, known):
    for persona in ("area_leader_a", "manager_a", "unithead_a"):
        user = getattr(personas, persona)
        scope = resolve_scope(user=user)
        data = reads.dashboard(user=user, scope=scope)
        assert [row["unit"] for row in data.units] == [personas.unit_a]
        assert data.totals["verdicts_not_met"] == 2
    assert resolve_scope(user=personas.area_leader_a).level == "area"
    with pytest.raises(NotFound):
        resolve_scope(user=personas.manager_a, unit_id=personas.unit_b.pk)
    with pytest.raises(NotFound):
        resolve_scope(user=personas.area_leader_a, unit_id=personas.unit_b.pk)


def test_hq_can_narrow_to_an_area_or_unit(personas, known):
    scope = resolve_scope(user=personas.hq, area_id=personas.area_a.pk)
    assert scope.level == "area" and scope.units == [personas.unit_a]
    scope = resolve_scope(user=personas.hq, unit_id=personas.unit_b.pk)
    data = reads.dashboard(user=personas.hq, scope=scope)
    assert data.totals["open_cases"] == 1


@pytest.mark.parametrize("persona", DASHBOARD_ROLES)
def test_dashboard_page_opens_for_oversight_roles(client_as, known, persona):
    response = client_as(persona).get(reverse("oversight:dashboard"))
    assert response.status_code == 200
    assert b"Oversight dashboard" in response.content and b"Not yet available" not in response.content
    assert b"IQA (individual quality assessment)" in response.content and b"MoU with police forces" in response.content


@pytest.mark.parametrize("persona", NO_DASHBOARD)
def test_dashboard_and_drill_down_are_404_for_everyone_else(client_as, known, persona):
    client = client_as(persona)
    assert client.get(reverse("oversight:dashboard")).status_code == 404
    assert client.get(reverse("oversight:drill", args=["deadlines-missed"])).status_code == 404


def test_manager_asking_for_another_unit_gets_404(client_as, personas, known):
    url = reverse("oversight:dashboard") + f"?unit={personas.unit_b.pk}"
    assert client_as("manager_a").get(url).status_code == 404
    assert client_as("area_leader_a").get(url).status_code == 404
    assert client_as("hq").get(url).status_code == 200


def test_drill_down_lists_the_cases_behind_a_number(client_as, personas, known):
    response = client_as("hq").get(reverse("oversight:drill", args=["deadlines-missed"]))
    assert response.status_code == 200
    assert [c.pk for c in response.context["cases"]] == sorted([known["one"].pk, known["two"].pk])
    response = client_as("area_leader_a").get(
        reverse("oversight:drill", args=["assurance-not-met"]) + "?rule=acceptance.basis"
    )
    assert {c.pk for c in response.context["cases"]} == {known["one"].pk, known["three"].pk}
    response = client_as("manager_a").get(reverse("oversight:drill", args=["ctl-expired"]))
    assert {c.pk for c in response.context["cases"]} == {known["two"].pk, known["three"].pk}
    assert client_as("hq").get(reverse("oversight:drill", args=["no-such-metric"])).status_code == 404


def test_national_dashboard_query_count_does_not_grow_with_cases(
    client_as, personas, known, django_assert_max_num_queries
):
    from casework.oversight.services import refresh_compliance_tallies

    client = client_as("hq")
    client.get(reverse("oversight:dashboard"))  # warm the session
    with django_assert_max_num_queries(40):  # computed live: no refresh yet
        assert client.get(reverse("oversight:dashboard")).status_code == 200
    refresh_compliance_tallies(actor=None)
    with django_assert_max_num_queries(20):  # read from the tallies
        assert client.get(reverse("oversight:dashboard")).status_code == 200


def test_unit_managers_get_a_link_to_the_break_glass_review_queue(client_as, personas, case_a):
    from casework.cases import services as case_services

    case_services.case_break_glass(
        actor=personas.paralegal_a, urn=case_a.urn, justification="Covering a hearing tomorrow"
    )
    queue = reverse("cases:access_grants")
    for manager in ("manager_a", "unithead_a"):
        page = client_as(manager).get(reverse("oversight:dashboard"))
        assert page.status_code == 200
        assert queue.encode() in page.content
        assert b"1 grant in your unit not yet reviewed" in page.content
    for other in ("hq", "area_leader_a"):  # no unit queue of their own: no link
        page = client_as(other).get(reverse("oversight:dashboard"))
        assert page.status_code == 200
        assert queue.encode() not in page.content
    assert client_as("prosecutor_a").get(queue).status_code == 404
    assert client_as("police_x").get(queue).status_code == 404
