"""Every national page's query count is pinned: it does not grow with the register.

An HQ analyst's national pages (and an inspector's) are measured on a small register, then on one
with more cases in both units, more defendants and more verdicts; the number of statements must be
the same. A page that starts reading per case (an N+1) fails here long before it is slow."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.assurance import tallies
from casework.cases import services as case_services
from casework.resourcing import stored, summaries
from tests.factories import make_case

pytestmark = pytest.mark.django_db

#: (URL name, role) of the national pages, with the most statements each may issue (either backend).
NATIONAL_PAGES = [
    # One statement asks whether the reader is reading a restricted case (cases.visible_in_bulk):
    # if not, their cases are a join, not an IN over every case id.
    ("assurance:dashboard", "hq", 13),
    ("assurance:dashboard", "inspector", 13),
    ("oversight:dashboard", "hq", 15),
    # The resourcing pages read the stored unit summaries (resourcing.summaries), complexity bands
    # (resourcing.stored) and forecasts (SQLite: home 18, grades 17, its CSV 23, a unit 19 for HQ
    # and 18 for an inspector: the unit page reads its stored summary and checks the unit's open
    # cases are those it was worked out from, instead of reading them with their key dates; a unit's
    # vacancies 17).
    ("resourcing:home", "hq", 19),
    ("resourcing:home", "inspector", 19),
    ("resourcing:grades", "hq", 18),
    ("resourcing:grades", "inspector", 18),
    ("resourcing:grades_csv", "hq", 24),
    ("resourcing:unit", "hq", 20),
    ("resourcing:unit", "inspector", 19),
    ("resourcing:vacancies", "hq", 18),
    ("resourcing:vacancies", "inspector", 18),
    # The list's row facts (status and next action, next custody time limit, re-checks) add a fixed
    # few; PostgreSQL takes one more statement than SQLite (22).
    ("cases:all", "hq", 23),
    # The records pages judge only records that could be due (records.selectors._ReviewCut): a
    # fixed few statements per record type (SQLite: dashboard 24, review list 22).
    ("records:dashboard", "hq", 24),
    ("records:dashboard", "inspector", 24),
    ("records:review", "hq", 22),
    ("records:review", "inspector", 22),
]


def _register(personas, count: int) -> None:
    for index in range(count):
        for manager, lawyer in ((personas.manager_a, personas.prosecutor_a), (personas.prosecutor_b, None)):
            case = make_case(
                actor=manager, operation_name=f"Operation {index}", allocated_lawyer_id=(lawyer or manager).pk
            )
            case_services.defendant_add(actor=manager, case=case, first_names="Sam", last_name=f"Doe {index}")


def _url(name: str, personas) -> str:
    return (
        reverse(name, args=[personas.unit_a.pk])
        if name in ("resourcing:unit", "resourcing:vacancies")
        else reverse(name)
    )


def _refresh_stored_figures() -> None:
    from casework.oversight.services import refresh_compliance_tallies

    tallies.refresh()
    refresh_compliance_tallies(actor=None)
    stored.refresh_bands(full=True)
    summaries.refresh()
    stored.refresh_forecasts()


def _statements(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


def test_national_pages_issue_the_same_statements_at_any_size(personas, run_queued_tasks):
    clients = {}
    for role in {role for _, role, _ in NATIONAL_PAGES}:
        clients[role] = Client()
        clients[role].force_login(getattr(personas, role))
    _register(personas, 1)
    run_queued_tasks()
    _refresh_stored_figures()
    small = {(name, role): _statements(clients[role], _url(name, personas)) for name, role, _ in NATIONAL_PAGES}

    _register(personas, 6)
    run_queued_tasks()
    _refresh_stored_figures()
    large = {(name, role): _statements(clients[role], _url(name, personas)) for name, role, _ in NATIONAL_PAGES}

    assert large == small
    policy = stored.selectors.policy_on(stored.clock.today())
    assert not stored.open_cases([personas.unit_a.pk], policy).banded_now
    unit_ids = [personas.unit_a.pk, personas.unit_b.pk]
    assert not summaries.read(unit_ids, on=stored.clock.today(), policy=policy).units_now
    over = {page: n for page, n in large.items() if n > dict(((p, r), m) for p, r, m in NATIONAL_PAGES)[page]}
    assert over == {}, f"national pages over their pinned statement count: {over}"
