"""Stored IQA analytics: the figures of each shared aggregate scope, worked out by a scheduled
refresh and read by national, area and unit-head readers instead of counting every answer (a
million at 100,000 cases) on each request.

A reader gets the snapshot of exactly their scope (`AssessmentQuerySet.shared_scope_key`: national,
their area or their unit) and of their naming (pseudonyms unless `sees_names`), or the live count
when there is none. Snapshots are the live computation (`selectors.analytics_of`) written out as
JSON and read back unchanged, so stored and live figures cannot differ except by the time between.
Assessments keep the unit they were made in, so unit moves do not change a snapshot; a new quota
policy (its significance level and feedback days) is picked up at the next refresh.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from django.db import transaction

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.core import clock
from casework.people.choices import NATIONAL_READ_ROLES, RoleCode
from casework.people.models import User
from casework.quality import rules
from casework.quality.models import AnalyticsSnapshot, Assessment, sees_names
from casework.quality.selectors import Analytics, Bar, analytics_of

_BAR_LISTS = ("by_standard", "by_question", "by_unit", "by_team", "by_prosecutor", "by_quarter", "failure_points")


# --- to and from JSON ------------------------------------------------------------------------------


def _bar(bar: Bar) -> list[Any]:
    return [bar.label, bar.value, bar.count]


def _test(data: dict[str, float] | None) -> rules.TestResult | None:
    return rules.TestResult(**data) if data else None


def to_data(result: Analytics) -> dict[str, Any]:
    """Everything the page, exports and API show, as JSON (floats keep their exact value)."""
    return {
        "named": result.named,
        "assessments": result.assessments,
        "alpha": result.alpha,
        **{name: [_bar(bar) for bar in getattr(result, name)] for name in _BAR_LISTS},
        "leniency": [[key, dataclasses.asdict(item)] for key, item in result.leniency],
        "agreement_by_question": [[key, dataclasses.asdict(a)] for key, a in result.agreement_by_question],
        "agreement_by_assessor": [[key, dataclasses.asdict(a)] for key, a in result.agreement_by_assessor],
        "feedback_on_time": _bar(result.feedback_on_time) if result.feedback_on_time else None,
    }


def from_data(data: dict[str, Any], *, as_of: dt.datetime | None = None) -> Analytics:
    def leniency(item: dict[str, Any]) -> rules.Leniency:
        tests = {"peer_test": _test(item["peer_test"]), "moderation_test": _test(item["moderation_test"])}
        return rules.Leniency(**(item | tests))

    feedback = data["feedback_on_time"]
    return Analytics(
        named=data["named"],
        assessments=data["assessments"],
        alpha=data["alpha"],
        **{name: [Bar(*bar) for bar in data[name]] for name in _BAR_LISTS},
        leniency=[(key, leniency(item)) for key, item in data["leniency"]],
        agreement_by_question=[(key, rules.Agreement(**a)) for key, a in data["agreement_by_question"]],
        agreement_by_assessor=[(key, rules.Agreement(**a)) for key, a in data["agreement_by_assessor"]],
        feedback_on_time=Bar(*feedback) if feedback else None,
        as_of=as_of,
    )


# --- reading ----------------------------------------------------------------------------------------


def stored_for(user: Any) -> Analytics | None:
    """The stored figures of the user's own shared scope and naming, or None (count them live)."""
    key = Assessment.objects.shared_scope_key(user)
    if key is None:
        return None
    found = AnalyticsSnapshot.objects.filter(scope=key, named=sees_names(user)).values_list("data", "as_of").first()
    if found is None:
        return None
    data, as_of = found
    return from_data(data, as_of=as_of)


# --- refreshing -------------------------------------------------------------------------------------


def scopes_read() -> list[tuple[str, bool]]:
    """The (scope, named) pairs someone reads now: one per active national reader, area leader and
    unit head, by their own scope key and naming. Others count their own scope live."""
    readers = (
        User.objects.filter(
            is_active=True,
            roles__code__in=[*NATIONAL_READ_ROLES, RoleCode.AREA_LEADERSHIP, RoleCode.UNIT_HEAD],
        )
        .distinct()
        .prefetch_related("roles")
    )
    wanted = set()
    for reader in readers:
        key = Assessment.objects.shared_scope_key(reader)
        if key is not None:
            wanted.add((key, sees_names(reader)))
    return sorted(wanted)


def refresh(*, actor: User | None = None, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Work out and store the analytics of every scope read, replacing the previous snapshots.

    The counting runs before the write transaction opens (as the oversight tallies do): SQLite
    transactions here take the write lock at BEGIN, and the counting takes seconds nationally."""
    as_of = clock.now()
    today = clock.local(as_of).date()
    started = time.perf_counter()
    snapshots = []
    for key, named in scopes_read():
        began = time.perf_counter()
        result = analytics_of(Assessment.objects.counted_in(key), named=named, policy_day=today)
        seconds = round(time.perf_counter() - began, 3)
        snapshots.append(AnalyticsSnapshot(scope=key, named=named, as_of=as_of, seconds=seconds, data=to_data(result)))
        if progress:
            progress(f"{key}{' (named)' if named else ''}: {result.assessments} assessments in {seconds} s")
    seconds = round(time.perf_counter() - started, 3)
    _store(actor=actor, snapshots=snapshots, seconds=seconds)
    return {"as_of": as_of.isoformat(), "scopes": len(snapshots), "seconds": seconds}


@transaction.atomic
def _store(*, actor: User | None, snapshots: list[AnalyticsSnapshot], seconds: float) -> None:
    """Replace every snapshot and record the one audit event: the figures are aggregates of no
    single assessment, so they are not audited one by one."""
    removed, _ = AnalyticsSnapshot.objects.all().delete()
    AnalyticsSnapshot.objects.bulk_create(snapshots)
    audit.record(
        actor=actor,
        action=Action.COMBINE,
        subject_type="quality.analyticssnapshot",
        subject_label="IQA analytics figures",
        changes={
            "scopes": [removed, len(snapshots)],
            "seconds": [None, seconds],
        },
    )
