"""Words for IQA pages: a sample item's stratum (stored as "stage / case type" codes) in English."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from casework.cases.choices import Stage
from casework.cases.models import AcceptanceCriterion, OffenceCategory

register = template.Library()


@register.filter
def stratum_label(stratum: str) -> str:
    """ "pre_charge / drugs" -> "Pre-charge advice, drugs offences" (the names the register uses)."""
    stage, _, case_type = (part.strip() for part in stratum.partition("/"))
    stage_label = Stage(stage).label if stage in Stage.values else stage.replace("_", " ").capitalize()
    name = (
        OffenceCategory.objects.filter(code=case_type).values_list("name", flat=True).first()
        or AcceptanceCriterion.objects.filter(code=case_type).values_list("title", flat=True).first()
        or case_type.replace("-", " ").replace("_", " ")
    )
    return f"{stage_label}, {name[:1].lower() + name[1:] if name and not name[:2].isupper() else name}"


# The analytics draw one bar per prosecutor, team and question (about 2,000 at national scale), each
# in the chart and in its table: rendered here rather than by a template loop, whose per-variable
# cost was a third of the page. The output is exactly what the loop gave (tests/quality/test_bars.py).


@register.filter
def bar_rects(bars: Iterable[Any]) -> str:
    """The chart's bars: one SVG rect per bar, with its label and percentage as its title."""
    return mark_safe(  # noqa: S308 - every value is escaped or a number
        "".join(
            f'<rect x="0" y="{index}" height="0.8" width="{bar.percent}" fill="#1d70b8">'
            f"<title>{escape(bar.label)}: {bar.percent}%</title></rect>"
            for index, bar in enumerate(bars)
        )
    )


@register.filter
def bar_rows(bars: Iterable[Any]) -> str:
    """The table beside the chart: label, percentage and number of answers per bar."""
    return mark_safe(  # noqa: S308 - every value is escaped or a number
        "".join(
            f'<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">{escape(bar.label)}</th>\n'
            f'      <td class="govuk-table__cell govuk-table__cell--numeric">{bar.percent}%</td>\n'
            f'      <td class="govuk-table__cell govuk-table__cell--numeric">{bar.count}</td></tr>'
            for bar in bars
        )
    )
