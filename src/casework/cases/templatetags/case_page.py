"""The case page's sections from other apps (progression's clocks, assurance's compliance).

The case page belongs to the cases app, which must not know the apps above it: each of them
declares the template of its section on its AppConfig (`case_page_panels`), and the page includes
them in INSTALLED_APPS order with the page's own context (`case`, `can_edit`, `request`).
"""

from __future__ import annotations

from django import template

from casework.core.extensions import ExtensionPoint

register = template.Library()

CASE_PAGE_PANELS = ExtensionPoint[str](
    "case_page_panels", "Templates of sections other apps add to the case page, below its summary.", paths=False
)


@register.simple_tag
def case_page_panels() -> list[str]:
    return CASE_PAGE_PANELS.contributions()
