"""What other apps add to the case pages: sections of the case page (progression's clocks,
assurance's compliance) and short flags on the case lists (assurance's "Re-checking").

The case pages belong to the cases app, which must not know the apps above it: each of them
declares its contribution on its AppConfig (`case_page_panels`, `case_list_flags`), and the pages
show them in INSTALLED_APPS order. A panel is included with the page's own context (`case`,
`can_edit`, `request`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django import template

from casework.core.extensions import ExtensionPoint

register = template.Library()

CASE_PAGE_PANELS = ExtensionPoint[str](
    "case_page_panels", "Templates of sections other apps add to the case page, below its summary.", paths=False
)


CASE_LIST_FLAGS = ExtensionPoint[Callable[[list[int]], dict[int, list[str]]]](
    "case_list_flags", "Short labels shown beside cases in the case lists, for a page of case ids at once."
)


@register.simple_tag
def case_page_panels() -> list[str]:
    return CASE_PAGE_PANELS.contributions()


@register.simple_tag
def case_list_flags(cases: Iterable[Any]) -> dict[int, list[str]]:
    """Every declared flag of a page of cases, by case id (one query per provider, not per case)."""
    ids = [case.pk for case in cases]
    flags: dict[int, list[str]] = {}
    for provider in CASE_LIST_FLAGS:
        for case_id, labels in provider(ids).items():
            flags.setdefault(case_id, []).extend(labels)
    return flags


@register.filter
def flags_of(flags: dict[int, list[str]], case: Any) -> list[str]:
    return flags.get(case.pk, [])
