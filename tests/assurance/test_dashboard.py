"""The unit assurance dashboard: who reaches it, the numbers on a known fixture, the trend, waiver
flags, drill-down, audited and formula-safe exports, and query-count pins."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from casework.assurance import dashboard as reads
from casework.assurance import selectors
from casework.assurance.models import AssuranceRule, VerdictPeriod, Waiver
from casework.audit.models import AuditEvent
from casework.core import clock
from tests.factories import DISCLOSURE, export_post, make_case

pytestmark = pytest.mark.django_db

DASHBOARD_ROLES = {"manager_a", "unithead_a", "area_leader_a", "hq", "inspector"}
NO_DASHBOARD = ["prosecutor_a", "paralegal_a", "prosecutor_b", "police_x", "police_y", "admin"]
FORMULA = '=HYPERLINK("http://evil.example","click")'


def _period(case, code, outcome, *, start, end=None, reason="A reason."):
    rule = AssuranceRule.objects.get(code=code, version=1)
    return VerdictPeriod.objects.create(
        case=case, rule=rule, rule_code=code, outcome=outcome, reason=reason, valid_from=start, valid_to=end
    )


@pytest.fixture
def known(personas, case_b):
    """Three unit A cases with known verdicts (and one in unit B that unit A must not count).

    acceptance.basis: met, not met, waived  -> 3 applicable, 1 not met (67%)
    psd.present:      not met, n/a, exempt  -> 2 applicable, 1 not met (50%)
    """
    now = clock.now()
    start = now - dt.timedelta(minutes=1)
    lawyer = personas.prosecutor_a.pk
    one = make_case(actor=personas.manager_a, operation_name="One", allocated_lawyer_id=lawyer)
    two = make_case(actor=personas.manager_a, operation_name=FORMULA, allocated_lawyer_id=lawyer)
    three = make_case(actor=personas.manager_a, operation_name="Three")
    # Case one failed acceptance.basis for the last 100 days, then met it.
    _period(one, "acceptance.basis", "not_met", start=now - dt.timedelta(days=100), end=start)
    _period(one, "acceptance.basis", "met", start=start)
    _period(one, "psd.present", "not_met", start=start, reason="No PSD on the case.")
    _period(two, "acceptance.basis", "not_met", start=start, reason="No acceptance basis is recorded.")
    _period(two, "psd.present", "na", start=start)
    _period(three, "acceptance.basis", "waived", start=start)
    _period(three, "psd.present", "exempt", start=start)
    _period(case_b, "acceptance.basis", "not_met", start=start)
    Waiver.objects.create(
        case=three,
        rule_code="acceptance.basis",
        reason="Legacy case accepted before the rule.",
        approver=personas.unithead_a,
        requested_by=personas.unithead_a,
        expires_on=clock.today() + dt.timedelta(days=30),
        created_at=now,
    )
    return one, two, three


@pytest.mark.parametrize("persona", sorted(DASHBOARD_ROLES))
def test_dashboard_is_open_to_managers_leadership_hq_and_inspectors(client_as, personas, persona):
    assert client_as(persona).get(reverse("assurance:dashboard")).status_code == 200


@pytest.mark.parametrize("persona", NO_DASHBOARD)
def test_dashboard_drill_down_and_exports_are_404_for_other_roles(client_as, persona):
    client = client_as(persona)
    assert client.get(reverse("assurance:dashboard")).status_code == 404
    assert client.get(reverse("assurance:dashboard_export", args=["csv"])).status_code == 404
    assert client.get(reverse("assurance:rule_failing", args=["acceptance.basis"])).status_code == 404
    assert client.get(reverse("assurance:rule_failing_export", args=["acceptance.basis", "xlsx"])).status_code == 404
    assert not AuditEvent.objects.filter(action="export").exists()


@pytest.mark.parametrize("persona", ["manager_a", "unithead_a", "area_leader_a"])
def test_unit_roles_cannot_pick_another_unit(client_as, personas, persona):
    url = reverse("assurance:dashboard") + f"?unit={personas.unit_b.pk}"
    assert client_as(persona).get(url).status_code == 404
    assert client_as(persona).get(reverse("assurance:dashboard") + f"?unit={personas.unit_a.pk}").status_code == 200


def test_hq_picks_any_unit_and_an_unknown_unit_is_404(client_as, personas):
    assert client_as("hq").get(reverse("assurance:dashboard") + f"?unit={personas.unit_b.pk}").status_code == 200
    assert client_as("hq").get(reverse("assurance:dashboard") + "?unit=999999").status_code == 404
    assert client_as("hq").get(reverse("assurance:dashboard") + "?unit=abc").status_code == 404


def test_numbers_on_a_known_fixture(personas, known):
    scope = reads.dashboard_scope(user=personas.manager_a, unit_id=None)
    data = reads.dashboard(user=personas.manager_a, scope=scope)
    rules = {row["code"]: row for row in data.by_rule}
    accept, psd = rules["acceptance.basis"], rules["psd.present"]
    assert (accept["applicable"], accept["not_met"], accept["waived"], accept["percent"]) == (3, 1, 1, 67)
    assert (psd["applicable"], psd["not_met"], psd["exempt"], psd["percent"]) == (2, 1, 1, 50)
    assert rules["review.current"]["applicable"] == 0 and rules["review.current"]["percent"] is None
    assert (data.overall["applicable"], data.overall["not_met"], data.overall["percent"]) == (5, 2, 60)
    # One active waiver over three applicable cases is over the 10% line: flagged.
    assert accept["waivers"] == 1 and accept["too_many_waivers"] and data.flagged_rules == [accept]
    lawyers = {row["label"]: row for row in data.by_lawyer}
    assert (
        lawyers["Prosecutor Persona"]["cases"],
        lawyers["Prosecutor Persona"]["applicable"],
        lawyers["Prosecutor Persona"]["not_met"],
    ) == (2, 3, 2)
    assert (lawyers["Unassigned"]["applicable"], lawyers["Unassigned"]["percent"]) == (2, 100)
    assert [(row["stage"], row["cases"], row["not_met"]) for row in data.by_stage] == [("pre_charge", 3, 2)]


def test_national_view_counts_every_unit(personas, known):
    data = reads.dashboard(user=personas.hq, scope=reads.dashboard_scope(user=personas.hq, unit_id=None))
    rules = {row["code"]: row for row in data.by_rule}
    assert (rules["acceptance.basis"]["applicable"], rules["acceptance.basis"]["not_met"]) == (4, 2)


def test_trend_matches_verdicts_on_at_each_month_end(personas, known):
    scope = reads.dashboard_scope(user=personas.manager_a, unit_id=None)
    cases = reads.scoped_cases(user=personas.manager_a, scope=scope)
    rows = reads.trend(cases, clock.now())
    assert len(rows) == reads.TREND_MONTHS and rows[-1]["label"].endswith("(to date)")
    for row in rows:
        held = selectors.verdicts_on(case_ids=cases.values("pk"), instant=row["instant"])
        assert row["applicable"] == held.exclude(outcome="na").count()
        assert row["not_met"] == held.filter(outcome="not_met").count()
    # At least two month ends fall within case one's 100 failing days: 0% then.
    past = [row for row in rows[:-1] if row["applicable"]]
    assert len(past) >= 2 and all(row["percent"] == 0 for row in past)
    assert rows[-1]["percent"] == 60


def test_dashboard_page_and_drill_down(client_as, personas, known):
    one, two, three = known
    page = client_as("manager_a").get(reverse("assurance:dashboard")).content.decode()
    assert "60%" in page and "Too many" in page and "<svg" in page
    drill = reverse("assurance:rule_failing", args=["acceptance.basis"])
    assert drill in page
    listing = client_as("manager_a").get(drill).content.decode()
    assert two.urn in listing and "No acceptance basis is recorded." in listing
    assert one.urn not in listing and three.urn not in listing
    assert reverse("cases:detail", args=[two.pk]) in listing
    assert client_as("manager_a").get(reverse("assurance:rule_failing", args=["no.such.rule"])).status_code == 404


def test_dashboard_query_count_does_not_grow_with_cases(client_as, personas, known, django_assert_max_num_queries):
    client = client_as("manager_a")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        client.get(reverse("assurance:dashboard"))
    for index in range(3):
        extra = make_case(
            actor=personas.manager_a, operation_name=f"Extra {index}", allocated_lawyer_id=personas.prosecutor_a.pk
        )
        _period(extra, "acceptance.basis", "not_met", start=clock.now())
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(reverse("assurance:dashboard"))
    # Counted live (no stored figures yet): the lawyers' counts, then the names of those shown.
    assert len(first.captured_queries) <= 16


def test_dashboard_csv_export_is_audited(client_as, personas, known):
    response = client_as("manager_a").get(reverse("assurance:dashboard_export", args=["csv"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.streaming, "the CSV is streamed, not built in memory"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert ["By rule"] in rows and any(row[:1] == ["acceptance.basis"] and row[5] == "1" for row in rows)
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "export" and "Assurance dashboard" in event.subject_label
    assert event.justification and "manager.a" in event.recipient


def test_drill_down_exports_are_formula_safe_and_audited(client_as, personas, known):
    client = client_as("manager_a")
    streamed = export_post(client, reverse("assurance:rule_failing_export", args=["acceptance.basis", "csv"]))
    assert streamed.streaming, "the CSV is streamed, not built in memory"
    body = b"".join(streamed.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[1][1] == "'" + FORMULA
    response = export_post(client, reverse("assurance:rule_failing_export", args=["acceptance.basis", "xlsx"]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats") and response.streaming
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cell = sheet.cell(row=2, column=2)
    assert cell.value == "'" + FORMULA and cell.data_type == "s"
    events = list(AuditEvent.objects.filter(action="disclose").order_by("seq"))
    assert len(events) == 2 and all("acceptance.basis" in e.subject_label for e in events)
    assert all(e.recipient == DISCLOSURE["recipient"] and e.changes_dict["cases"][1] for e in events)
    assert (
        export_post(client, reverse("assurance:rule_failing_export", args=["acceptance.basis", "pdf"])).status_code
        == 404
    )


def test_a_rules_failing_list_reads_its_first_page_in_index_order(personas, known):
    """At 100,000 cases one rule can fail on 35,000; sorting them all for the first page took 0.4 s.
    The national list is a join on the case (no IN over every case id) read from the index of
    current verdicts by rule, outcome and date, in order."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "sqlite":
        pytest.skip("the plan asserted is SQLite's (PostgreSQL plans by its own statistics)")
    scope = reads.dashboard_scope(user=personas.hq, unit_id=None)
    code = VerdictPeriod.objects.filter(outcome="not_met").values_list("rule_code", flat=True).first()
    with CaptureQueriesContext(connection) as captured:
        rows, _ = reads.failing_page(user=personas.hq, scope=scope, rule_code=code, page=1)
    assert rows
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + captured.captured_queries[-1]["sql"])
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "verdict_current_rule_since" in plan and "SCAN" not in plan, plan


def test_the_rechecking_count_is_of_the_scopes_cases_only(personas, known, case_b):
    from casework.assurance.models import PendingRecheck
    from casework.cases.models import Case

    in_a = list(Case.objects.filter(unit=personas.unit_a).order_by("pk")[:2])
    assert len(in_a) == 2
    PendingRecheck.objects.all().delete()  # the fixture's own changes are waiting too
    for case in (*in_a, case_b):
        PendingRecheck.objects.create(case=case, requested_at=clock.now())
    unit = reads.dashboard(user=personas.manager_a, scope=reads.dashboard_scope(user=personas.manager_a, unit_id=None))
    national = reads.dashboard(user=personas.hq, scope=reads.dashboard_scope(user=personas.hq, unit_id=None))
    assert (unit.rechecking, national.rechecking) == (2, 3)
    # a disposed case is out of every scope, so its pending re-check is not counted
    Case.objects.filter(pk=in_a[0].pk).update(disposed_at=clock.now())
    unit = reads.dashboard(user=personas.manager_a, scope=reads.dashboard_scope(user=personas.manager_a, unit_id=None))
    assert unit.rechecking == 1
