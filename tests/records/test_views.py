"""The records management pages: who reaches them, what they show, and what they record."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from casework.audit.models import AuditEvent
from casework.core import clock
from casework.records import services
from casework.records.choices import Decision, RecordType
from casework.records.models import LegalHold, RetentionDecision
from tests.records.conftest import make_old_case

PAGES = ["records:dashboard", "records:review", "records:holds", "records:disposals", "records:schedule"]


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def old(personas):
    return make_old_case(personas)


def detail_url(case) -> str:
    return reverse("records:review_detail", args=[RecordType.CASE_FILE, case.pk])


@pytest.mark.parametrize("persona", ["prosecutor_a", "paralegal_a", "manager_a", "prosecutor_b", "police_x", "admin"])
def test_people_outside_records_management_get_page_not_found(personas, old, persona):
    client = client_for(getattr(personas, persona))
    for name in PAGES:
        assert client.get(reverse(name)).status_code == 404, name
    assert client.get(detail_url(old.case)).status_code == 404
    assert client.get(reverse("records:export", args=["disposals", "csv"])).status_code == 404


def test_the_records_officer_lands_on_the_dashboard_with_its_figures(personas, records_a, old):
    client = client_for(records_a)
    assert client.get("/").url == reverse("records:dashboard")
    page = client.get(reverse("records:dashboard")).content.decode()
    assert "Records disposed of per quarter" in page and "Wessex CCU" in page
    for name in PAGES:
        assert client.get(reverse(name)).status_code == 200, name
    review = client.get(reverse("records:review"), {"state": "due"}).content.decode()
    assert old.case.urn in review


def test_the_records_officer_approves_and_the_worker_disposes(personas, records_a, old):
    client = client_for(records_a)
    invalid = client.post(detail_url(old.case), {"form": "decision", "decision": "approve", "reason": "short"})
    assert invalid.status_code == 400 and "Error:" in invalid.content.decode()
    response = client.post(
        detail_url(old.case), {"form": "decision", "decision": "approve", "reason": "Retention over, nothing pending"}
    )
    assert response.status_code == 302
    assert RetentionDecision.objects.get().decision == Decision.APPROVE
    services.dispose_approved()
    log = client_for(personas.inspector).get(reverse("records:disposals")).content.decode()
    assert old.case.urn in log and "Retention over, nothing pending" in log


def test_the_unit_head_places_and_lifts_a_hold_but_does_not_decide(personas, old):
    client = client_for(personas.unithead_a)
    refused = client.post(
        detail_url(old.case), {"form": "decision", "decision": "approve", "reason": "Retention over, nothing pending"}
    )
    assert refused.status_code == 403
    placed = client.post(detail_url(old.case), {"form": "hold", "reason": "Appeal out of time lodged"})
    assert placed.status_code == 302
    hold = LegalHold.objects.get()
    assert hold.placed_by == personas.unithead_a
    page = client.get(detail_url(old.case)).content.decode()
    assert "Under legal hold" in page
    lifted = client.post(reverse("records:hold_lift", args=[hold.pk]), {"reason": "Appeal refused, no further step"})
    assert lifted.status_code == 302
    assert LegalHold.objects.active().count() == 0
    assert AuditEvent.objects.filter(subject_type="records.legalhold").count() == 2


def test_exports_ask_why_and_for_whom_and_are_audited(personas, records_a, old):
    client = client_for(personas.inspector)
    url = reverse("records:export", args=["review", "csv"])
    assert client.get(url).status_code == 200
    response = client.post(url, {"justification": "Inspection of records management", "recipient": "HMCPSI"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert old.case.urn in response.content.decode()
    event = AuditEvent.objects.get(action="export", subject_type="records.export")
    assert (event.justification, event.recipient) == ("Inspection of records management", "HMCPSI")
    assert (
        client.post(
            reverse("records:export", args=["dashboard", "xlsx"]),
            {"justification": "Inspection", "recipient": "HMCPSI"},
        ).status_code
        == 200
    )
    assert client.get(reverse("records:export", args=["nothing", "csv"])).status_code == 404


def test_another_units_records_stay_out_of_a_unit_scoped_view(personas, old):
    from casework.people.choices import RoleCode
    from tests.factories import make_user

    records_b = make_user("records.b", RoleCode.RECORDS_OFFICER, unit=personas.unit_b)
    client = client_for(records_b)
    assert old.case.urn not in client.get(reverse("records:review")).content.decode()
    assert client.get(detail_url(old.case)).status_code == 404
    services.hold_place(
        actor=personas.unithead_a,
        record_type=RecordType.CASE_FILE,
        record_id=str(old.case.pk),
        reason="Appeal out of time lodged",
    )
    assert old.case.urn not in client.get(reverse("records:holds")).content.decode()
    hold = LegalHold.objects.get()
    assert (
        client.post(reverse("records:hold_lift", args=[hold.pk]), {"reason": "Not mine to lift at all"}).status_code
        == 404
    )


@pytest.fixture
def judged(monkeypatch) -> list[object]:
    """The trigger dates of every retention verdict worked out while the test runs."""
    from casework.records import rules

    seen: list[object] = []
    real_verdict = rules.retention_verdict

    def counted(**kwargs):
        seen.append(kwargs["trigger_date"])
        return real_verdict(**kwargs)

    monkeypatch.setattr(rules, "retention_verdict", counted)
    return seen


def test_a_unit_reviewer_has_only_their_units_records_read_and_judged(personas, old, judged):
    """The review list and dashboard of a unit (or an Area) read that scope's records in the query:
    another unit's records are neither shown nor have their verdicts worked out (at national scale
    that work was most of the page's time)."""
    from casework.cases.models import Case
    from casework.records import selectors

    other = make_old_case(personas, names=("Ottoline", "Farthingale"), operation="Operation Hawthorn")
    Case.objects.filter(pk=other.case.pk).update(unit=personas.unit_b)
    judged.clear()
    mine = selectors.review_list(user=personas.unithead_a)
    assert [item.record_id for item in mine] == [str(old.case.pk)]
    assert len(judged) == 1
    nation = selectors.review_list(user=personas.hq)
    assert {str(old.case.pk), str(other.case.pk)} <= {item.record_id for item in nation}
    page = client_for(personas.unithead_a).get(reverse("records:review")).content.decode()
    assert old.case.urn in page and other.case.urn not in page
    figures = selectors.dashboard(user=personas.area_leader_a)
    assert sum(unit.due for unit in figures.by_unit) == 1


def test_the_review_list_judges_only_records_that_could_be_due_and_misses_none(personas, old, judged):
    """A review list leaves out, in the query, closed cases whose shortest period cannot have run yet,
    but never one with a hold or a decision: its items equal judging every record and keeping the
    review states."""
    from casework.records import selectors

    recent = make_old_case(personas, closed_on=clock.today() - dt.timedelta(days=30), names=("Ada", "Recent"))
    held = make_old_case(personas, closed_on=clock.today() - dt.timedelta(days=40), names=("Bea", "Held"))
    services.hold_place(
        actor=personas.unithead_a,
        record_type=RecordType.CASE_FILE,
        record_id=str(held.case.pk),
        reason="Appeal out of time lodged",
    )
    everything = selectors.retention_items()
    expected = [(i.record_type, i.record_id, i.state) for i in everything if i.state in selectors.REVIEW_STATES]
    judged.clear()
    review = selectors.review_list(user=personas.hq)
    assert [(i.record_type, i.record_id, i.state) for i in review] == expected
    states = {i.record_id: i.state for i in review}
    assert states[str(old.case.pk)] == "due" and states[str(held.case.pk)] == "held"
    assert str(recent.case.pk) not in states
    # The recent case, not due for years, was never read to be judged.
    assert len(judged) == len(everything) - 1
