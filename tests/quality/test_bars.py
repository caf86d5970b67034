"""The analytics' bar charts and tables are rendered by two filters instead of a template loop (the
loop's per-variable cost was about a third of the page at national scale). The HTML must be exactly
what the loop gave: `LOOP_TEMPLATE` is the template as it was."""

from __future__ import annotations

from django.template import Context, Engine, engines

from casework.quality.selectors import Bar

LOOP_TEMPLATE = """{# An accessible bar chart: an SVG drawn from the table beside it (SVG attributes, not inline styles, so the CSP allows it). #}
{% if bars %}
<figure class="govuk-!-margin-0 govuk-!-margin-bottom-6">
  <svg role="img" aria-labelledby="{{ id }}-title" width="100%" height="{{ bars|length }}em" viewBox="0 0 100 {{ bars|length }}" preserveAspectRatio="none" focusable="false">
    <title id="{{ id }}-title">{{ caption }}: bar chart of the table below</title>
    {% for bar in bars %}<rect x="0" y="{{ forloop.counter0 }}" height="0.8" width="{{ bar.percent }}" fill="#1d70b8"><title>{{ bar.label }}: {{ bar.percent }}%</title></rect>{% endfor %}
  </svg>
  <div class="casework-scroll-x" role="region" aria-label="Table (scrolls sideways on small screens)" tabindex="0">
<table class="govuk-table">
    <caption class="govuk-table__caption govuk-table__caption--s">{{ caption }}</caption>
    <thead class="govuk-table__head"><tr class="govuk-table__row">
      <th scope="col" class="govuk-table__header">{{ group }}</th>
      <th scope="col" class="govuk-table__header govuk-table__header--numeric">{{ measure|default:"Score" }}</th>
      <th scope="col" class="govuk-table__header govuk-table__header--numeric">Answers</th></tr></thead>
    <tbody class="govuk-table__body">
    {% for bar in bars %}<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">{{ bar.label }}</th>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ bar.percent }}%</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ bar.count }}</td></tr>{% endfor %}
    </tbody>
  </table>
</div>
</figure>
{% endif %}
"""  # noqa: E501


def _render_both(bars: list[Bar]) -> tuple[str, str]:
    context = {"bars": bars, "id": "prosecutor", "caption": "Score by prosecutor", "group": "Prosecutor"}
    engine: Engine = engines["django"].engine  # type: ignore[attr-defined]
    before = engine.from_string(LOOP_TEMPLATE).render(Context(context))
    after = engine.get_template("quality/_bars.html").render(Context(context))
    return before, after


def test_bars_render_exactly_as_the_template_loop_did() -> None:
    bars = [
        Bar("Prosecutor 1", 0.755, 12),
        Bar('O\'Brien <Tess> & "Co" (tess.o)', None, 3),
        Bar("No team", 1.0, 1234567),
        Bar("Q1: Was the <b>advice</b> right?", 0.0, 0),
        Bar("Zero", 0.005, 40),
    ]
    before, after = _render_both(bars)

    assert after == before
    assert "&lt;Tess&gt; &amp; &quot;Co&quot;" in after and "<b>" not in after


def test_no_bars_render_nothing_as_before() -> None:
    before, after = _render_both([])

    assert after == before and not after.strip()


def test_many_bars_render_exactly_as_before() -> None:
    bars = [Bar(f"Prosecutor {n}", (n % 101) / 100, n) for n in range(1, 2001)]
    before, after = _render_both(bars)

    assert after == before
