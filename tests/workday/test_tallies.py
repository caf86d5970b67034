"""The stored overview counts (casework.workday.tallies): every role's overview shows from the stored
rows exactly what it counts live; a change through a service, a move or reallocation nobody announced,
a new day, a pending re-check or a restricted reading makes the overview count live instead; national
overviews add up the units and count live only the units that changed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from casework.assurance.models import PendingRecheck
from casework.cases.models import Case, RestrictedReading
from casework.core import clock
from casework.people.models import Unit, User
from casework.progression import counts as progression_counts
from casework.progression import services as progression_services
from casework.workday import tallies
from casework.workday.models import OverviewChange, OverviewTally
from casework.workday.scope import scope_for
from casework.workday.tasks import tallies_refresh_task
from tests.workday.conftest import OVERVIEW_PERSONAS, client_for

COUNT = re.compile(r'data-figure="([^"]+)" data-figure-count="(\d+)"')
CASE_PERSONAS = [p for p in OVERVIEW_PERSONAS if p != "police.x"]


@pytest.fixture
def settled(demo, time_machine) -> None:
    """The demo, two minutes on (its writes are then older than the change margin), refreshed."""
    time_machine.move_to(clock.now() + dt.timedelta(minutes=2), tick=False)
    tallies.refresh()


def overview_counts(username: str) -> tuple[dict[str, int], bool]:
    html = client_for(username).get("/overview/").content.decode()
    return {key: int(n) for key, n in COUNT.findall(html)}, 'id="figures-as-at"' in html


def live_counts(username: str) -> dict[str, int]:
    """The same overview with nothing stored: every count worked out for the request."""
    with transaction.atomic():
        saved = list(OverviewTally.objects.all())
        OverviewTally.objects.all().delete()
        counts, as_at = overview_counts(username)
        assert not as_at
        transaction.set_rollback(True)
    assert OverviewTally.objects.count() == len(saved)
    return counts


def test_every_role_s_overview_reads_stored_counts_equal_to_live_ones(settled) -> None:
    nonzero = 0
    for persona in CASE_PERSONAS:
        stored, as_at = overview_counts(persona)
        assert as_at, f"{persona}: the overview should read its stored counts"
        assert stored == live_counts(persona), persona
        nonzero += sum(1 for n in stored.values() if n)
    assert nonzero > 10  # the demo gives these overviews real work, so equality is not 0 == 0


def test_stored_counts_are_exactly_what_the_live_figures_count_per_unit_and_person(settled) -> None:
    today = clock.today()
    for unit in Unit.objects.all():
        tally = OverviewTally.objects.get(unit=unit)
        hq = User.objects.get(username="hq.analyst")
        live = tallies._live(scope_for(hq, unit_id=unit.pk), today)
        assert {k: tuple(v) for k, v in tally.counts.items() if k in live} == live
    prosecutor = User.objects.get(username="prosecutor.a")
    tally = OverviewTally.objects.get(person=prosecutor)
    live = tallies._live(scope_for(prosecutor), today)
    assert live and {k: tuple(v) for k, v in tally.counts.items() if k in live} == live


def _work_due(manager: User):
    """An open deadline of manager's unit that the overview counts (overdue or due soon), and its figure."""
    today = clock.today()
    cases = Case.objects.visible_to(manager)
    for key, items in (
        ("deadlines-overdue", progression_counts.deadlines_overdue(cases=cases, today=today)),
        ("deadlines-due-soon", progression_counts.deadlines_due_soon(cases=cases, today=today)),
    ):
        deadline = items.first()
        if deadline is not None:
            return key, deadline
    raise AssertionError("the demo gives manager.a's unit deadlines due")


def _mark_met(manager: User, deadline) -> None:
    progression_services.deadline_mark_met(
        actor=manager, deadline=deadline, expected_version=deadline.version, met_on=clock.today()
    )


def test_a_change_through_a_service_marks_its_unit_and_holders_and_the_overview_counts_live(settled) -> None:
    manager = User.objects.get(username="manager.a")
    key, deadline = _work_due(manager)
    before, _ = overview_counts("manager.a")
    _mark_met(manager, deadline)
    case = deadline.case
    assert OverviewChange.objects.filter(unit_id=case.unit_id).exists()
    if case.allocated_lawyer_id:
        assert OverviewChange.objects.filter(person_id=case.allocated_lawyer_id).exists()
    after, as_at = overview_counts("manager.a")
    assert not as_at  # the unit changed after its counts were read: worked out now
    assert after[key] == before[key] - 1
    assert after == live_counts("manager.a")


def test_the_refresh_after_a_change_stores_the_new_counts(settled, time_machine, run_queued_tasks) -> None:
    manager = User.objects.get(username="manager.a")
    key, deadline = _work_due(manager)
    before, _ = overview_counts("manager.a")
    _mark_met(manager, deadline)
    tallies_refresh_task.call()
    assert not overview_counts("manager.a")[1]  # its verdicts wait for a re-check: not stored yet
    run_queued_tasks()  # the worker re-checks the case
    time_machine.move_to(clock.now() + dt.timedelta(minutes=2), tick=False)
    tallies_refresh_task.call()
    after, as_at = overview_counts("manager.a")
    assert as_at and after[key] == before[key] - 1
    assert after == live_counts("manager.a")


def test_a_reallocation_nobody_announced_stops_the_old_holder_s_stored_counts(settled) -> None:
    prosecutor = User.objects.get(username="prosecutor.a")
    held = Case.objects.in_normal_work().filter(allocated_lawyer=prosecutor).first()
    other = User.objects.filter(unit_id=held.unit_id, roles__code="prosecutor").exclude(pk=prosecutor.pk).first()
    Case.objects.filter(pk=held.pk).update(allocated_lawyer=other)  # a bare update: no change mark
    counts, as_at = overview_counts("prosecutor.a")
    assert not as_at  # their cases are not the ones counted: worked out now
    assert counts == live_counts("prosecutor.a")


def test_a_move_nobody_announced_stops_the_old_unit_s_stored_counts(settled) -> None:
    manager = User.objects.get(username="manager.a")
    moved = Case.objects.in_normal_work().filter(unit_id=manager.unit_id).first()
    other_unit = Unit.objects.exclude(pk=manager.unit_id).first()
    Case.objects.filter(pk=moved.pk).update(unit=other_unit)
    counts, as_at = overview_counts("manager.a")
    assert not as_at and counts == live_counts("manager.a")
    # Nationally only the two units concerned are worked out now, and the sum is still exact.
    result = tallies.counts_for(scope_for(User.objects.get(username="hq.analyst")), clock.today())
    assert result is not None and result.units_now == 2
    assert overview_counts("hq.analyst")[0] == live_counts("hq.analyst")


def test_restricting_or_disposing_a_case_stops_its_unit_s_stored_counts(settled) -> None:
    manager = User.objects.get(username="manager.a")
    case = Case.objects.in_normal_work().filter(unit_id=manager.unit_id).first()
    Case.objects.filter(pk=case.pk).update(restricted_at=clock.now())
    counts, as_at = overview_counts("manager.a")
    assert not as_at and counts == live_counts("manager.a")


def test_yesterday_s_counts_are_not_used(settled, time_machine) -> None:
    time_machine.move_to(clock.now() + dt.timedelta(days=1), tick=False)
    for persona in ("prosecutor.a", "manager.a", "hq.analyst"):
        counts, as_at = overview_counts(persona)
        assert not as_at and counts == live_counts(persona)


def test_counts_read_before_a_change_was_committed_are_not_used(settled, time_machine) -> None:
    """A change marked within the margin before the rows were read may not be in them."""
    manager = User.objects.get(username="manager.a")
    tally = OverviewTally.objects.get(unit_id=manager.unit_id)
    OverviewChange.objects.update_or_create(
        unit_id=manager.unit_id, defaults={"changed_at": tally.computed_at + dt.timedelta(seconds=1)}
    )
    assert not overview_counts("manager.a")[1]


def test_a_unit_waiting_for_re_checks_is_not_stored(settled) -> None:
    manager = User.objects.get(username="manager.a")
    case = Case.objects.in_normal_work().filter(unit_id=manager.unit_id, allocated_lawyer__isnull=False).first()
    PendingRecheck.objects.create(case=case, requested_at=clock.now())
    result = tallies.refresh()
    assert result.skipped >= 2
    assert not OverviewTally.objects.filter(unit_id=manager.unit_id).exists()
    assert not OverviewTally.objects.filter(person_id=case.allocated_lawyer_id).exists()
    counts, as_at = overview_counts("manager.a")
    assert not as_at and counts == live_counts("manager.a")


def test_a_reader_of_a_restricted_case_gets_live_counts(settled) -> None:
    head = User.objects.get(username="unithead.a")
    case = Case.objects.in_normal_work().filter(unit_id=head.unit_id).first()
    Case.objects.filter(pk=case.pk).update(restricted_at=clock.now())
    tallies.refresh()
    RestrictedReading.objects.create(
        case=case,
        user=head,
        reason="Checking a complaint",
        opened_at=clock.now(),
        expires_at=clock.now() + dt.timedelta(minutes=30),
    )
    counts, as_at = overview_counts("unithead.a")
    assert not as_at and counts == live_counts("unithead.a")


def test_in_normal_work_is_what_every_reader_of_a_whole_unit_sees_of_it(settled) -> None:
    unit = User.objects.get(username="manager.a").unit
    some = list(Case.objects.filter(unit=unit).values_list("pk", flat=True)[:2])
    Case.objects.filter(pk=some[0]).update(restricted_at=clock.now())
    Case.objects.filter(pk=some[1]).update(disposed_at=clock.now())
    expected = set(Case.objects.in_normal_work().filter(unit=unit).values_list("pk", flat=True))
    for username in ("manager.a", "unithead.a", "area.a", "hq.analyst", "inspector"):
        seen = set(
            Case.objects.visible_to(User.objects.get(username=username)).filter(unit=unit).values_list("pk", flat=True)
        )
        assert seen == expected, username


def test_a_national_reader_s_cases_are_exactly_their_visible_cases(settled) -> None:
    some = list(Case.objects.values_list("pk", flat=True)[:2])
    Case.objects.filter(pk=some[0]).update(restricted_at=clock.now())
    Case.objects.filter(pk=some[1]).update(disposed_at=clock.now())
    for username in ("hq.analyst", "inspector"):
        reader = User.objects.get(username=username)
        scope = scope_for(reader)
        assert set(scope.cases().values_list("pk", flat=True)) == set(
            Case.objects.visible_to(reader).values_list("pk", flat=True)
        ), username
        # Narrowed to one prosecutor (the board's filter), the national view keeps the narrowing.
        lawyer = Case.objects.exclude(allocated_lawyer=None).values_list("allocated_lawyer", flat=True).first()
        narrowed = scope_for(reader, lawyer_id=lawyer)
        assert set(narrowed.cases().values_list("pk", flat=True)) == set(
            Case.objects.visible_to(reader).filter(allocated_lawyer=lawyer).values_list("pk", flat=True)
        ), username


def test_the_national_overview_reads_a_fixed_number_of_queries_from_stored_counts(settled) -> None:
    client = client_for("hq.analyst")
    client.get("/overview/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/overview/").status_code == 200
    # Session and user, the reader's restricted readings, the tallies, change marks, membership,
    # units, the unit picker and the request's audit: none of it grows with the register.
    assert len(queries.captured_queries) <= 14, [q["sql"][:120] for q in queries.captured_queries]


def test_the_refresh_is_scheduled() -> None:
    from casework.core.schedule import SCHEDULE

    assert any(entry.task_path == "casework.workday.tasks.tallies_refresh_task" for entry in SCHEDULE)
