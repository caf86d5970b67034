"""Notices: one per case and event (not one per charge), naming the defendants and charges;
the notices page groups them by urgency and makes urgent custody time limits, limits not
dual-checked and undecided extension hearings stand out; old one-per-charge notices are coalesced."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from casework.audit.models import AuditEvent
from casework.cases import services as case_services
from casework.cases.models import Case
from casework.progression import notices, services
from casework.progression.models import CustodyClock, Notice
from casework.progression.sweep import progression_sweep
from tests.factories import Personas

TODAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _frozen(time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC))


def _now() -> dt.datetime:
    return dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


def _clocks(case: Case, actor, remanded_on: dt.date, charges: dict[str, list[str]]) -> list[CustodyClock]:
    """A summary-only limit (56 days from remand) on each charge of each defendant."""
    made = []
    for name, offences in charges.items():
        first, last = name.split(" ")
        defendant = case_services.defendant_add(actor=actor, case=case, first_names=first, last_name=last)
        for offence in offences:
            charge = case_services.charge_add(
                actor=actor, defendant=defendant, offence=offence, classification="indictable_only"
            )
            clock = services.custody_clock_open(actor=actor, charge=charge, initial_regime="summary")
            services.clock_event_record(actor=actor, clock=clock, kind="remanded", occurred_on=remanded_on)
            clock.refresh_from_db()
            made.append(clock)
    return made


MANY = {
    "Alex Mercer": [f"Fraud by false representation, count {n}" for n in range(1, 8)],
    "Sam Okafor": [f"Money laundering, count {n}" for n in range(1, 6)],
}


# --- creating them -------------------------------------------------------------------------------


def test_one_notice_per_case_and_event_for_many_charges(personas: Personas, case_a) -> None:
    # Remanded 19 Jan: every limit expires on Mon 16 Mar, 14 days away.
    _clocks(case_a, personas.prosecutor_a, dt.date(2026, 1, 19), MANY)
    progression_sweep()
    for person in (personas.prosecutor_a, personas.manager_a):
        mine = Notice.objects.filter(user=person, case=case_a, event="ctl_warning")
        assert mine.count() == 1
        notice = mine.get()
        assert notice.due_on == dt.date(2026, 3, 16)
        assert [s["defendant"] for s in notice.subjects] == ["Alex MERCER", "Sam OKAFOR"]
        assert notice.subjects[0]["charges"] == MANY["Alex Mercer"]
        assert len(notice.subjects[1]["charges"]) == 5
        assert "12 charges" in notice.text and "Alex MERCER" in notice.text and "Sam OKAFOR" in notice.text
    again = progression_sweep()
    assert again.notices_created == 0


def test_each_warning_threshold_is_its_own_event_but_one_item_on_the_page(personas: Personas, case_a, time_machine):
    _clocks(case_a, personas.prosecutor_a, dt.date(2026, 1, 19), {"Alex Mercer": ["Robbery", "Assault"]})
    progression_sweep()  # 14 days left
    time_machine.move_to(dt.datetime(2026, 3, 9, 2, 0, tzinfo=dt.UTC))
    progression_sweep()  # 7 days left
    mine = Notice.objects.filter(user=personas.manager_a, event="ctl_warning")
    assert mine.count() == 2
    items = notices.coalesce(mine)
    assert len(items) == 1 and "(7 days)" in items[0].latest.text


def test_an_older_one_per_charge_notice_is_not_repeated(personas: Personas, case_a) -> None:
    clocks = _clocks(case_a, personas.prosecutor_a, dt.date(2026, 1, 19), {"Alex Mercer": ["Robbery", "Assault"]})
    expiry = clocks[0].expires_on
    for clock in clocks:
        Notice.objects.create(
            user=personas.manager_a,
            case=case_a,
            key=f"ctl:{clock.pk}:{expiry.isoformat()}:14",
            text="old",
            created_at=_now(),
        )
    progression_sweep()
    assert not Notice.objects.filter(user=personas.manager_a, key__startswith="ctl-case:").exists()


def test_failures_on_several_charges_the_same_day_are_one_notice(personas: Personas, case_a, time_machine) -> None:
    # Remanded 5 Jan: the limits expired on 2 Mar; the sweep on 3 Mar finds them failed in custody.
    _clocks(case_a, personas.prosecutor_a, dt.date(2026, 1, 5), {"Alex Mercer": ["Robbery", "Assault"]})
    time_machine.move_to(dt.datetime(2026, 3, 3, 2, 0, tzinfo=dt.UTC))
    progression_sweep()
    mine = Notice.objects.filter(user=personas.manager_a, event="ctl_failure")
    assert mine.count() == 1
    assert mine.get().subjects == [{"defendant": "Alex MERCER", "charges": ["Robbery", "Assault"]}]


def test_an_extension_hearing_passed_undecided_is_told_and_flagged(client, personas: Personas, case_a) -> None:
    (clock,) = _clocks(case_a, personas.prosecutor_a, dt.date(2026, 1, 26), {"Alex Mercer": ["Robbery"]})
    services.extension_application_start(actor=personas.prosecutor_a, clock=clock, hearing_on=dt.date(2026, 2, 27))
    progression_sweep()
    notice = Notice.objects.get(user=personas.manager_a, event="extension_undecided")
    assert notice.due_on == dt.date(2026, 2, 27) and "no decision is recorded" in notice.text
    client.force_login(personas.manager_a)
    page = client.get(reverse("progression:notices")).content.decode()
    assert "Extension hearing passed: no decision recorded" in page
    assert page.index("Needs attention now") < page.index('id="notices-overdue"')


# --- the page ------------------------------------------------------------------------------------


def _notice(user, case, key, event, due_on, text="A notice.") -> Notice:
    return Notice.objects.create(
        user=user, case=case, key=key, event=event, due_on=due_on, text=text, created_at=_now()
    )


def test_urgency_groups() -> None:
    def at(days: int | None, event: str = "deadline_moved") -> str:
        due = None if days is None else TODAY + dt.timedelta(days=days)
        return notices.urgency(Notice(event=event, due_on=due), TODAY)

    assert [at(-1), at(0), at(7), at(8), at(28), at(29), at(None)] == [
        "overdue",
        "week",
        "week",
        "month",
        "month",
        "other",
        "other",
    ]
    assert at(30, "ctl_failure") == "overdue" and at(None, "task_escalated") == "overdue"


def test_the_page_groups_by_urgency_most_urgent_first(client, personas: Personas, case_a) -> None:
    user = personas.prosecutor_a
    _notice(user, case_a, "moved:1:a", "deadline_moved", TODAY + dt.timedelta(days=60), "Later date.")
    _notice(user, case_a, "moved:2:b", "deadline_moved", TODAY + dt.timedelta(days=20), "Month date.")
    _notice(user, case_a, "moved:3:c", "deadline_moved", TODAY + dt.timedelta(days=3), "Week date.")
    _notice(user, case_a, "moved:4:d", "deadline_moved", TODAY - dt.timedelta(days=2), "Past date.")
    client.force_login(user)
    page = client.get(reverse("progression:notices")).content.decode()
    headings = ["Overdue", "Due within 7 days", "Due within 28 days", "Other"]
    positions = [
        page.index(f'id="notices-{slug}">{heading}')
        for slug, heading in zip(["overdue", "week", "month", "other"], headings, strict=True)
    ]
    assert positions == sorted(positions)
    assert page.index("Past date.") < page.index("Week date.") < page.index("Month date.") < page.index("Later date.")


def test_urgent_and_unchecked_limits_stand_out_and_a_dual_check_clears_the_orange(
    client, personas: Personas, case_a, case_b
) -> None:
    # case_a's limit: 7 days left (red); another case's limit in 20 days, not dual-checked (orange).
    (urgent,) = _clocks(case_a, personas.prosecutor_a, dt.date(2026, 1, 12), {"Alex Mercer": ["Robbery"]})
    other = case_services.case_create(
        actor=personas.manager_a,
        unit_id=personas.unit_a.pk,
        urn="44HX9999926",
        allocated_lawyer_id=personas.prosecutor_a.pk,
        legal_manager_id=personas.manager_a.pk,
    )
    (later,) = _clocks(other, personas.prosecutor_a, dt.date(2026, 1, 25), {"Jo Bloggs": ["Burglary"]})
    progression_sweep()
    client.force_login(personas.manager_a)
    page = client.get(reverse("progression:notices")).content.decode()
    assert 'govuk-tag--red">Custody time limit: 7 days left' in page
    assert 'govuk-tag--orange">Not dual-checked' in page
    banner = page[page.index("Needs attention now") : page.index('id="notices-week"')]
    assert case_a.urn in banner and other.urn in banner
    # Within its group the red item comes before anything else.
    week = page[page.index('id="notices-week"') :]
    assert week.index(case_a.urn) < week.index("Custody time limit: 7 days left") + 400
    services.clock_dual_check(actor=personas.manager_a, clock=later, confirmed_expiry=later.expires_on)
    services.clock_dual_check(actor=personas.manager_a, clock=urgent, confirmed_expiry=urgent.expires_on)
    page = client.get(reverse("progression:notices")).content.decode()
    assert "Not dual-checked" not in page
    assert "Custody time limit: 7 days left" in page  # still urgent, checked or not


def test_old_one_per_charge_notices_are_described_and_shown_once(client, personas: Personas, case_a) -> None:
    clocks = _clocks(
        case_a, personas.prosecutor_a, dt.date(2026, 1, 19), {"Alex Mercer": ["Robbery", "Assault", "Theft"]}
    )
    expiry = clocks[0].expires_on
    text = f"{case_a.urn}: custody time limit expires 16 Mar 2026 (14 days)."
    for clock in clocks:
        Notice.objects.create(
            user=personas.manager_a,
            case=case_a,
            key=f"ctl:{clock.pk}:{expiry.isoformat()}:28",
            text=text,
            created_at=_now(),
        )
    migration = importlib.import_module("casework.progression.migrations.0006_notice_event_date_and_subjects")
    migration.describe_old_notices(django_apps, None)
    old = Notice.objects.filter(user=personas.manager_a)
    assert {(n.event, n.due_on) for n in old} == {("ctl_warning", expiry)}
    assert {n.subjects[0]["charges"][0] for n in old} == {"Robbery", "Assault", "Theft"}
    client.force_login(personas.manager_a)
    page = client.get(reverse("progression:notices")).content.decode()
    assert page.count(f">{text}") + page.count(f"{text}\n") >= 1
    assert "3 notices about this, shown once" in page
    assert "Robbery; Assault; Theft" in page
    response = client.post(reverse("progression:notices_read"), {"notice": [n.pk for n in old]})
    assert response.status_code == 302
    assert not Notice.objects.filter(user=personas.manager_a, read_at__isnull=True).exists()


def test_showing_notices_consults_their_cases(client, personas: Personas, case_a) -> None:
    _notice(personas.prosecutor_a, case_a, "moved:1:a", "deadline_moved", TODAY)
    client.force_login(personas.prosecutor_a)
    before = AuditEvent.objects.filter(action="consult", case_id=case_a.pk).count()
    client.get(reverse("progression:notices"))
    event = AuditEvent.objects.filter(action="consult", case_id=case_a.pk).latest("seq")
    assert AuditEvent.objects.filter(action="consult", case_id=case_a.pk).count() == before + 1
    assert "Notices" in event.justification


# --- denial --------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["prosecutor_b", "manager_a", "police_x", "admin"])
def test_nobody_sees_or_marks_anothers_notices(client, personas: Personas, case_a, persona: str) -> None:
    mine = _notice(personas.prosecutor_a, case_a, "moved:1:a", "deadline_moved", TODAY, "Only for prosecutor a.")
    client.force_login(getattr(personas, persona))
    assert "Only for prosecutor a." not in client.get(reverse("progression:notices")).content.decode()
    assert client.post(reverse("progression:notices_read"), {"notice": [mine.pk]}).status_code == 404
    mine.refresh_from_db()
    assert mine.read_at is None


def test_a_notice_on_a_case_no_longer_visible_is_not_shown_or_flagged(client, personas: Personas, case_b) -> None:
    _notice(personas.prosecutor_a, case_b, "moved:1:a", "ctl_warning", TODAY, "About another unit's case.")
    client.force_login(personas.prosecutor_a)
    page = client.get(reverse("progression:notices")).content.decode()
    assert "About another unit's case." not in page and case_b.urn not in page


def test_mark_read_refuses_bad_ids_without_marking_everything(client, personas: Personas, case_a) -> None:
    mine = _notice(personas.prosecutor_a, case_a, "moved:1:a", "deadline_moved", TODAY)
    client.force_login(personas.prosecutor_a)
    assert client.post(reverse("progression:notices_read"), {"notice": ["abc"]}).status_code == 404
    mine.refresh_from_db()
    assert mine.read_at is None
