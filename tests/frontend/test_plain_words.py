"""Every page each role can reach reads as plain English: no codes, rule versions, ISO dates or
statistics' names outside the "How this was worked out" details (see raw_codes.py).

Pages are found as in test_every_form.py, by following the links each demo role is shown."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from casework.assurance.models import AssuranceRule
from casework.cases.models import AcceptanceCriterion, OffenceCategory
from casework.people.models import Grade, PoliceForce, Unit
from tests.frontend.conftest import PERSONAS
from tests.frontend.raw_codes import raw_codes_in
from tests.frontend.test_every_form import _links, _shape

pytestmark = pytest.mark.django_db
PAGES_PER_PERSONA = 150


def _reference_codes() -> set[str]:
    """Codes of the reference data (rules, grades, units, forces, case types) that look like codes."""
    codes: set[str] = set(AssuranceRule.objects.values_list("code", flat=True))
    for model in (Grade, Unit, PoliceForce, AcceptanceCriterion, OffenceCategory):
        codes |= set(model.objects.values_list("code", flat=True))
    return {code for code in codes if any(mark in code for mark in "-._")}


def _pages(client: Client) -> dict[str, str]:
    """One page of each shape this person can reach: path -> HTML."""
    found: dict[str, str] = {}
    queue, seen = ["/"], set()
    while queue and len(found) < PAGES_PER_PERSONA:
        path = queue.pop(0)
        shape = _shape(path.split("?")[0])
        if shape in seen:
            continue
        seen.add(shape)
        response = client.get(path, follow=True)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        found[path] = html
        queue.extend(_links(BeautifulSoup(html, "html.parser"), path))
    return found


def test_no_codes_or_internals_on_any_page(demo_clients: dict[str, Client]) -> None:
    codes = _reference_codes()
    assert {"psd.present", "ctl.log_current"} <= codes, "the scan needs the rule codes to look for"
    problems = []
    for persona in PERSONAS:
        for path, html in _pages(demo_clients[persona]).items():
            problems += [f"{path} ({persona}): {hit}" for hit in raw_codes_in(html, codes)]
    assert problems == [], f"{len(problems)} codes or internals on screen:\n" + "\n".join(sorted(set(problems)))


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>Rule ctl.crown@2021-06-28 applies</p>", "rule version label"),
        ("<td>pre_charge / drugs</td>", "underscores"),
        ("<p>4 case(s) have no deputy</p>", "plural in brackets"),
        ("<p>Due 2026-12-08</p>", "ISO date"),
        ("<p>two-proportion z-test</p>", "statistical"),
        ("<p>Not allocated</p>", "Unassigned"),
    ],
)
def test_the_scan_finds_what_it_looks_for(html: str, expected: str) -> None:
    hits = raw_codes_in(html)
    assert hits and expected in hits[0]


def test_the_scan_ignores_how_this_was_worked_out() -> None:
    html = (
        '<details class="govuk-details"><summary class="govuk-details__summary">How this was worked out</summary>'
        "<div>Rule ctl.crown@2021-06-28, z-test</div></details><p>Expires on 8 December 2026</p>"
    )
    assert raw_codes_in(html) == []
