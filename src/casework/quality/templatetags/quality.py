"""Words for IQA pages: a sample item's stratum (stored as "stage / case type" codes) in English."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Context, Decimal
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


# The leniency and agreement tables have a row per assessor (about 300 at national scale), each of
# several numbers: rendered here too, for the same reason and byte for byte as the loops they
# replace (tests/quality/test_analytics_tables.py). `floatformat` cost more than the rest of the row.


def _fixed(value: float | None, places: int) -> str:
    """`value|floatformat:places` for a float or None (a ratio or p-value, never thousands): the
    decimal written by repr rounded half up, without the sign of a zero; "" for None."""
    if value is None:
        return ""
    rounded = Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP, Context(prec=60))
    text = f"{rounded:f}"
    return text[1:] if text.startswith("-") and not rounded else text


@register.filter
def leniency_rows(leniency: Iterable[tuple[str, Any]]) -> str:
    """The leniency table's body: per assessor, fully met against peers and second marking."""
    rows = [
        f'<tr class="govuk-table__row">\n'
        f'    <th scope="row" class="govuk-table__header">{escape(key)}</th>\n'
        f'    <td class="govuk-table__cell govuk-table__cell--numeric">{item.fully_met} of {item.answered}</td>\n'
        f'    <td class="govuk-table__cell govuk-table__cell--numeric">'
        f"{item.peer_fully_met} of {item.peer_answered}</td>\n"
        f'    <td class="govuk-table__cell govuk-table__cell--numeric">'
        f"{item.lenient_pairs} / {item.severe_pairs} of {item.moderated_pairs}</td>\n"
        f'    <td class="govuk-table__cell">'
        + (
            '<strong class="govuk-tag govuk-tag--red">Possibly lenient</strong>'
            if item.flagged
            else '<strong class="govuk-tag govuk-tag--grey">No clear difference</strong>'
        )
        + "</td></tr>\n  "
        for key, item in leniency
    ]
    empty = '<tr class="govuk-table__row"><td class="govuk-table__cell" colspan="5">No marking yet.</td></tr>'
    return mark_safe("".join(rows) or empty)  # noqa: S308 - every value is escaped or a number


@register.filter
def leniency_notes(leniency: Iterable[tuple[str, Any]]) -> str:
    """How each assessor's flag was worked out: the p-values of both tests."""

    def p_value(test: Any) -> str:
        return _fixed(test.p_value, 4) if test else "not computable"

    return mark_safe(  # noqa: S308 - every value is escaped or a number
        "".join(
            f"<li>{escape(key)}: p (peers) {p_value(item.peer_test)}; "
            f"p (second marking) {p_value(item.moderation_test)}</li>"
            for key, item in leniency
        )
    )


@register.filter
def agreement_rows(agreements: Iterable[tuple[str, Any]], prefix: str = "") -> str:
    """Rows of the moderation agreement table: agreed pairs and Cohen's kappa per key."""
    return mark_safe(  # noqa: S308 - every value is escaped or a number
        "".join(
            f'<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">{escape(prefix + key)}</th>'
            f'<td class="govuk-table__cell govuk-table__cell--numeric">{ag.agreed}/{ag.pairs}</td>'
            f'<td class="govuk-table__cell govuk-table__cell--numeric">{_fixed(ag.kappa, 2) or "–"}</td></tr>'
            for key, ag in agreements
        )
    )
