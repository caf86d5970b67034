"""Every national page's query count is pinned: it does not grow with the register.

The national readers (HQ analyst, HQ policy lead, inspector, and Area leadership as the reader wider
than one unit) request every routed GET page, one representative URL per pattern discovered from the
URL configuration as the page budget does (`benchmarks/page_budget.py`: ids chosen from records the
reader can see). Each page that answers 200 is counted on a small demo register and on one three
times the size (more cases in more units, with their defendants, charges, hearings, documents,
deadlines, verdicts, IQAs, referrals and retention records), whose representative cases are given
extra defendants, charges, documents and hearings on top. The number of statements must be the same
at both sizes, and at most the number pinned in PINNED below, so a change shows up in review. A page
that starts reading per row (an N+1) fails here long before it is slow.

All pages are measured once per module (two demo loads, each rolled back); the per-route tests then
compare the figures.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import reverse

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
if str(BENCHMARKS) not in sys.path:
    sys.path.insert(0, str(BENCHMARKS))

import page_budget  # noqa: E402  (a benchmark script, imported as the benchmarks' own tests do)

#: The module's measurement (a module fixture, outside each test's transaction) needs the test database.
pytestmark = pytest.mark.django_db

#: Demo register sizes (cases): the large one has more units, people and records of every kind.
SMALL_REGISTER, LARGE_REGISTER = 16, 48
SEED = 2026
#: The national readers, in PINNED's column order: demo sign-in names.
READERS = {"hq": "hq.analyst", "policy": "hq.policy", "inspector": "inspector", "area": "area.a"}
#: Routes that are not pages of the register: what they read depends on other state.
NOT_REGISTER_PAGES = {
    # The monitoring probe counts unsigned audit events and waiting tasks, not the register.
    "healthz",
}

#: Statements each page may issue, per reader (hq, policy, inspector, area); None where the reader is
#: refused (the page is not theirs). Measured on SQLite; PostgreSQL differences are in POSTGRES_EXTRA.
PINNED: dict[str, tuple[int | None, int | None, int | None, int | None]] = {
    "login_set_up_authenticator": (11, 11, 11, 11),
    "password_change": (6, 6, 6, 6),
    "password_reset": (6, 6, 6, 6),
    "account": (10, 10, 10, 10),
    "help": (6, 6, 6, 6),
    "contact": (6, 6, 6, 6),
    "accessibility": (6, 6, 6, 6),
    "privacy": (6, 6, 6, 6),
    "feedback": (6, 6, 6, 6),
    "api_tokens": (7, 7, 7, 7),
    "api_person_tokens": (8, 8, 8, 8),
    "cases:all": (23, None, 23, None),
    "cases:all_export": (6, None, 6, None),
    "exports:list": (7, 7, 7, 7),
    "exports:new": (8, None, 8, None),
    "cases:detail": (38, None, 38, 38),
    "cases:section": (38, None, 38, 38),
    "people:detail": (16, 16, 16, 16),
    "audit:search": (13, None, 13, None),
    "progression:case": (20, None, 20, 20),
    "progression:notices": (9, 9, 9, 9),
    "progression:notices_export": (7, 7, 7, 7),
    "progression:board": (7, None, 7, 24),
    "progression:ctl_calculator": (6, None, None, 6),
    "quality:home": (10, None, 10, 10),
    "quality:coverage": (12, None, 12, 12),
    "quality:coverage_csv": (18, None, 18, 18),
    "quality:coverage_xlsx": (18, None, 18, 18),
    "quality:analytics": (18, None, 18, 18),
    "quality:analytics_csv": (24, None, 24, 24),
    "quality:analytics_xlsx": (24, None, 24, 24),
    "resourcing:home": (18, None, 18, 18),
    "resourcing:grades": (17, None, 17, 16),
    "resourcing:grades_csv": (23, None, 23, 22),
    "resourcing:grades_xlsx": (23, None, 23, 22),
    "resourcing:unit": (21, None, 20, 26),
    "resourcing:unit_csv": (23, None, 23, 24),
    "resourcing:unit_xlsx": (23, None, 23, 24),
    "resourcing:vacancies": (19, None, 19, 19),
    "resourcing:case": (26, None, 26, 26),
    "resourcing:scenarios": (10, None, None, 10),
    "assurance:history": (14, None, 14, 14),
    "assurance:panel": (15, None, 15, 15),
    # HQ and inspectors: one statement asks whether they are reading a restricted case; if not, their
    # cases are a join rather than an IN over every case id (cases.visible_in_bulk).
    "assurance:dashboard": (13, None, 13, 13),
    "assurance:dashboard_export": (19, None, 19, 19),
    "assurance:rule_failing": (18, None, 18, 18),
    "assurance:rule_failing_export": (8, None, 8, 9),
    "partners:referrals": (13, 8, 13, 13),
    "partners:referral": (18, None, 18, 18),
    "partners:agreements": (8, 7, 8, 8),
    "partners:agreement": (21, None, 21, 21),
    "partners:agreement_performance_export": (23, None, 23, 23),
    "partners:templates": (7, 7, 7, 7),
    "partners:template": (8, 8, 8, 8),
    "partners:coverage": (11, 8, 11, 11),
    "partners:coverage_export": (16, 13, 16, 16),
    "oversight:dashboard": (15, None, 15, 13),
    "oversight:dashboard_export": (7, None, 7, 8),
    "oversight:drill": (8, None, 8, 9),
    "oversight:pack_case": (15, None, 15, 15),
    "oversight:s62": (6, None, 6, None),
    "workday:overview": (28, None, 28, 32),
    "workday:figure": (15, None, 15, 12),
    "records:dashboard": (24, None, 24, 24),
    "records:review": (22, None, 22, 22),
    "records:review_detail": (13, None, 13, 14),
    "records:holds": (8, None, 8, 8),
    "records:disposals": (8, None, 8, 8),
    "records:schedule": (7, None, 7, 7),
    "records:export": (6, None, 6, 6),
    "api:openapi-json": (6, 6, 6, 6),
    "api:openapi-view": (6, 6, 6, 6),
    "api:tokens_list": (10, 10, 10, 10),
    "api:user_tokens": (10, 10, 10, 10),
    "api:me": (8, 8, 8, 8),
    "api:case_list": (15, 11, 15, 15),
    "api:case_detail": (20, None, 20, 20),
    "api:defendant_list": (17, None, 17, 17),
    "api:hearing_list": (16, None, 16, 16),
    "api:case_deadlines": (16, None, 16, 16),
    "api:case_custody_clocks": (17, None, 17, 17),
    "api:my_tasks": (9, 9, 9, 9),
    "api:unit_ctl_expiring": (12, 12, 12, 12),
    "api:case_verdicts": (17, None, 17, 17),
    "api:unit_compliance": (12, None, 12, 13),
    "api:assessment_list": (10, 8, 10, 10),
    "api:coverage": (14, None, 14, 14),
    "api:leniency": (20, None, 20, 20),
    "api:case_resourcing": (27, None, 27, 27),
    "api:unit_resourcing": (21, None, 21, 26),
    "api:capacity_by_grade": (18, None, 18, 17),
    "api:referral_list": (15, 10, 15, 15),
    "api:referral_detail": (18, None, 18, 18),
    "api:agreement_list": (49, 9, 49, 13),
    "api:agreement_detail": (11, None, 11, 11),
    "api:oversight": (15, None, 15, 15),
    "partners:template_publish": (None, 7, None, None),
    "oversight:samples": (None, None, 9, None),
    "cases:unit": (None, None, None, 24),
    "cases:unit_export": (None, None, None, 8),
    "progression:board_export": (None, None, None, 7),
}

#: Where PostgreSQL issues one statement more than SQLite for the same page: route -> those readers.
POSTGRES_ONE_MORE: dict[str, set[str]] = {
    "cases:all": {"hq", "inspector"},
    "cases:detail": {"hq", "inspector", "area"},
    "cases:section": {"hq", "inspector", "area"},
    "people:detail": {"hq", "policy", "inspector", "area"},
    "audit:search": {"hq", "inspector"},
    "progression:case": {"hq", "inspector", "area"},
    "quality:coverage_csv": {"hq", "inspector", "area"},
    "quality:coverage_xlsx": {"hq", "inspector", "area"},
    "quality:analytics_csv": {"hq", "inspector", "area"},
    "quality:analytics_xlsx": {"hq", "inspector", "area"},
    "resourcing:grades_csv": {"hq", "inspector", "area"},
    "resourcing:grades_xlsx": {"hq", "inspector", "area"},
    "resourcing:unit_csv": {"hq", "inspector", "area"},
    "resourcing:unit_xlsx": {"hq", "inspector", "area"},
    "resourcing:case": {"hq", "inspector", "area"},
    "assurance:history": {"hq", "inspector", "area"},
    "assurance:panel": {"hq", "inspector", "area"},
    "assurance:dashboard_export": {"hq", "inspector", "area"},
    "assurance:rule_failing": {"hq", "inspector", "area"},
    "partners:referrals": {"hq", "inspector", "area"},
    "partners:referral": {"hq", "inspector", "area"},
    "partners:agreement_performance_export": {"hq", "inspector", "area"},
    "partners:coverage_export": {"hq", "policy", "inspector", "area"},
    "oversight:pack_case": {"hq", "inspector", "area"},
    "workday:figure": {"hq", "inspector"},
    "api:case_list": {"hq", "inspector", "area"},
    "api:case_detail": {"hq", "inspector", "area"},
    "api:defendant_list": {"hq", "inspector", "area"},
    "api:hearing_list": {"hq", "inspector", "area"},
    "api:case_deadlines": {"hq", "inspector", "area"},
    "api:case_custody_clocks": {"hq", "inspector", "area"},
    "api:case_verdicts": {"hq", "inspector", "area"},
    "api:case_resourcing": {"hq", "inspector", "area"},
    "api:referral_list": {"hq", "inspector", "area"},
    "api:referral_detail": {"hq", "inspector", "area"},
    "cases:unit": {"area"},
    "resourcing:unit": {"area"},
    "api:unit_resourcing": {"area"},
}

#: Pages whose count grows with the register today (an N+1 too large to fix in place): route -> why.
#: Their tests are strict xfails: fixing the page makes the test pass, and then this entry must go.
GROWING: dict[str, str] = {}


def _statements(client: Any, url: str, headers: dict[str, str]) -> tuple[int, int]:
    """(status, statements) of one GET, a streamed body read to its end."""
    count = 0

    def counted(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counted):
        response = client.get(url, **headers)
        if response.streaming:
            for _ in response.streaming_content:
                pass
    return response.status_code, count


def _enrich(case: Any) -> None:
    """More of what hangs off a case, so a case page that reads per defendant, charge, document or
    hearing shows it."""
    from casework.cases import services as case_services
    from casework.core import clock
    from casework.progression import services as progression_services

    actor = case.allocated_lawyer
    for index in range(2):
        defendant = case_services.defendant_add(
            actor=actor,
            case=case,
            first_names="Extra",
            last_name=f"Defendant {index}",
            date_of_birth=dt.date(1980, 1, 1),
        )
        charge = case_services.charge_add(
            actor=actor, defendant=defendant, offence=f"Fraud {index}", classification="either_way"
        )
        progression_services.custody_clock_open(actor=actor, charge=charge, initial_regime="crown")
        case_services.document_add(actor=actor, case=case, kind="psd", title=f"Extra document {index}", body="x")
    case_services.hearing_add(
        actor=actor, case=case, hearing_type="ptph", starts_at=clock.now() + dt.timedelta(days=30), court="Crown Court"
    )


def _representative_cases() -> set[Any]:
    from casework.people.models import User

    return {page_budget.Representatives(User.objects.get(username=name)).case for name in READERS.values()} - {None}


def _grow_cases() -> None:
    """Each representative case gets more defendants, charges, documents, a hearing and a custody
    clock, and the sweeps give them their deadlines and verdicts."""
    from casework.assurance.services import rechecks_run
    from casework.progression.sweep import progression_sweep

    for case in _representative_cases():
        _enrich(case)
    progression_sweep()
    rechecks_run()
    page_budget.refresh_stored_figures()


def _measure_pages(*, objects_only: bool = False) -> dict[tuple[str, str], int]:
    """(route, reader) -> statements of each page that answered 200 (`objects_only`: only the
    routes whose URL names a record)."""
    from casework.people.models import User

    counts: dict[tuple[str, str], int] = {}
    cache.clear()
    for reader, username in READERS.items():
        user = User.objects.get(username=username)
        client = Client(raise_request_exception=False)
        client.force_login(user)
        api_headers = page_budget._api_headers(user)
        if api_headers:  # a token's first use records it: not the page's own statement
            client.get(reverse("api:me"), **api_headers)
        representatives = page_budget.Representatives(user)
        for route in page_budget.routes():
            if route.name in NOT_REGISTER_PAGES or (objects_only and not _names_a_record(route)):
                continue
            kwargs = {name: representatives.value(name, route) for name in route.kwargs}
            headers = api_headers if route.name.startswith("api:") else {}
            status, statements = _statements(client, reverse(route.name, kwargs=kwargs), headers)
            if status == 200:
                counts[(route.name, reader)] = statements
    return counts


def _names_a_record(route: Any) -> bool:
    return any(name not in route.defaults for name in route.kwargs)


def _measure(cases: int, *, grow: bool) -> dict[str, dict[tuple[str, str], int]]:
    """The pages on a demo register of `cases` (rolled back afterwards); with `grow`, the record
    pages again once their records have more of what hangs off them."""
    found = {}
    with transaction.atomic():
        call_command("load_demo", cases=cases, seed=SEED, verbosity=0)
        page_budget.refresh_stored_figures()
        found["register"] = _measure_pages()
        if grow:
            _grow_cases()
            found["grown"] = _measure_pages(objects_only=True)
        transaction.set_rollback(True)
    return found


@pytest.fixture(scope="module")
def measured(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, dict[tuple[str, str], int]]]:
    # As tests/conftest.py's _plain_http_and_static (function-scoped, so not yet applied here).
    plain = override_settings(
        SECURE_SSL_REDIRECT=False,
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        STATIC_ROOT=None,
    )
    with django_db_blocker.unblock(), plain:
        small, large = _measure(SMALL_REGISTER, grow=False), _measure(LARGE_REGISTER, grow=True)
        yield {"small": small["register"], "large": large["register"], "grown": large["grown"]}


def _pinned_pairs() -> dict[tuple[str, str], int]:
    return {
        (route, reader): limit
        for route, limits in PINNED.items()
        for reader, limit in zip(READERS, limits, strict=True)
        if limit is not None
    }


def test_every_national_page_is_pinned(measured):
    """Every page a national reader can open is in PINNED, and nothing pinned has stopped being one."""
    answered = set(measured["large"])
    pinned = set(_pinned_pairs())
    assert sorted(answered - pinned) == [], "pages answering 200 that PINNED does not list (add them)"
    assert sorted(pinned - answered) == [], "pinned pages that no longer answer 200 (remove them)"
    assert set(measured["small"]) == answered, "a page answers 200 on one register size only"


def _route_params() -> list[Any]:
    return [
        pytest.param(route, marks=pytest.mark.xfail(strict=True, reason=GROWING[route])) if route in GROWING else route
        for route in PINNED
    ]


@pytest.mark.parametrize("route", _route_params())
def test_page_statements_do_not_grow_and_stay_within_pin(measured, route):
    """A register page issues the same statements on both registers; a record's page (a case, a
    referral...) issues no more once the record has more of what hangs off it; both stay within the pin."""
    postgres = connection.vendor == "postgresql"
    for (name, reader), limit in _pinned_pairs().items():
        if name != route or (name, reader) not in measured["large"]:
            continue  # a pinned page that stopped answering fails test_every_national_page_is_pinned
        large = measured["large"][(name, reader)]
        if (name, reader) in measured["grown"]:
            grown = measured["grown"][(name, reader)]
            assert grown <= large, f"{route} as {reader}: {large} statements, {grown} once its record has more parts"
        else:
            small = measured["small"].get((name, reader))
            assert large == small, (
                f"{route} as {reader}: {small} statements at {SMALL_REGISTER} cases, {large} at {LARGE_REGISTER}"
            )
        allowed = limit + (1 if postgres and reader in POSTGRES_ONE_MORE.get(name, set()) else 0)
        assert max(large, measured["grown"].get((name, reader), 0)) <= allowed, (
            f"{route} as {reader}: {large} statements, pinned at most {allowed}"
        )
