"""Filters, sorts and row facts that apps above the case register add to the case lists.

The case lists live here, but the dates that matter most (the next custody time limit expiry) and a
case's status come from apps above this one. Rather than reach up, the lists take what those apps
register when Django starts (their AppConfig.ready): a checkbox group of filters, a sort, or a
function that adds facts to the rows shown. The lists, the CSV export and the API filter through the
same registry, so a filter behaves the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet


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


FILTER_GROUPS: dict[str, FilterGroup] = {}
SORT_OPTIONS: dict[str, SortOption] = {}
ROW_FACTS: list[Callable[[list[Any]], None]] = []


def register_filter_group(group: FilterGroup) -> None:
    FILTER_GROUPS[group.name] = group


def register_sort(option: SortOption) -> None:
    SORT_OPTIONS[option.key] = option


def register_row_facts(add_facts: Callable[[list[Any]], None]) -> None:
    """`add_facts(cases)` sets attributes on a page of cases (in bulk: a few queries per page)."""
    if add_facts not in ROW_FACTS:
        ROW_FACTS.append(add_facts)


def filter_groups() -> list[FilterGroup]:
    return sorted(FILTER_GROUPS.values(), key=lambda group: (group.order, group.legend))


def add_row_facts(cases: list[Any]) -> list[Any]:
    for add_facts in ROW_FACTS:
        add_facts(cases)
    return cases
