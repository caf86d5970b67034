"""Progression pages on a case: who reaches them, the forms, field errors and the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from casework.audit.models import AuditEvent
from casework.cases import services as case_services
from casework.cases.models import Case
from casework.progression import services
from casework.progression.models import CtlLogEntry, CustodyClock, Deadline, ExtensionApplication
from tests.factories import Personas
from tests.progression.conftest import add_charge, date_fields

ALL_PERSONAS = [
    "prosecutor_a",
    "paralegal_a",
    "manager_a",
    "unithead_a",
    "prosecutor_b",
    "area_leader_a",
    "hq",
    "inspector",
    "police_x",
    "police_y",
    "admin",
]
SEES_CASE_A = {"prosecutor_a", "manager_a", "unithead_a", "area_leader_a", "hq", "inspector"}
EDITS_CASE_A = {"prosecutor_a", "manager_a", "unithead_a"}
TODAY = dt.date(2026, 3, 2)  # a Monday


@pytest.fixture(autouse=True)
def _frozen(time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC))


def _remanded(ctl: CustodyClock, actor, on: dt.date = dt.date(2026, 2, 9)) -> CustodyClock:
    services.clock_event_record(actor=actor, clock=ctl, kind="remanded", occurred_on=on)
    ctl.refresh_from_db()
    return ctl


def _sending_hearing(case: Case, actor, day: dt.date):
    return case_services.hearing_add(
        actor=actor,
        case=case,
        hearing_type="sending",
        starts_at=dt.datetime.combine(day, dt.time(10, 0), tzinfo=dt.UTC),
        court="Winchester Crown Court",
    )


# --- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ALL_PERSONAS)
def test_case_progression_page_follows_case_visibility(client, personas: Personas, case_a, persona) -> None:
    client.force_login(getattr(personas, persona))
    response = client.get(reverse("progression:case", args=[case_a.pk]))
    assert response.status_code == (200 if persona in SEES_CASE_A else 404)


def test_opening_the_page_is_a_consultation(client, personas: Personas, case_a) -> None:
    client.force_login(personas.hq)
    client.get(reverse("progression:case", args=[case_a.pk]))
    event = AuditEvent.objects.filter(case_id=case_a.pk, action="consult").latest("seq")
    assert event.justification == "HQ national oversight"


def _form_urls(case: Case, ctl: CustodyClock, deadline: Deadline) -> list[str]:
    return [
        reverse("progression:clock_open", args=[case.pk]),
        reverse("progression:clock_event", args=[case.pk, ctl.pk]),
        reverse("progression:clock_check", args=[case.pk, ctl.pk]),
        reverse("progression:extension_start", args=[case.pk, ctl.pk]),
        reverse("progression:ctl_log_add", args=[case.pk]),
        reverse("progression:deadline_met", args=[case.pk, deadline.pk]),
        reverse("progression:deadline_missed", args=[case.pk, deadline.pk]),
        reverse("progression:deadline_direct", args=[case.pk, deadline.pk]),
        reverse("progression:direction_add", args=[case.pk]),
        reverse("progression:case_task_add", args=[case.pk]),
        reverse("progression:recalculate", args=[case.pk]),
    ]


@pytest.mark.parametrize("persona", ["prosecutor_b", "police_x", "police_y", "admin", "paralegal_a"])
def test_outsiders_get_404_on_every_form(client, personas: Personas, case_a, clock_a, persona) -> None:
    deadline = services.direction_add(
        actor=personas.manager_a, case=case_a, title="Serve the jury bundle", due_on=TODAY, owner_id=None, reason="PTPH"
    )
    client.force_login(getattr(personas, persona))
    for url in _form_urls(case_a, clock_a, deadline):
        assert client.post(url, {"version": 1}).status_code == 404, url
        if not url.endswith("/recalculate/"):
            assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("persona", ["hq", "inspector", "area_leader_a"])
def test_readers_get_403_on_every_post(client, personas: Personas, case_a, clock_a, persona) -> None:
    deadline = services.direction_add(
        actor=personas.manager_a, case=case_a, title="Serve the jury bundle", due_on=TODAY, owner_id=None, reason="PTPH"
    )
    client.force_login(getattr(personas, persona))
    before = AuditEvent.objects.exclude(action__in=["consult", "access_denied"]).count()
    for url in _form_urls(case_a, clock_a, deadline):
        assert client.post(url, {"version": 1}).status_code == 403, url
    assert AuditEvent.objects.exclude(action__in=["consult", "access_denied"]).count() == before


def test_readers_see_no_change_links(client, personas: Personas, case_a, clock_a) -> None:
    client.force_login(personas.inspector)
    html = client.get(reverse("progression:case", args=[case_a.pk])).content.decode()
    assert "Record event" not in html and "Recalculate dates" not in html


def test_clock_of_another_case_is_404(client, personas: Personas, case_a, case_b) -> None:
    charge_b = add_charge(case_b, personas.prosecutor_b)
    ctl_b = services.custody_clock_open(actor=personas.prosecutor_b, charge=charge_b, initial_regime="crown")
    client.force_login(personas.manager_a)
    assert client.get(reverse("progression:clock_event", args=[case_a.pk, ctl_b.pk])).status_code == 404


# --- custody clocks ----------------------------------------------------------------------------


def test_open_a_clock_and_record_remand_shows_explanation(client, personas: Personas, case_a) -> None:
    charge = add_charge(case_a, personas.prosecutor_a)
    client.force_login(personas.prosecutor_a)
    response = client.post(
        reverse("progression:clock_open", args=[case_a.pk]),
        {"charge": charge.pk, "initial_regime": "summary", **date_fields("summary_trial_decided_on", None)},
    )
    assert response.status_code == 302
    ctl = CustodyClock.objects.get(charge=charge)
    response = client.post(
        reverse("progression:clock_event", args=[case_a.pk, ctl.pk]),
        {"kind": "remanded", **date_fields("occurred_on", dt.date(2026, 2, 9)), **date_fields("new_expiry", None)},
    )
    assert response.status_code == 302
    ctl.refresh_from_db()
    # 9 Feb 2026 + 56 days = Mon 6 Apr 2026 (Easter Monday); Good Friday 3 Apr precedes it.
    assert ctl.expires_on == dt.date(2026, 4, 2)
    html = client.get(reverse("progression:case", args=[case_a.pk])).content.decode()
    assert "Thursday 2 April 2026" in html and "Easter Monday" in html
    assert ctl.rule_version in html and "Not checked" in html
    assert "31" in html  # days remaining from 2 Mar


def test_event_form_shows_field_errors_govuk_style(client, personas: Personas, case_a, clock_a) -> None:
    client.force_login(personas.prosecutor_a)
    response = client.post(
        reverse("progression:clock_event", args=[case_a.pk, clock_a.pk]),
        {"kind": "extension_granted", **date_fields("occurred_on", TODAY), **date_fields("new_expiry", None)},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html and "Enter the new expiry date the court set" in html
    assert 'href="#id_new_expiry' in html


def test_dual_check_by_a_second_person(client, personas: Personas, case_a, clock_a) -> None:
    ctl = _remanded(clock_a, personas.prosecutor_a)
    url = reverse("progression:clock_check", args=[case_a.pk, ctl.pk])
    client.force_login(personas.prosecutor_a)
    assert client.post(url, date_fields("confirmed_expiry", ctl.expires_on)).status_code == 403
    client.force_login(personas.manager_a)
    form_html = client.get(url).content.decode()
    assert "Computed expiry" not in form_html  # the checker works it out without being shown it
    wrong = client.post(url, date_fields("confirmed_expiry", ctl.expires_on + dt.timedelta(days=1)))
    assert wrong.status_code == 200 and "does not match the computed expiry" in wrong.content.decode()
    # The service's field error is on the field and in the GOV.UK error summary, linked to it.
    assert "govuk-error-summary" in wrong.content.decode() and 'href="#id_confirmed_expiry' in wrong.content.decode()
    checked = client.post(url, date_fields("confirmed_expiry", ctl.expires_on))
    assert checked.status_code == 302 and checked["Location"] == f"/cases/{case_a.pk}/deadlines/"
    ctl.refresh_from_db()
    assert ctl.dual_check_current and ctl.checked_by == personas.manager_a


def test_extension_application_and_ctl_log(client, personas: Personas, case_a, clock_a) -> None:
    hearing = _sending_hearing(case_a, personas.prosecutor_a, dt.date(2026, 2, 9))
    client.force_login(personas.prosecutor_a)
    response = client.post(
        reverse("progression:extension_start", args=[case_a.pk, clock_a.pk]),
        {**date_fields("hearing_on", dt.date(2026, 3, 20)), "note": "Expert evidence outstanding"},
    )
    assert response.status_code == 302
    assert ExtensionApplication.objects.get(clock=clock_a).hearing_on == dt.date(2026, 3, 20)
    response = client.post(
        reverse("progression:ctl_log_add", args=[case_a.pk]),
        {**date_fields("entry_on", TODAY), "hearing": str(hearing.pk), "note": "Expiry checked at the sending."},
    )
    assert response.status_code == 302
    entry = CtlLogEntry.objects.get(case=case_a)
    assert entry.hearing_id == hearing.pk and entry.author == personas.prosecutor_a
    empty = client.post(reverse("progression:ctl_log_add", args=[case_a.pk]), {**date_fields("entry_on", TODAY)})
    assert empty.status_code == 200 and "govuk-error-summary" in empty.content.decode()


# --- deadlines ---------------------------------------------------------------------------------


def test_recalculate_shows_what_moved(client, personas: Personas, case_a) -> None:
    hearing = _sending_hearing(case_a, personas.prosecutor_a, dt.date(2026, 2, 2))
    client.force_login(personas.prosecutor_a)
    first = client.post(reverse("progression:recalculate", args=[case_a.pk]))
    assert first.status_code == 200 and "No dates moved" in first.content.decode()
    stage1 = Deadline.objects.get(case=case_a, key="stage.1")
    case_services.hearing_update(
        actor=personas.prosecutor_a,
        hearing=hearing,
        expected_version=hearing.version,
        starts_at=dt.datetime(2026, 2, 9, 10, 0, tzinfo=dt.UTC),
    )
    html = client.post(reverse("progression:recalculate", args=[case_a.pk])).content.decode()
    assert "What moved" in html and stage1.title in html
    stage1.refresh_from_db()
    assert stage1.due_on == dt.date(2026, 2, 9) + dt.timedelta(days=70)
    assert AuditEvent.objects.filter(subject_type="progression.deadline", subject_id=str(stage1.pk), action="alter")


def test_mark_met_missed_and_direct(client, personas: Personas, case_a) -> None:
    _sending_hearing(case_a, personas.prosecutor_a, dt.date(2026, 2, 2))
    services.deadlines_recalculate(actor=personas.prosecutor_a, case=case_a)
    form = Deadline.objects.get(case=case_a, key="stage.1")
    stage2 = Deadline.objects.get(case=case_a, key="stage.2")
    ptph = Deadline.objects.get(case=case_a, key="ptph.target")
    client.force_login(personas.manager_a)
    met = client.post(
        reverse("progression:deadline_met", args=[case_a.pk, form.pk]),
        {"version": form.version, **date_fields("met_on", TODAY)},
    )
    assert met.status_code == 302
    missed_url = reverse("progression:deadline_missed", args=[case_a.pk, ptph.pk])
    no_note = client.post(missed_url, {"version": ptph.version, "missed_reason": "other", "missed_note": ""})
    assert no_note.status_code == 200 and "Enter why it was missed" in no_note.content.decode()
    assert client.post(missed_url, {"version": ptph.version, "missed_reason": "court_listing"}).status_code == 302
    direct_url = reverse("progression:deadline_direct", args=[case_a.pk, stage2.pk])
    no_reason = client.post(direct_url, {"version": stage2.version, **date_fields("due_on", dt.date(2026, 5, 1))})
    assert no_reason.status_code == 200 and "govuk-error-summary" in no_reason.content.decode()
    response = client.post(
        direct_url,
        {"version": stage2.version, **date_fields("due_on", dt.date(2026, 5, 1)), "reason": "PTPH 2 Mar 2026"},
    )
    assert response.status_code == 302
    form.refresh_from_db()
    ptph.refresh_from_db()
    stage2.refresh_from_db()
    assert (form.status, form.met_on) == ("met", TODAY)
    assert (ptph.status, ptph.missed_reason) == ("missed", "court_listing")
    assert stage2.due_on == dt.date(2026, 5, 1) and stage2.direction_reason == "PTPH 2 Mar 2026"
    html = client.get(reverse("progression:case", args=[case_a.pk])).content.decode()
    assert "Directed: PTPH 2 Mar 2026" in html and "Court listing" in html


def test_stale_version_is_refused_with_a_message(client, personas: Personas, case_a) -> None:
    deadline = services.direction_add(
        actor=personas.manager_a, case=case_a, title="Serve expert report", due_on=TODAY, owner_id=None, reason="PTPH"
    )
    services.deadline_mark_met(actor=personas.manager_a, deadline=deadline, expected_version=1, met_on=TODAY)
    client.force_login(personas.prosecutor_a)
    response = client.post(
        reverse("progression:deadline_missed", args=[case_a.pk, deadline.pk]),
        {"version": 1, "missed_reason": "internal", "missed_note": "Counsel was ill on the day"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "Someone else changed" in html
    # The same answer as every case form: in the error summary, the user's words kept, set against the
    # saved version so that submitting again is a deliberate choice.
    assert "govuk-error-summary" in html and "Counsel was ill on the day" in html
    assert 'name="version" value="2"' in html


def test_add_a_direction_with_owner(client, personas: Personas, case_a) -> None:
    client.force_login(personas.manager_a)
    response = client.post(
        reverse("progression:direction_add", args=[case_a.pk]),
        {
            "title": "Serve the expert's report",
            **date_fields("due_on", dt.date(2026, 4, 1)),
            "owner": personas.paralegal_a.pk,
            "reason": "PTPH 2 Mar 2026",
        },
    )
    assert response.status_code == 302
    deadline = Deadline.objects.get(case=case_a, key="direction.1")
    assert deadline.owner == personas.paralegal_a and deadline.basis == "Court direction"


def test_owner_outside_the_unit_is_not_offered(client, personas: Personas, case_a) -> None:
    client.force_login(personas.manager_a)
    response = client.post(
        reverse("progression:direction_add", args=[case_a.pk]),
        {"title": "X", **date_fields("due_on", TODAY), "owner": personas.prosecutor_b.pk, "reason": "PTPH"},
    )
    assert response.status_code == 200 and not Deadline.objects.filter(case=case_a).exists()


# --- the panel on the case page ----------------------------------------------------------------


def test_case_page_shows_the_progression_panel(client, personas: Personas, case_a, clock_a) -> None:
    _remanded(clock_a, personas.prosecutor_a)
    client.force_login(personas.manager_a)
    html = client.get(reverse("cases:section", args=[case_a.pk, "deadlines"])).content.decode()
    # The section holds the whole progression picture with its actions (where progression forms land).
    assert "Custody time limits" in html and "CTL log" in html and "Open tasks" in html
    assert reverse("progression:ctl_log_add", args=[case_a.pk]) in html
    assert "Alex MERCER" in html and "Running" in html and "10 August 2026" in html
    overview = client.get(reverse("cases:detail", args=[case_a.pk])).content.decode()
    assert "Custody time limits and deadlines" in overview
    assert reverse("cases:section", args=[case_a.pk, "deadlines"]) in overview


def test_the_task_form_reads_its_teams_in_one_query(client, personas: Personas, case_a) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from casework.people.models import Team

    client.force_login(personas.manager_a)
    url = reverse("progression:case_task_add", args=[case_a.pk])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    client.get(url)
    Team.objects.bulk_create(Team(unit=case_a.unit, name=f"Team {n}") for n in range(3))
    few = queries()
    Team.objects.bulk_create(Team(unit=case_a.unit, name=f"More {n}") for n in range(12))
    page = client.get(url).content.decode()
    assert "More 11 (" in page
    assert queries() == few


def test_case_task_add_and_complete(client, personas: Personas, case_a) -> None:
    client.force_login(personas.manager_a)
    response = client.post(
        reverse("progression:case_task_add", args=[case_a.pk]),
        {
            "title": "Chase the MG5",
            "assignee": personas.prosecutor_a.pk,
            **date_fields("due_on", TODAY),
            **date_fields("reminder_on", None),
            **date_fields("escalate_on", None),
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/cases/{case_a.pk}/deadlines/"
    task = case_a.tasks.get()
    assert "Chase the MG5" in client.get(response["Location"]).content.decode()
    client.force_login(personas.prosecutor_a)
    response = client.post(
        reverse("progression:task_complete", args=[task.pk]), {"version": task.version, "next": "case"}
    )
    assert response.status_code == 302 and response["Location"] == f"/cases/{task.case_id}/deadlines/"
    task.refresh_from_db()
    assert task.status == "done"


def test_progression_page_queries_do_not_grow_with_clocks(client, personas: Personas, case_a) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("progression:case", args=[case_a.pk])).status_code == 200
        return len(ctx.captured_queries)

    def add_clock() -> None:
        ctl = services.custody_clock_open(
            actor=personas.manager_a, charge=add_charge(case_a, personas.manager_a), initial_regime="crown"
        )
        _remanded(ctl, personas.manager_a)
        services.extension_application_start(actor=personas.manager_a, clock=ctl)

    client.force_login(personas.manager_a)
    add_clock()
    one = count()
    add_clock()
    add_clock()
    assert count() == one
