"""Filters, sorts and row facts that apps above the case register add to the case lists.

The case lists live here, but the dates that matter most (the next custody time limit expiry) and a
case's status come from apps above this one. Rather than reach up, the lists take what those apps
declare on their AppConfig (see casework.core.extensions): a checkbox group of filters
(`case_list_filters`), a sort (`case_list_sorts`), or a function that adds facts to the rows shown
(`case_list_row_facts`). The lists, the CSV export and the API filter through the same points, so a
filter behaves the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from casework.core.extensions import ExtensionPoint


@dataclass(frozen=True)
class FilterOption:
    value: str
    label: str
    #: The condition a case must meet, built when the list is read (dates change daily).
    condition: Callable[[], Q]


@dataclass(frozen=True)
class FilterGroup:
    """A group of checkboxes: options within it combine with OR, groups with AND."""

    name: str
    legend: str
    options: tuple[FilterOption, ...]
    #: Lower comes first in the filter panel (most used first).
    order: int = 50

    def condition(self, chosen: list[str]) -> Q | None:
        picked = [option.condition() for option in self.options if option.value in chosen]
        if not picked:
            return None
        combined = picked[0]
        for extra in picked[1:]:
            combined |= extra
        return combined

    def label_of(self, value: str) -> str:
        return next((option.label for option in self.options if option.value == value), value)


@dataclass(frozen=True)
class SortOption:
    """A column the lists can sort by: annotate the queryset, then order it (nulls last)."""

    key: str
    label: str
    annotate: Callable[[QuerySet[Any]], QuerySet[Any]]
    ordering: tuple[Any, ...]


CASE_LIST_FILTERS = ExtensionPoint[FilterGroup](
    "case_list_filters", "Checkbox groups of filters on the case lists, their CSV export and the API."
)
CASE_LIST_SORTS = ExtensionPoint[SortOption]("case_list_sorts", "Orders the case lists can be sorted in.")
CASE_LIST_ROW_FACTS = ExtensionPoint[Callable[[list[Any]], None]](
    "case_list_row_facts", "Functions that set facts (a status, a date) on a page of cases, in bulk."
)


def filter_groups() -> list[FilterGroup]:
    return sorted(CASE_LIST_FILTERS, key=lambda group: (group.order, group.legend))


def filter_group(name: str) -> FilterGroup | None:
    return next((group for group in CASE_LIST_FILTERS if group.name == name), None)


def sort_options() -> dict[str, SortOption]:
    return {option.key: option for option in CASE_LIST_SORTS}


def add_row_facts(cases: list[Any]) -> list[Any]:
    """`add_facts(cases)` of every app sets attributes on a page of cases (a few queries a page)."""
    for add_facts in CASE_LIST_ROW_FACTS:
        add_facts(cases)
    return cases
