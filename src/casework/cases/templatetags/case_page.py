"""What other apps add to the case pages: panels in the case page's sections (progression's clocks,
assurance's compliance, the workday's status) and short flags on the case lists (assurance's
"Re-checking").

The case pages belong to the cases app, which must not know the apps above it: each of them
declares its contribution on its AppConfig (`case_page_panels`, `case_list_flags`), and the pages
show them in INSTALLED_APPS order. `case_page_panels` maps a section of the case page (a slug of
`CASE_PAGE_SECTIONS`, or "status" for the row under the case's name shown on every section) to a
template; a plain tuple of templates puts them on the Overview. A panel is included with the page's
own context (`case`, `can_edit`, `request`, `section`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django import template

from casework.core.extensions import ExtensionPoint

register = template.Library()

CASE_PAGE_PANELS = ExtensionPoint[str](
    "case_page_panels", "Templates other apps add to the sections of the case page, by section.", paths=False
)

#: The sections of a case page (MoJ sub-navigation): URL slug and heading, in the order shown.
CASE_PAGE_SECTIONS: tuple[tuple[str, str], ...] = (
    ("overview", "Overview"),
    ("defendants", "Defendants and charges"),
    ("hearings", "Hearings"),
    ("deadlines", "Deadlines and CTL log"),
    ("material", "Material"),
    ("reviews", "Reviews"),
    ("compliance", "Compliance and sign-offs"),
    ("activity", "Activity"),
)
#: Where a panel may go besides a section: the status row under the case's name on every section.
STATUS_SLOT = "status"


def panels_by_section() -> dict[str, list[str]]:
    """Every declared panel template, by the section it is shown in (plain tuples: the Overview)."""
    found: dict[str, list[str]] = {}
    for _app, key, template_name in CASE_PAGE_PANELS.declarations():
        found.setdefault("overview" if key.isdigit() else key, []).append(template_name)
    return found


CASE_LIST_FLAGS = ExtensionPoint[Callable[[list[int]], dict[int, list[str]]]](
    "case_list_flags", "Short labels shown beside cases in the case lists, for a page of case ids at once."
)


@register.simple_tag
def case_page_panels(section: str = "overview") -> list[str]:
    return panels_by_section().get(section, [])


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
