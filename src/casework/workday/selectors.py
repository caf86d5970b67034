"""Reads for the overviews: each figure's count and the page of items behind it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max
from django.urls import reverse

from casework.audit.choices import Action
from casework.audit.models import AuditEvent
from casework.cases.models import Case
from casework.workday import figures as figures_
from casework.workday import tallies
from casework.workday.scope import MINE, Scope

RECENT_LIMIT = 8
PAGE_SIZE = 50


@dataclass(frozen=True)
class Card:
    figure: figures_.Figure
    count: int
    cases: int | None
    href: str

    @property
    def text(self) -> str:
        return self.figure.describe(self.count, self.cases)

    @property
    def is_problem(self) -> bool:
        return self.figure.problem and self.count > 0


@dataclass
class Overview:
    scope: Scope
    today: dt.date
    groups: list[tuple[str, list[Card]]] = field(default_factory=list)
    recent: list[Case] = field(default_factory=list)
    #: When the stored counts used were read (None: every count worked out for this page).
    figures_as_at: dt.datetime | None = None

    @property
    def problems(self) -> int:
        return sum(1 for _, cards in self.groups for card in cards if card.is_problem)


def card(figure: figures_.Figure, scope: Scope, today: dt.date) -> Card:
    count, cases = figure.totals(scope, today)
    return Card(figure, count, cases, _href(figure, scope))


def _href(figure: figures_.Figure, scope: Scope) -> str:
    return reverse("workday:figure", args=[figure.key]) + scope.query()


def overview(*, scope: Scope, today: dt.date) -> Overview:
    """The role's cards. Counts from the cases alone come from the stored tallies when they are
    current for this scope (workday.tallies), the rest are counted now."""
    stored = tallies.counts_for(scope, today)
    result = Overview(scope=scope, today=today, figures_as_at=stored.as_at if stored else None)
    for figure in figures_.overview_figures(scope):
        if stored is not None and figure.key in stored.counts:
            count, cases = stored.counts[figure.key]
            item = Card(figure, count, cases, _href(figure, scope))
        else:
            item = card(figure, scope, today)
        group = next((cards for name, cards in result.groups if name == figure.group), None)
        if group is None:
            group = []
            result.groups.append((figure.group, group))
        group.append(item)
    if scope.kind == MINE:
        result.recent = recently_viewed(user=scope.user)
    return result


#: The reason the overview's own list of recent cases is logged with; those reads do not make a case
#: more recent.
RECENT_CASES_PURPOSE = "Overview: cases you viewed recently"


def recently_viewed(*, user: Any, limit: int = RECENT_LIMIT) -> list[Case]:
    """The cases this person opened most recently (from their own consult events), still visible."""
    latest = (
        AuditEvent.objects.filter(actor=user, action=Action.CONSULT, case_id__isnull=False)
        .exclude(justification=RECENT_CASES_PURPOSE)
        .values("case_id")
        .annotate(last=Max("seq"))
        .order_by("-last")[: limit * 2]
    )
    order = [row["case_id"] for row in latest if row["case_id"] is not None]
    found = {case.pk: case for case in Case.objects.visible_to(user).filter(pk__in=order).select_related("unit")}
    return [found[pk] for pk in order if pk in found][:limit]


@dataclass
class ItemsPage:
    figure: figures_.Figure
    rows: list[figures_.Row]
    total: int
    cases: int | None
    page: int
    pages: int
    start: int
    end: int


def items_page(*, figure: figures_.Figure, scope: Scope, today: dt.date, page: int) -> ItemsPage:
    items = figure.items(scope, today)
    total, cases = figures_.totals_of(figure, items)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(page, 1), pages)
    start = (page - 1) * PAGE_SIZE
    chunk = list(items[start : start + PAGE_SIZE])
    return ItemsPage(
        figure=figure,
        rows=[figure.row(item, today) for item in chunk],
        total=total,
        cases=cases,
        page=page,
        pages=pages,
        start=start + 1 if total else 0,
        end=start + len(chunk),
    )


def all_rows(*, figure: figures_.Figure, scope: Scope, today: dt.date) -> list[figures_.Row]:
    """Every counted item as rows (the CSV download)."""
    return [figure.row(item, today) for item in figure.items(scope, today)]
