"""Reads from the case register. Every query starts from Case.objects.visible_to(user)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from casework.cases import list_options
from casework.cases.choices import OPEN_STAGES
from casework.cases.models import (
    Case,
    CaseAccessGrant,
    CaseAccessGrantReview,
    CaseDocument,
    Charge,
    Defendant,
    DocumentVersion,
    Hearing,
)
from casework.cases.rules import ALLOCATIONS
from casework.core import clock
from casework.core.errors import NotFound, PermissionDenied
from casework.people.choices import UNIT_MANAGER_ROLES
from casework.people.models import User

#: Sort keys users may choose: name -> ORM ordering (always ends with a unique tie-breaker).
SORTS: dict[str, tuple[str, ...]] = {
    "updated": ("-updated_at", "-id"),
    "-updated": ("updated_at", "id"),
    "urn": ("urn",),
    "-urn": ("-urn",),
    "stage": ("stage", "-updated_at", "-id"),
    "operation": ("operation_name", "id"),
}
DEFAULT_SORT = "updated"


@dataclass(frozen=True)
class CaseFilters:
    """Filters shared by the web lists, the CSV export and the API.

    Checkbox groups: `stages` and `lawyer_ids` (with `unassigned` for "no prosecutor") and the
    groups other apps register (`choices`: (group name, chosen values) pairs). Options within a
    group combine with OR; groups combine with AND.
    """

    unit_id: int | None = None
    stage: str = ""
    lawyer_id: int | None = None
    text: str = ""
    mine: bool = False
    open_only: bool = False
    sort: str = DEFAULT_SORT
    extra: dict[str, Any] = field(default_factory=dict)
    stages: tuple[str, ...] = ()
    lawyer_ids: tuple[int, ...] = ()
    unassigned: bool = False
    choices: tuple[tuple[str, tuple[str, ...]], ...] = ()


def sort_keys() -> set[str]:
    """Every sort a list may ask for: the register's own and those other apps register."""
    return set(SORTS) | set(list_options.sort_options())


def _text_filter(text: str) -> Q:
    """URN (from its start), operation name, or a defendant's name (any part)."""
    from casework.cases.models import Defendant

    named = Defendant.objects.filter(case_id=OuterRef("pk")).filter(
        Q(last_name__icontains=text) | Q(first_names__icontains=text)
    )
    return Q(urn__istartswith=text) | Q(operation_name__icontains=text) | Q(Exists(named))


def case_queryset(*, user: Any, filters: CaseFilters) -> QuerySet[Case]:
    qs = Case.objects.visible_to(user)
    if filters.mine:
        qs = qs.filter(Q(allocated_lawyer=user) | Q(deputy_lawyer=user) | Q(paralegal=user) | Q(legal_manager=user))
    if filters.unit_id:
        qs = qs.filter(unit_id=filters.unit_id)
    if filters.stage:
        qs = qs.filter(stage=filters.stage)
    if filters.stages:
        qs = qs.filter(stage__in=filters.stages)
    if filters.lawyer_id:
        qs = qs.filter(allocated_lawyer_id=filters.lawyer_id)
    if filters.lawyer_ids or filters.unassigned:
        who = Q(allocated_lawyer_id__in=filters.lawyer_ids) if filters.lawyer_ids else Q(pk__in=[])
        qs = qs.filter(who | Q(allocated_lawyer__isnull=True) if filters.unassigned else who)
    for name, chosen in filters.choices:
        group = list_options.filter_group(name)
        condition = group.condition(list(chosen)) if group else None
        if condition is not None:
            qs = qs.filter(condition)
    if filters.open_only:
        qs = qs.filter(stage__in=OPEN_STAGES)
    text = filters.text.strip()
    if text:
        qs = qs.filter(_text_filter(text))
    qs = qs.select_related("unit", "allocated_lawyer")
    option = list_options.sort_options().get(filters.sort)
    if option is not None:
        return option.annotate(qs).order_by(*option.ordering)
    ordering = SORTS.get(filters.sort, SORTS[DEFAULT_SORT])
    return qs.order_by(*ordering)


def case_page(*, user: Any, filters: CaseFilters, page: int = 1, per_page: int = 50) -> tuple[list[Case], bool]:
    """One page of cases (offset pagination for the web list); returns (cases, has_next)."""
    page = max(page, 1)
    start = (page - 1) * per_page
    rows = list(case_queryset(user=user, filters=filters)[start : start + per_page + 1])
    return rows[:per_page], len(rows) > per_page


@dataclass(frozen=True)
class CasePage:
    cases: list[Case]
    total: int
    page: int
    pages: int
    start: int
    end: int


def case_numbered_page(*, user: Any, filters: CaseFilters, page: int = 1, per_page: int = 50) -> CasePage:
    """One page of cases with the total, for numbered pagination ("Showing 1–50 of 73 cases"); the
    rows get the facts other apps add (status, next custody time limit)."""
    qs = case_queryset(user=user, filters=filters)
    total = qs.order_by().count()
    pages = max((total + per_page - 1) // per_page, 1)
    page = min(max(page, 1), pages)
    start = (page - 1) * per_page
    cases = list_options.add_row_facts(list(qs[start : start + per_page]))
    return CasePage(cases, total, page, pages, start + 1 if total else 0, start + len(cases))


def allocatable_staff(*, unit_id: int, attname: str) -> QuerySet[Any]:
    """The people the case rules allow in an allocation (rules.ALLOCATIONS), for choice lists."""
    roles, _described = ALLOCATIONS[attname]
    return (
        User.objects.filter(unit_id=unit_id, is_active=True, roles__code__in=sorted(roles))
        .distinct()
        .order_by("last_name", "first_name")
    )


# --- cursor (keyset) pagination for the API --------------------------------------------------


def encode_cursor(case: Case) -> str:
    raw = json.dumps([case.updated_at.isoformat(), case.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, int]:
    """Raise ValueError for a cursor that was not made by encode_cursor."""
    padded = cursor + "=" * (-len(cursor) % 4)
    value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str) and isinstance(value[1], int)):
        raise ValueError("malformed cursor")
    return value[0], value[1]


def case_keyset_page(
    *, user: Any, filters: CaseFilters, cursor: str | None, limit: int = 50
) -> tuple[list[Case], str | None]:
    """Newest-updated first, continuing after `cursor`; returns (cases, next cursor or None)."""
    import datetime as dt

    qs = case_queryset(user=user, filters=CaseFilters(**{**filters.__dict__, "sort": DEFAULT_SORT}))
    if cursor:
        updated_iso, last_id = decode_cursor(cursor)
        updated = dt.datetime.fromisoformat(updated_iso)
        qs = qs.filter(Q(updated_at__lt=updated) | Q(updated_at=updated, id__lt=last_id))
    rows = list(qs[: limit + 1])
    page = rows[:limit]
    return page, (encode_cursor(page[-1]) if len(rows) > limit and page else None)


def case_detail_related(case: Case, section: str | None = None) -> dict[str, Any]:
    """What the case page shows, in a fixed number of queries: one section's parts, or every part
    when `section` is None."""
    from django.db.models import Prefetch

    loaders: dict[str, tuple[str, Any]] = {
        "offence_categories": ("overview", lambda: list(case.offence_categories.all())),
        "defendants": ("defendants", lambda: list(Defendant.objects.filter(case=case).prefetch_related("charges"))),
        "hearings": ("hearings", lambda: list(case.hearings.all())),
        "documents": (
            "material",
            lambda: list(
                CaseDocument.objects.filter(case=case).prefetch_related(
                    Prefetch("versions", queryset=DocumentVersion.objects.select_related("author"))
                )
            ),
        ),
        "reviews": ("reviews", lambda: list(case.reviews.select_related("reviewer"))),
        "stage_entries": ("activity", lambda: list(case.stage_entries.select_related("entered_by"))),
    }
    return {key: load() for key, (shown_in, load) in loaders.items() if section in (None, shown_in)}


# --- single records for the API (each through the case access path) ---------------------------


def case_visible(*, user: Any, case_id: int) -> Case | None:
    """A case the user may see, for changing it (no consult event: the change is audited)."""
    return Case.objects.visible_to(user).select_related("unit", "allocated_lawyer").filter(pk=case_id).first()


def defendant_visible(*, user: Any, defendant_id: int) -> Any:
    """A defendant whose case the user may see, with that case loaded, or None."""
    return (
        Defendant.objects.select_related("case").filter(pk=defendant_id, case__in=Case.objects.visible_to(user)).first()
    )


def hearing_visible(*, user: Any, hearing_id: int) -> Any:
    """A hearing whose case the user may see, with that case loaded, or None."""
    return Hearing.objects.select_related("case").filter(pk=hearing_id, case__in=Case.objects.visible_to(user)).first()


def case_api_parts(case: Case) -> dict[str, Any]:
    """Defendants (with charges), hearings, document metadata and categories, in fixed queries.

    Unlike case_detail_related, document bodies are not loaded: the API lists metadata only.
    """
    return {
        "defendants": list(Defendant.objects.filter(case=case).prefetch_related("charges")),
        "hearings": list(case.hearings.all()),
        "documents": list(CaseDocument.objects.filter(case=case)),
        "offence_category_ids": list(case.offence_categories.values_list("pk", flat=True)),
    }


def defendants_of_case(case: Case) -> list[Any]:
    return list(Defendant.objects.filter(case=case).prefetch_related("charges"))


def hearings_of_case(case: Case) -> list[Any]:
    return list(case.hearings.all())


# --- reads for the web pages -------------------------------------------------------------------


def case_for_change(*, user: Any, case_id: int) -> Case:
    """A case the user may change. Invisible: NotFound (no existence oracle); visible but
    read-only for this user (HQ, inspectors, area leadership): PermissionDenied."""
    case = Case.objects.visible_to(user).select_related("unit").filter(pk=case_id).first()
    if case is None:
        raise NotFound("Case not found.")
    if not Case.objects.editable_by(user).filter(pk=case.pk).exists():
        raise PermissionDenied(
            "You can view this case but not change it. Ask the case's prosecutor or a legal manager."
        )
    return case


def defendant_in_case(*, case: Case, pk: int) -> Any:
    """A defendant of this (already access-checked) case, or None."""
    defendant = Defendant.objects.filter(case=case, pk=pk).first()
    if defendant is not None:
        defendant.case = case
    return defendant


def charge_in_case(*, case: Case, defendant_id: int, pk: int) -> Any:
    """A charge against this defendant of this case, or None."""
    charge = (
        Charge.objects.select_related("defendant")
        .filter(defendant__case=case, defendant_id=defendant_id, pk=pk)
        .first()
    )
    if charge is not None:
        charge.defendant.case = case
    return charge


def hearing_in_case(*, case: Case, pk: int) -> Any:
    """A hearing of this case, or None."""
    hearing = Hearing.objects.filter(case=case, pk=pk).first()
    if hearing is not None:
        hearing.case = case
    return hearing


def access_grants_for_review(*, user: Any, since_days: int = 30) -> QuerySet[Any]:
    """Break-glass grants on cases in a unit manager's unit: still active, or granted recently."""
    from datetime import timedelta

    from django.db.models import F, Prefetch

    if not getattr(user, "is_authenticated", False) or not (user.role_codes & UNIT_MANAGER_ROLES) or not user.unit_id:
        return CaseAccessGrant.objects.none()
    now = clock.now()
    return (
        CaseAccessGrant.objects.filter(case__unit_id=user.unit_id)
        .filter(Q(expires_at__gt=now) | Q(granted_at__gte=now - timedelta(days=since_days)))
        .select_related("user", "case", "reviewed_by")
        .prefetch_related(Prefetch("reviews", queryset=CaseAccessGrantReview.objects.select_related("reviewer")))
        # Unreviewed first on every database (PostgreSQL would otherwise sort NULLs last).
        .order_by(F("reviewed_at").asc(nulls_first=True), "-granted_at")
    )
