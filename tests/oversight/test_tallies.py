"""Compliance tallies: the refresh stores what the live aggregates compute, the dashboard reads them
narrowed to the reader's scope, and the IQA, REM, MoU and staffing columns match hand counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from casework.audit.models import AuditEvent
from casework.cases.models import Case
from casework.core import clock
from casework.core.schedule import SCHEDULE
from casework.oversight import dashboard as reads
from casework.oversight import exports, services
from casework.oversight.models import ComplianceTally, TallyRefresh
from casework.oversight.scope import resolve_scope
from casework.oversight.tallies import REM_RULE_CODE, live_counts
from casework.partners.models import ActionPlan, Referral
from casework.people.models import PoliceForce
from casework.quality.models import Assessment, AssessmentAnswer, QuestionSet
from casework.quality.rules import Quarter
from tests.factories import make_case
from tests.oversight.conftest import DASHBOARD_ROLES, NO_DASHBOARD, verdict

pytestmark = pytest.mark.django_db

#: Every persona that reaches the dashboard, with the scope it gets by default.
OVERSIGHT = ["hq", "inspector", "area_leader_a", "manager_a", "unithead_a"]


def _stamp() -> dict:
    now = clock.now()
    return {"created_at": now, "updated_at": now}


def _assessment(personas, case, status: str, quarter: str, answers: list[str]) -> Assessment:
    question_set = QuestionSet.objects.order_by("pk").first()
    made = Assessment.objects.create(
        question_set=question_set,
        case=case,
        prosecutor=personas.prosecutor_a,
        assessor=personas.manager_a,
        unit=personas.unit_a,
        case_stage=case.stage,
        quarter=quarter,
        status=status,
        **_stamp(),
    )
    questions = question_set.sections.order_by("order").first().questions.order_by("order")
    for question, value in zip(questions, answers, strict=False):
        AssessmentAnswer.objects.create(assessment=made, question=question, value=value)
    return made


def _referral(personas, unit, n: int, ack_due, ack_on, respond_due, responded_on) -> Referral:
    return Referral.objects.create(
        reference=f"REF-{n}",
        kind="early_advice",
        force=PoliceForce.objects.get(code="hampshire"),
        unit=unit,
        submitted_by=personas.police_x,
        submitted_on=ack_due - dt.timedelta(days=5),
        police_reference=f"P{n}",
        acknowledge_due_on=ack_due,
        acknowledged_on=ack_on,
        respond_due_on=respond_due,
        responded_on=responded_on,
        **_stamp(),
    )


def _plan(personas, referral, due, answered) -> ActionPlan:
    return ActionPlan.objects.create(
        referral=referral,
        issued_by=personas.manager_a,
        issued_on=due - dt.timedelta(days=14),
        actions="Obtain the bank records.",
        response_due_on=due,
        answered_on=answered,
    )


@pytest.fixture
def wider(personas, known):
    """The conftest `known` fixture, plus (hand-counted):

    Staffing   A: prosecutor_a 1.00 + paralegal_a 0.50 FTE = 1.50 (3 open -> 2.0 per FTE); B: 1.00 (1 open)
    IQA        this quarter, unit A: submitted [fully, partially, n/a] and closed [not met] count (2 of 2
               due: 2 per quarter x 1.00 FTE); a draft and last quarter's assessment do not.
               A answers 1 fully, 1 partially, 1 not met -> 33.3% fully, 66.7% fully or partially.
               B: 0 received of 2 due.
    REM        open A: one met, two not met, three n/a -> 1 of 2 not current (50%); a finalised A case
               not met is left out. B: not met -> 0%.
    MoU        A: CCU met 1, late 1, breached 1 (33.3%); police met 1, late 1 (50%); a referral due
               400 days ago and a clock still running are left out. B: CCU met 1 (100%), police breached 1 (0%).
    """
    today, now = clock.today(), clock.now()
    start = now - dt.timedelta(minutes=1)
    type(personas.paralegal_a).objects.filter(pk=personas.paralegal_a.pk).update(fte=Decimal("0.50"))

    quarter = Quarter.of(today)
    _assessment(personas, known["one"], "submitted", quarter.label, ["fully_met", "partially_met", "na"])
    _assessment(personas, known["two"], "closed", quarter.label, ["not_met"])
    _assessment(personas, known["three"], "draft", quarter.label, ["fully_met"])
    _assessment(personas, known["one"], "submitted", quarter.previous().label, ["not_met"])

    finalised = make_case(actor=personas.manager_a, operation_name="Done")
    Case.objects.filter(pk=finalised.pk).update(stage="finalised")
    verdict(known["one"], REM_RULE_CODE, "met", start=start)
    verdict(known["two"], REM_RULE_CODE, "not_met", start=start)
    verdict(known["three"], REM_RULE_CODE, "na", start=start)
    verdict(known["b"], REM_RULE_CODE, "not_met", start=start)
    verdict(finalised, REM_RULE_CODE, "not_met", start=start)

    days = dt.timedelta
    r1 = _referral(personas, personas.unit_a, 1, today - days(10), today - days(12), today - days(5), today - days(3))
    _referral(personas, personas.unit_a, 2, today - days(3), None, today + days(10), None)
    _referral(personas, personas.unit_a, 3, today - days(400), today - days(390), today - days(390), today - days(380))
    r4 = _referral(personas, personas.unit_b, 4, today - days(1), today - days(1), today, None)
    _plan(personas, r1, today - days(2), today - days(1))
    _plan(personas, r1, today - days(20), today - days(25))
    _plan(personas, r4, today - days(1), None)
    return {**known, "finalised": finalised}


def _row(data, unit):
    return next(row for row in data.units if row["unit"].pk == unit.pk)


def _comparable(data) -> dict:
    """The dashboard's figures without the parts that say where they came from."""
    units = [{k: v for k, v in row.items() if k != "unit"} | {"unit": row["unit"].pk} for row in data.units]
    areas = [{k: v for k, v in row.items() if k not in ("unit", "area")} for row in data.areas]
    return {
        "units": units,
        "totals": data.totals,
        "areas": areas,
        "by_rule": data.by_rule,
        "trend": [{k: v for k, v in r.items() if k != "instant"} for r in data.trend],
        "mix": data.mix,
        "recommendation_areas": data.recommendation_areas,
    }


def test_new_columns_match_the_hand_count(personas, wider):
    services.refresh_compliance_tallies(actor=None)
    data = reads.dashboard(user=personas.hq, scope=resolve_scope(user=personas.hq))
    assert not data.live
    a, b = _row(data, personas.unit_a), _row(data, personas.unit_b)
    assert (a["staff_fte"], a["open_per_fte"], b["staff_fte"], b["open_per_fte"]) == (1.5, 2.0, 1.0, 1.0)
    assert (a["iqa_received"], a["iqa_expected"], a["iqa_coverage"]) == (2, 2, 100.0)
    assert (a["iqa_fully"], a["iqa_partially"], a["iqa_not_met"]) == (1, 1, 1)
    assert (a["iqa_fully_pct"], a["iqa_met_pct"]) == (33.3, 66.7)
    assert (b["iqa_received"], b["iqa_expected"], b["iqa_coverage"], b["iqa_met_pct"]) == (0, 2, 0.0, None)
    assert (a["rem_applicable"], a["rem_not_met"], a["rem_compliance"]) == (2, 1, 50.0)
    assert (b["rem_applicable"], b["rem_not_met"], b["rem_compliance"]) == (1, 1, 0.0)
    assert (a["mou_cps_met"], a["mou_cps_late"], a["mou_cps_breached"], a["mou_cps_on_time"]) == (1, 1, 1, 33.3)
    assert (a["mou_police_met"], a["mou_police_late"], a["mou_police_breached"], a["mou_police_on_time"]) == (
        1,
        1,
        0,
        50.0,
    )
    assert (b["mou_cps_due"], b["mou_cps_on_time"], b["mou_police_due"], b["mou_police_on_time"]) == (1, 100.0, 1, 0.0)
    totals = data.totals
    assert (totals["iqa_received"], totals["iqa_expected"], totals["iqa_coverage"]) == (2, 4, 50.0)
    assert (totals["rem_applicable"], totals["rem_not_met"], totals["mou_cps_due"]) == (3, 2, 4)
    areas = {area["name"]: area for area in data.recommendation_areas}
    assert set(areas) >= {
        "IQA (individual quality assessment)",
        "REM (resourcing and staffing)",
        "MoU with police forces",
    }
    assert areas["IQA (individual quality assessment)"]["percent"] == 50.0
    assert areas["REM (resourcing and staffing)"]["percent"] == 33.3
    assert areas["MoU with police forces"]["percent"] == 50.0  # CCU: 2 met of 4 due


def test_original_figures_still_match_the_hand_count_when_read_from_tallies(personas, known):
    services.refresh_compliance_tallies(actor=None)
    data = reads.dashboard(user=personas.hq, scope=resolve_scope(user=personas.hq))
    a, b = _row(data, personas.unit_a), _row(data, personas.unit_b)
    assert (a["open_cases"], a["deadlines_met"], a["deadlines_missed"], a["deadlines_overdue"]) == (3, 1, 2, 1)
    assert (a["ctl_running"], a["ctl_expiring"], a["ctl_expired"]) == (2, 1, 2)
    assert (a["verdicts_applicable"], a["verdicts_not_met"], a["compliance"]) == (4, 2, 50.0)
    assert (a["expected_not_met"], a["mix_ratio"], b["expected_not_met"], b["mix_ratio"]) == (2.8, 0.71, 1.2, 1.67)
    rules = {row["code"]: row for row in data.by_rule}
    assert (rules["acceptance.basis"]["applicable"], rules["acceptance.basis"]["not_met"]) == (4, 3)
    assert (data.trend[-2]["applicable"], data.trend[-2]["not_met"]) == (1, 0)
    assert (data.trend[-1]["applicable"], data.trend[-1]["not_met"]) == (6, 4)


@pytest.mark.parametrize("persona", OVERSIGHT)
def test_tallies_equal_the_live_computation_for_every_scope(personas, wider, persona):
    services.refresh_compliance_tallies(actor=None)
    user = getattr(personas, persona)
    scope = resolve_scope(user=user)
    from_tallies = reads.dashboard(user=user, scope=scope)
    live = reads.dashboard(user=user, scope=scope, live=True)
    assert not from_tallies.live and live.live
    assert _comparable(from_tallies) == _comparable(live)


def test_refresh_stores_the_live_counts_and_records_one_audit_event(personas, wider):
    before = AuditEvent.objects.count()
    refresh = services.refresh_compliance_tallies(actor=personas.hq)
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.subject_type, event.actor_id) == ("combine", "oversight.tallyrefresh", personas.hq.pk)
    stored = sorted(refresh.tallies.values_list("unit_id", "metric", "key", "value"))
    now = refresh.as_of
    assert stored == live_counts(cases=Case.objects.all(), unit_ids=None, today=clock.local(now).date(), now=now)
    assert refresh.rows == len(stored) > 0


def test_readers_get_only_the_tallies_of_their_units(personas, wider, django_assert_max_num_queries):
    refresh = services.refresh_compliance_tallies(actor=None)
    assert ComplianceTally.objects.filter(refresh=refresh, unit=personas.unit_b).exists()
    for persona in ("manager_a", "unithead_a", "area_leader_a"):
        scope = resolve_scope(user=getattr(personas, persona))
        assert {row[0] for row in reads.tally_rows(refresh, scope.unit_ids)} == {personas.unit_a.pk}
        data = reads.dashboard(user=getattr(personas, persona), scope=scope)
        assert [row["unit"] for row in data.units] == [personas.unit_a]
        assert data.totals["rem_not_met"] == 1 and data.totals["mou_police_breached"] == 0  # B's are not counted
    hq = reads.dashboard(user=personas.hq, scope=resolve_scope(user=personas.hq))
    assert hq.totals["rem_not_met"] == 2 and hq.totals["mou_police_breached"] == 1
    with django_assert_max_num_queries(8):  # the tally read does not depend on the number of cases
        reads.dashboard(user=personas.hq, scope=resolve_scope(user=personas.hq))


def test_a_case_moved_to_another_unit_counts_there_from_the_next_refresh(personas, known):
    services.refresh_compliance_tallies(actor=None)
    Case.objects.filter(pk=known["b"].pk).update(unit=personas.unit_a)
    scope = resolve_scope(user=personas.hq)
    assert _row(reads.dashboard(user=personas.hq, scope=scope), personas.unit_a)["open_cases"] == 3  # as at refresh
    services.refresh_compliance_tallies(actor=None)
    data = reads.dashboard(user=personas.hq, scope=scope)
    assert (_row(data, personas.unit_a)["open_cases"], _row(data, personas.unit_b)["open_cases"]) == (4, 0)


def test_old_refreshes_are_pruned(personas, known):
    for _ in range(services.TALLY_REFRESHES_KEPT + 2):
        latest = services.refresh_compliance_tallies(actor=None)
    assert TallyRefresh.objects.count() == services.TALLY_REFRESHES_KEPT
    assert reads.latest_refresh() == latest
    assert not ComplianceTally.objects.exclude(refresh__in=TallyRefresh.objects.all()).exists()


def test_page_says_when_the_figures_are_from(client_as, personas, known, time_machine):
    page = client_as("hq").get(reverse("oversight:dashboard"))
    assert b"no stored refresh exists yet" in page.content
    services.refresh_compliance_tallies(actor=None)
    page = client_as("hq").get(reverse("oversight:dashboard"))
    assert b"Figures as at" in page.content and b"have not been refreshed" not in page.content
    time_machine.move_to(clock.now() + dt.timedelta(hours=4))
    page = client_as("hq").get(reverse("oversight:dashboard"))
    assert b"have not been refreshed for more than three hours" in page.content


@pytest.mark.parametrize("persona", DASHBOARD_ROLES)
def test_tally_backed_page_and_rem_drill_down_open_for_oversight_roles(client_as, wider, persona):
    services.refresh_compliance_tallies(actor=None)
    client = client_as(persona)
    page = client.get(reverse("oversight:dashboard"))
    assert page.status_code == 200 and b"REM current" in page.content
    drill = client.get(reverse("oversight:drill", args=["rem-not-met"]))
    assert {case.pk for case in drill.context["cases"]} == (
        {wider["two"].pk, wider["b"].pk} if persona in ("hq", "inspector") else {wider["two"].pk}
    )


@pytest.mark.parametrize("persona", NO_DASHBOARD)
def test_tally_backed_page_is_404_for_everyone_else(client_as, wider, persona):
    services.refresh_compliance_tallies(actor=None)
    client = client_as(persona)
    assert client.get(reverse("oversight:dashboard")).status_code == 404
    assert client.get(reverse("oversight:drill", args=["rem-not-met"])).status_code == 404


def test_exports_carry_the_new_columns(personas, wider):
    services.refresh_compliance_tallies(actor=None)
    data = reads.dashboard(user=personas.hq, scope=resolve_scope(user=personas.hq))
    tables = {table.title: table for table in exports.dashboard_tables(data)}
    units = tables["Units"]
    header = units.header
    row_a = next(row for row in units.rows if row[0] == personas.unit_a.name)
    cell = dict(zip(header, row_a, strict=True))
    assert (cell["IQA received"], cell["IQA due this quarter"], cell["REM current %"]) == (2, 2, 50.0)
    assert (cell["MoU CCU on time %"], cell["MoU police on time %"], cell["Caseworker FTE"]) == (33.3, 50.0, 1.5)
    areas = [row[0] for row in tables["Recommendation areas"].rows]
    assert "MoU with police forces" in areas and "IQA (individual quality assessment)" in areas


def test_command_and_schedule_refresh_the_tallies(personas, known):
    call_command("oversight_refresh", "--json", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert TallyRefresh.objects.count() == 1
    entry = next(entry for entry in SCHEDULE if entry.name == "oversight-tallies")
    assert entry.task_path == "casework.oversight.tasks.oversight_refresh_task"
    from casework.oversight.tasks import oversight_refresh_task

    assert oversight_refresh_task.call()["rows"] > 0
    assert TallyRefresh.objects.count() == 2


def test_audit_trail_area_counts_break_glass_reviews_by_hand(personas, known):
    """Unit A: reviewed and ended; ended unreviewed; still running unreviewed; one granted 400 days
    ago is outside the window. Unit B: one reviewed. A 1/3 = 33.3% (1 ended unreviewed), B 100%,
    all 2/4 = 50%."""
    from casework.cases.models import CaseAccessGrant

    now = clock.now()
    hours, days = dt.timedelta(hours=1), dt.timedelta(days=1)

    def grant(case, granted_at, expires_at, reviewed: bool) -> None:
        CaseAccessGrant.objects.create(
            user=personas.prosecutor_a if case.unit_id == personas.unit_a.pk else personas.prosecutor_b,
            case=case,
            justification="Covering the duty rota",
            granted_at=granted_at,
            expires_at=expires_at,
            reviewed_by=personas.manager_a if reviewed else None,
            reviewed_at=expires_at if reviewed else None,
        )

    grant(known["one"], now - 3 * days, now - 3 * days + 8 * hours, reviewed=True)
    grant(known["two"], now - 2 * days, now - 2 * days + 8 * hours, reviewed=False)
    grant(known["three"], now - hours, now + 7 * hours, reviewed=False)
    grant(known["one"], now - 400 * days, now - 400 * days + 8 * hours, reviewed=False)
    grant(known["b"], now - 5 * days, now - 5 * days + 8 * hours, reviewed=True)

    services.refresh_compliance_tallies(actor=None)
    data = reads.dashboard(user=personas.hq, scope=resolve_scope(user=personas.hq))
    a, b = _row(data, personas.unit_a), _row(data, personas.unit_b)
    assert (a["audit_grants"], a["audit_grants_reviewed"], a["audit_grants_unreviewed"]) == (3, 1, 1)
    assert (a["audit_reviewed_pct"], b["audit_reviewed_pct"], b["audit_grants_unreviewed"]) == (33.3, 100.0, 0)
    area = next(row for row in data.recommendation_areas if row["name"].startswith("Audit trail"))
    assert area["percent"] == 50.0
    assert "2 of 4 in the last 365 days; 1 ended unreviewed" in area["measure"]
    assert "signed checkpoint" in area["measure"]
    # The manager of unit A sees only unit A's accesses.
    own = reads.dashboard(user=personas.manager_a, scope=resolve_scope(user=personas.manager_a))
    assert own.totals["audit_grants"] == 3
