"""The overviews' counts, stored per unit and per caseworker, so an overview reads a row, not the register.

Counting a unit's custody time limits, deadlines, verdicts and sign-offs live costs a few hundred
milliseconds at 100,000 cases, and the national overview seconds. The counts that come from cases
alone (`Figure.stored`) are worked out for the whole register at once and stored: one OverviewTally
per unit (what the unit's managers, its Area leadership and national readers see of it) and one per
person holding a case (prosecutor, deputy or paralegal: a caseworker's own overview). Counts that
depend on the reader (their returned sign-offs, their feedback, police requests, IQA coverage) are
always counted live.

A stored tally is used only when all of these hold, otherwise the counts are worked out live for that
request (never shown stale, never stored from a request):
- it is for today (time alone moves items between "due soon" and "overdue");
- it was made under the figures' current definitions;
- no case of its subject changed after its rows were read: every write to a case calls the case-change
  listener (`cases_changed`), which marks the case's unit and its holders as changed, in the writing
  transaction. The rows are dated `CHANGE_MARGIN` before they were read, so a write whose
  transaction was still open while they were read is never missed;
- its subject still has the same cases (their number and the sum of their ids, one indexed query): a
  case moved to another unit, reallocated away from a person, restricted or disposed leaves its old
  subject, which no change mark of that subject records;
- the reader is not reading a restricted case with a reason (their own view then includes it).

The counts are what the live figures count over the subject's cases in normal work
(`CaseQuerySet.in_normal_work`), which is exactly `visible_to` of every reader of the subject's
overview. A refresh (every few minutes, and after the nightly sweeps) stores every subject again,
except units and people with a case whose assurance verdicts are still being re-checked; so writes
made without notification (the sweeps' set-based updates, a bare database update) show within one
refresh. tests/workday/test_tallies.py checks stored and live overviews agree for every role.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum

from casework.assurance.models import PendingRecheck
from casework.cases.models import Case, RestrictedReading
from casework.core import clock
from casework.people.models import Unit
from casework.workday import figures as figures_
from casework.workday.models import OverviewChange, OverviewTally
from casework.workday.scope import MINE, NATIONAL, UNIT, Scope, whole_register

#: A tally's rows count as read this long before they were: a write still in its transaction while
#: they were read is then never hidden behind it.
CHANGE_MARGIN = dt.timedelta(seconds=60)
#: Change when a figure's meaning changes in a way its key and title do not show.
DEFINITIONS_REVISION = 1

Counts = dict[str, tuple[int, int | None]]


def stored_figures() -> list[figures_.Figure]:
    return [figure for figure in figures_.FIGURES if figure.stored]


def definitions() -> str:
    """A fingerprint of what the stored figures count: their keys, titles and case paths."""
    text = repr((DEFINITIONS_REVISION, [(f.key, f.title, f.case_path, sorted(f.scopes)) for f in stored_figures()]))
    return hashlib.sha256(text.encode()).hexdigest()


# --- keeping track of changes ------------------------------------------------------------------------


def cases_changed(case_ids: frozenset[int]) -> None:
    """Case-change listener: mark the changed cases' units and holders as changed now."""
    rows = Case.objects.filter(pk__in=case_ids).values_list(
        "unit_id", "allocated_lawyer_id", "deputy_lawyer_id", "paralegal_id"
    )
    units: set[int] = set()
    people: set[int] = set()
    for unit_id, *holders in rows:
        units.add(unit_id)
        people.update(pk for pk in holders if pk)
    now = clock.now()
    for field_name, ids in (("unit", units), ("person", people)):
        OverviewChange.objects.bulk_create(
            [OverviewChange(**{f"{field_name}_id": pk, "changed_at": now}) for pk in sorted(ids)],
            update_conflicts=True,
            unique_fields=[field_name],
            update_fields=["changed_at"],
        )


# --- working out and storing -----------------------------------------------------------------------


def _case_ids(figure: figures_.Figure, items: QuerySet[Any] | Sequence[Any]) -> Iterator[int]:
    """The case of each counted item (one per item, repeated when a case has several)."""
    field_name = "pk" if figure.case_path == "pk" else f"{figure.case_path}_id"
    if isinstance(items, QuerySet):
        yield from items.order_by().values_list(field_name, flat=True).iterator(chunk_size=5000)
    else:
        yield from (getattr(item, field_name) for item in items)


@dataclass
class _Subject:
    members: int = 0
    member_sum: int = 0
    items: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    cases: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))

    def counts(self) -> dict[str, list[int | None]]:
        result: dict[str, list[int | None]] = {}
        for figure in stored_figures():
            n = self.items.get(figure.key, 0)
            cases = len(self.cases[figure.key]) if n and figure.case_path not in (None, "pk") else None
            result[figure.key] = [n, cases]
        return result


@dataclass(frozen=True)
class Refresh:
    units: int
    people: int
    skipped: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {"units": self.units, "people": self.people, "skipped_rechecking": self.skipped, "seconds": self.seconds}


def refresh(*, today: dt.date | None = None) -> Refresh:
    """Work out every unit's and every holder's counts from the whole register and store them.

    Subjects with a case whose verdicts are waiting to be re-checked are left out (their stored row is
    removed), so a re-check that lands after this read cannot leave an old verdict count behind."""
    started = time.perf_counter()
    today = today or clock.today()
    read_at = clock.now() - CHANGE_MARGIN
    rechecking = set(PendingRecheck.objects.values_list("case_id", flat=True))
    owners: dict[int, tuple[int, frozenset[int]]] = {}
    units: dict[int, _Subject] = defaultdict(_Subject)
    people: dict[int, _Subject] = defaultdict(_Subject)
    skip_units: set[int] = set()
    skip_people: set[int] = set()
    columns = ("pk", "unit_id", "allocated_lawyer_id", "deputy_lawyer_id", "paralegal_id")
    for pk, unit_id, *holders in Case.objects.in_normal_work().values_list(*columns).iterator(chunk_size=5000):
        held = frozenset(person for person in holders if person)
        owners[pk] = (unit_id, held)
        for subject in [units[unit_id], *(people[person] for person in held)]:
            subject.members += 1
            subject.member_sum += pk
        if pk in rechecking:
            skip_units.add(unit_id)
            skip_people.update(held)
    scope = whole_register()
    for figure in stored_figures():
        for case_id in _case_ids(figure, figure.items(scope, today)):
            owner = owners.get(case_id)
            if owner is None:  # restricted or disposed: not in anyone's normal work
                continue
            unit_id, held = owner
            for subject in [units[unit_id], *(people[person] for person in held)]:
                subject.items[figure.key] += 1
                subject.cases[figure.key].add(case_id)
    marks = definitions()

    def tally(subject: _Subject, **who: int) -> OverviewTally:
        return OverviewTally(
            **who,
            as_of=today,
            computed_at=read_at,
            definitions=marks,
            case_count=subject.members,
            case_sum=subject.member_sum,
            counts=subject.counts(),
        )

    all_units = set(Unit.objects.values_list("pk", flat=True))
    unit_rows = [tally(units[pk], unit_id=pk) for pk in sorted(all_units - skip_units)]
    person_rows = [tally(people[pk], person_id=pk) for pk in sorted(set(people) - skip_people)]
    with transaction.atomic():
        OverviewTally.objects.all().delete()
        OverviewTally.objects.bulk_create(unit_rows + person_rows, batch_size=1000)
    return Refresh(
        units=len(unit_rows),
        people=len(person_rows),
        skipped=len(skip_units) + len(skip_people),
        seconds=round(time.perf_counter() - started, 3),
    )


# --- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredCounts:
    """Counts for an overview: `counts` by figure key; `as_at` when the oldest stored row used was
    read (None: all worked out now); `units_now` units of a national view worked out for this request."""

    counts: Counts
    as_at: dt.datetime | None
    units_now: int = 0


def _usable(tally: OverviewTally | None, *, today: dt.date, marks: str, changed: dt.datetime | None) -> bool:
    if tally is None or tally.as_of != today or tally.definitions != marks:
        return False
    return changed is None or changed < tally.computed_at


def _counts_of(tally: OverviewTally) -> Counts:
    return {key: (int(value[0]), None if value[1] is None else int(value[1])) for key, value in tally.counts.items()}


def _live(scope: Scope, today: dt.date) -> Counts:
    counts: Counts = {}
    for figure in stored_figures():
        if scope.kind not in figure.scopes:
            continue
        counts[figure.key] = figure.totals(scope, today)
    return counts


def _membership(cases: Any) -> tuple[int, int]:
    row = cases.aggregate(n=Count("pk"), s=Sum("pk"))
    return int(row["n"] or 0), int(row["s"] or 0)


def _reads_restricted(user: Any) -> bool:
    return RestrictedReading.objects.active().filter(user=user).exists()


def counts_for(scope: Scope, today: dt.date) -> StoredCounts | None:
    """The stored counts of this overview's stored figures, or None when they must be worked out live."""
    if scope.lawyer_id or scope.user is None or _reads_restricted(scope.user):
        return None
    marks = definitions()
    if scope.kind == MINE:
        return _one(scope, today, marks, person=scope.user.pk)
    if scope.kind == UNIT and scope.unit is not None:
        return _one(scope, today, marks, unit=scope.unit.pk)
    if scope.kind == NATIONAL:
        return _national(scope, today, marks)
    return None


def _one(scope: Scope, today: dt.date, marks: str, **subject: int) -> StoredCounts | None:
    tally = OverviewTally.objects.filter(**subject).first()
    change = OverviewChange.objects.filter(**subject).values_list("changed_at", flat=True).first()
    if not _usable(tally, today=today, marks=marks, changed=change):
        return None
    assert tally is not None
    if "person" in subject:
        person = subject["person"]
        held = Q(allocated_lawyer_id=person) | Q(deputy_lawyer_id=person) | Q(paralegal_id=person)
        members = Case.objects.in_normal_work().filter(held)
    else:
        members = Case.objects.in_normal_work().filter(unit_id=subject["unit"])
    if _membership(members) != (tally.case_count, tally.case_sum):
        return None
    return StoredCounts(_counts_of(tally), tally.computed_at)


def _national(scope: Scope, today: dt.date, marks: str) -> StoredCounts:
    """Every unit's stored counts added up; a unit whose tally cannot be used is worked out live."""
    tallies = {t.unit_id: t for t in OverviewTally.objects.filter(unit__isnull=False)}
    changes = dict(OverviewChange.objects.filter(unit__isnull=False).values_list("unit_id", "changed_at"))
    members = {
        row["unit_id"]: (int(row["n"]), int(row["s"] or 0))
        for row in Case.objects.in_normal_work().values("unit_id").annotate(n=Count("pk"), s=Sum("pk")).order_by()
    }
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    oldest: dt.datetime | None = None
    worked_out = 0
    for unit in Unit.objects.order_by("pk"):
        tally = tallies.get(unit.pk)
        usable = _usable(tally, today=today, marks=marks, changed=changes.get(unit.pk)) and tally is not None
        if usable and tally is not None and members.get(unit.pk, (0, 0)) == (tally.case_count, tally.case_sum):
            counts = _counts_of(tally)
            oldest = tally.computed_at if oldest is None else min(oldest, tally.computed_at)
        else:
            counts = _live(Scope(UNIT, scope.user, unit), today)
            worked_out += 1
        for key, (n, cases) in counts.items():
            totals[key][0] += n
            totals[key][1] += cases or 0
    result: Counts = {}
    for figure in stored_figures():
        if NATIONAL not in figure.scopes:
            continue
        n, cases = totals.get(figure.key, (0, 0))
        # Units never share a case, so the cases add up across units.
        result[figure.key] = (n, cases if n and figure.case_path not in (None, "pk") else None)
    return StoredCounts(result, oldest, worked_out)
