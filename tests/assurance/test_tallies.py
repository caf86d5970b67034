"""The assurance dashboard's stored figures: equal to a live count for every role that reads them,
never another unit's, brought up to date by re-checks and sweeps, and a national page whose
query count does not grow with the register."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.assurance import dashboard as reads
from casework.assurance import tallies
from casework.assurance.models import DashboardTallyUnit
from casework.cases import services as case_services
from casework.cases.models import Case
from casework.core import clock
from tests.assurance.test_dashboard import _period, known  # noqa: F401 - the fixture is used by name
from tests.factories import make_case

pytestmark = pytest.mark.django_db

READERS = ["manager_a", "unithead_a", "area_leader_a", "hq", "inspector"]


def _comparable(data: reads.Dashboard) -> dict:
    """The figures of a dashboard, without the instants (the live one is 'now', the stored one 'as at')."""
    return {
        "overall": data.overall,
        "by_rule": data.by_rule,
        "by_lawyer": data.by_lawyer,  # in the order shown
        "by_stage": data.by_stage,
        "trend": [{k: v for k, v in row.items() if k != "instant"} for row in data.trend],
        "flagged": [row["code"] for row in data.flagged_rules],
    }


@pytest.fixture
def hidden(personas):
    """A restricted and a disposed case of unit A with failing verdicts: nobody's dashboard counts them."""
    now = clock.now()
    restricted = make_case(actor=personas.manager_a, operation_name="Restricted")
    disposed = make_case(actor=personas.manager_a, operation_name="Disposed")
    _period(restricted, "acceptance.basis", "not_met", start=now - dt.timedelta(minutes=1))
    _period(disposed, "psd.present", "not_met", start=now - dt.timedelta(days=40))
    Case.objects.filter(pk=restricted.pk).update(restricted_at=now)
    Case.objects.filter(pk=disposed.pk).update(disposed_at=now)
    return restricted, disposed


@pytest.mark.parametrize("persona", READERS)
def test_stored_figures_equal_the_live_count_for_every_reader(personas, known, case_b, hidden, persona):  # noqa: F811
    user = getattr(personas, persona)
    _period(case_b, "psd.present", "exempt", start=clock.now() - dt.timedelta(days=70))
    tallies.refresh()
    units = [None] + ([personas.unit_a.pk, personas.unit_b.pk] if persona in {"hq", "inspector"} else [])
    for unit_id in units:
        scope = reads.dashboard_scope(user=user, unit_id=unit_id)
        stored = reads.dashboard(user=user, scope=scope)
        live = reads.dashboard(user=user, scope=scope, live=True)
        assert stored.stored and not live.stored
        assert _comparable(stored) == _comparable(live), (persona, unit_id)
        assert stored.overall["applicable"] > 0


def test_a_unit_reader_never_gets_another_units_figures(personas, known, case_b):  # noqa: F811
    tallies.refresh()
    scope = reads.dashboard_scope(user=personas.manager_a, unit_id=None)
    data = reads.dashboard(user=personas.manager_a, scope=scope)
    accept = next(row for row in data.by_rule if row["code"] == "acceptance.basis")
    # Unit B's failing case is in the national figures (4 applicable) but not in unit A's (3).
    assert data.stored and (accept["applicable"], accept["not_met"]) == (3, 1)
    hq = reads.dashboard(user=personas.hq, scope=reads.dashboard_scope(user=personas.hq, unit_id=None))
    assert next(row for row in hq.by_rule if row["code"] == "acceptance.basis")["applicable"] == 4


def test_a_unit_never_refreshed_is_counted_live(personas, known):  # noqa: F811
    tallies.refresh([personas.unit_b.pk])
    scope = reads.dashboard_scope(user=personas.hq, unit_id=None)
    data = reads.dashboard(user=personas.hq, scope=scope)
    assert not data.stored and data.overall["applicable"] == 6  # units A and B, counted live


def test_a_recheck_refreshes_only_the_units_of_its_cases(personas, case_a, case_b, run_queued_tasks):
    run_queued_tasks()
    tallies.refresh()
    before = dict(DashboardTallyUnit.objects.values_list("unit_id", "as_of"))
    scope = reads.dashboard_scope(user=personas.manager_a, unit_id=None)
    stages_before = {
        row["stage"]: row["cases"] for row in reads.dashboard(user=personas.manager_a, scope=scope).by_stage
    }
    case = Case.objects.get(pk=case_a.pk)
    case_services.case_change_stage(
        actor=personas.manager_a, case=case, expected_version=case.version, stage="charging_decision"
    )
    run_queued_tasks()
    after = dict(DashboardTallyUnit.objects.values_list("unit_id", "as_of"))
    assert after[personas.unit_a.pk] > before[personas.unit_a.pk]
    assert after[personas.unit_b.pk] == before[personas.unit_b.pk]
    data = reads.dashboard(user=personas.manager_a, scope=scope)
    assert data.stored and {row["stage"]: row["cases"] for row in data.by_stage} == {"charging_decision": 1}
    assert stages_before == {"pre_charge": 1}
    assert _comparable(data) == _comparable(reads.dashboard(user=personas.manager_a, scope=scope, live=True))


def test_the_sweep_refreshes_every_unit(personas, case_a, case_b):
    from casework.assurance.sweep import assurance_sweep

    assert not DashboardTallyUnit.objects.exists()
    assurance_sweep()
    assert set(DashboardTallyUnit.objects.values_list("unit_id", flat=True)) >= {personas.unit_a.pk, personas.unit_b.pk}
    scope = reads.dashboard_scope(user=personas.hq, unit_id=None)
    stored = reads.dashboard(user=personas.hq, scope=scope)
    assert stored.stored and _comparable(stored) == _comparable(
        reads.dashboard(user=personas.hq, scope=scope, live=True)
    )


def test_the_page_says_figures_as_at(client_as, personas, known):  # noqa: F811
    page = client_as("hq").get(reverse("assurance:dashboard")).content.decode()
    assert "Figures counted now" in page
    tallies.refresh()
    page = client_as("hq").get(reverse("assurance:dashboard")).content.decode()
    assert "Figures as at" in page and "60%" not in page  # national: unit B's failing case counts too


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_national_dashboard_query_count_is_pinned(client_as, personas, known):  # noqa: F811
    tallies.refresh()
    client = client_as("hq")
    url = reverse("assurance:dashboard")
    first = _queries(client, url)
    for index in range(3):
        extra = make_case(actor=personas.manager_a, operation_name=f"Extra {index}")
        _period(extra, "acceptance.basis", "not_met", start=clock.now())
    tallies.refresh()
    assert _queries(client, url) == first
    # Session and user, the scope's units, the stored marks and rows, lawyers' names, rules in
    # force, the re-check count, and the page's own chrome.
    assert first <= 14, first
