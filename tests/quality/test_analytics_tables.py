"""The analytics' leniency and agreement tables are rendered by filters instead of template loops
(about 300 assessors at national scale, and `floatformat` on each p-value and kappa cost more than
the rest of the row). The HTML must be exactly what the loops gave: the templates below are the
loops as they were."""

from __future__ import annotations

import random

import pytest
from django.template import Context, Engine, engines
from django.template.defaultfilters import floatformat

from casework.quality import rules
from casework.quality.templatetags.quality import _fixed

LENIENCY_ROWS = """  {% for key, item in leniency %}<tr class="govuk-table__row">
    <th scope="row" class="govuk-table__header">{{ key }}</th>
    <td class="govuk-table__cell govuk-table__cell--numeric">{{ item.fully_met }} of {{ item.answered }}</td>
    <td class="govuk-table__cell govuk-table__cell--numeric">{{ item.peer_fully_met }} of {{ item.peer_answered }}</td>
    <td class="govuk-table__cell govuk-table__cell--numeric">{{ item.lenient_pairs }} / {{ item.severe_pairs }} of {{ item.moderated_pairs }}</td>
    <td class="govuk-table__cell">{% if item.flagged %}<strong class="govuk-tag govuk-tag--red">Possibly lenient</strong>{% else %}<strong class="govuk-tag govuk-tag--grey">No clear difference</strong>{% endif %}</td></tr>
  {% empty %}<tr class="govuk-table__row"><td class="govuk-table__cell" colspan="5">No marking yet.</td></tr>{% endfor %}
<ul class="govuk-list">{% for key, item in leniency %}<li>{{ key }}: p (peers) {% if item.peer_test %}{{ item.peer_test.p_value|floatformat:4 }}{% else %}not computable{% endif %}; p (second marking) {% if item.moderation_test %}{{ item.moderation_test.p_value|floatformat:4 }}{% else %}not computable{% endif %}</li>{% endfor %}</ul>
  {% for key, ag in by_question %}<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">Question {{ key }}</th><td class="govuk-table__cell govuk-table__cell--numeric">{{ ag.agreed }}/{{ ag.pairs }}</td><td class="govuk-table__cell govuk-table__cell--numeric">{{ ag.kappa|floatformat:2|default:"–" }}</td></tr>{% endfor %}
  {% for key, ag in by_assessor %}<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">{{ key }}</th><td class="govuk-table__cell govuk-table__cell--numeric">{{ ag.agreed }}/{{ ag.pairs }}</td><td class="govuk-table__cell govuk-table__cell--numeric">{{ ag.kappa|floatformat:2|default:"–" }}</td></tr>{% endfor %}
"""  # noqa: E501

FILTERS = """{% load quality %}  {{ leniency|leniency_rows }}
<ul class="govuk-list">{{ leniency|leniency_notes }}</ul>
  {{ by_question|agreement_rows:"Question " }}
  {{ by_assessor|agreement_rows }}
"""

#: Values where rounding half up (floatformat) and Python's rounding of the binary float differ,
#: signs of zero, p-values of 1, and very small and very large floats.
AWKWARD = [
    0.0,
    -0.0,
    1.0,
    0.5,
    0.125,
    -0.125,
    0.00005,
    0.00015,
    0.12345,
    0.99995,
    -0.004,
    -0.005,
    -0.0049,
    2.3e-05,
    1e-20,
    -1e-20,
    0.1 + 0.2,
    2 / 3,
    -1 / 3,
    12345.6789,
]


def _render_both(context: dict[str, object]) -> tuple[str, str]:
    engine: Engine = engines["django"].engine  # type: ignore[attr-defined]
    before = engine.from_string(LENIENCY_ROWS).render(Context(context))
    after = engine.from_string(FILTERS).render(Context(context))
    return before, after


def _leniency(key: str, rng: random.Random, p_values: list[float]) -> tuple[str, rules.Leniency]:
    answered = rng.randint(0, 200_000)
    pairs = rng.randint(0, 40)
    return key, rules.Leniency(
        assessor_key=key,
        answered=answered,
        fully_met=rng.randint(0, answered),
        peer_answered=rng.randint(0, 2_000_000),
        peer_fully_met=rng.randint(0, 1_000_000),
        peer_test=rules.TestResult(rng.uniform(-4, 4), p_values.pop()) if rng.random() < 0.8 else None,
        moderated_pairs=pairs,
        lenient_pairs=rng.randint(0, pairs),
        severe_pairs=rng.randint(0, pairs),
        moderation_test=rules.TestResult(rng.uniform(-9, 9), p_values.pop()) if rng.random() < 0.7 else None,
        alpha=0.05,
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_tables_render_exactly_as_the_template_loops_did(seed: int) -> None:
    rng = random.Random(seed)
    p_values = AWKWARD * 20 + [rng.random() for _ in range(2000)] + [rng.random() * 1e-3 for _ in range(2000)]
    rng.shuffle(p_values)
    keys = ["Assessor 1", 'O\'Brien <Tess> & "Co" (tess.o)', "Ann Lee (ann.lee)"] + [
        f"Assessor {n}" for n in range(2, 400)
    ]
    leniency = [_leniency(key, rng, p_values) for key in keys]
    kappas = AWKWARD + [None, None] + [rng.uniform(-1, 1) for _ in range(400)]
    by_assessor = [
        (key, rules.Agreement(rng.randint(0, 500), rng.randint(0, 500), kappas[index % len(kappas)]))
        for index, key in enumerate(keys)
    ]
    by_question = [("q1 <b>", rules.Agreement(3, 2, None)), ("q2", rules.Agreement(10, 10, 1.0))]
    context = {"leniency": leniency, "by_question": by_question, "by_assessor": by_assessor}

    before, after = _render_both(context)

    assert after == before
    assert "&lt;Tess&gt; &amp; &quot;Co&quot;" in after and "<b>" not in after


def test_no_marking_renders_as_before() -> None:
    before, after = _render_both({"leniency": [], "by_question": [], "by_assessor": []})

    assert after == before and "No marking yet." in after


@pytest.mark.parametrize("places", [2, 4])
def test_fixed_is_floatformat(places: int) -> None:
    rng = random.Random(places)
    values = AWKWARD + [rng.uniform(-1, 1) for _ in range(5000)]
    values += [rng.random() * 10.0 ** -rng.randint(1, 12) for _ in range(5000)]
    values += [round(rng.uniform(-1, 1), places + 1) for _ in range(5000)]  # ties in the decimal written

    assert [_fixed(value, places) for value in values] == [floatformat(value, places) for value in values]
    assert _fixed(None, places) == floatformat(None, places) == ""
