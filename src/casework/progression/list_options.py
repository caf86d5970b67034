"""Progression's additions to the case lists: sort by the next custody time limit expiry, and a
"Custody time limits" filter group (declared in apps.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from casework.cases import list_options
from casework.core import clock
from casework.progression import counts
from casework.progression.models import CustodyClock


def _running() -> QuerySet[CustodyClock]:
    return CustodyClock.objects.filter(case_id=OuterRef("pk"), status="running", expires_on__isnull=False)


def _with_next_expiry(qs: QuerySet[Any]) -> QuerySet[Any]:
    soonest = _running().order_by("expires_on").values("expires_on")[:1]
    return qs.annotate(next_ctl_expires_on=Subquery(soonest))


def _expiring_within(days: int) -> Q:
    today = clock.today()
    window = _running().filter(expires_on__gte=today, expires_on__lte=today + dt.timedelta(days=days))
    return Q(Exists(window))


def _expired() -> Q:
    today = clock.today()
    gone = CustodyClock.objects.filter(case_id=OuterRef("pk")).filter(
        Q(status="expired") | Q(status="running", expires_on__lt=today)
    )
    return Q(Exists(gone))


def _not_dual_checked() -> Q:
    today = clock.today()
    window = _running().filter(expires_on__gte=today, expires_on__lte=today + dt.timedelta(days=counts.CTL_WINDOWS[0]))
    return Q(Exists(window.exclude(checked_expiry=F("expires_on"))))


def _any_running() -> Q:
    return Q(Exists(_running()))


CTL_EXPIRY_SORT = list_options.SortOption(
    "ctl", "Custody time limit expiry", _with_next_expiry, (F("next_ctl_expires_on").asc(nulls_last=True), "urn")
)

CTL_FILTERS = list_options.FilterGroup(
    "ctl",
    "Custody time limits",
    (
        list_options.FilterOption("7", f"Expiring within {counts.CTL_URGENT_DAYS} days", lambda: _expiring_within(7)),
        list_options.FilterOption("28", "Expiring within 28 days", lambda: _expiring_within(28)),
        list_options.FilterOption("unchecked", "Not dual-checked (within 28 days)", _not_dual_checked),
        list_options.FilterOption("expired", "Expired", _expired),
        list_options.FilterOption("running", "Any running", _any_running),
    ),
    order=20,
)
