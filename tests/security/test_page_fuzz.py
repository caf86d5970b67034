"""Property-based fuzzing of the pages (the API's own run is test_api_fuzz.py): every routed page,
for signed-in roles, with generated query parameters, and again after hostile values are stored.

The red team found 20 URLs answering 500 (huge page numbers or ids, out-of-range dates or
quarters, a forged cursor, a control character in a stored operation name breaking an XLSX
export for everyone). Here Hypothesis draws query strings from the parameters the pages read,
with the values that broke them, and every answer must be below 500. Then values the services
accept (control characters, right-to-left overrides, formulas, the longest text allowed, the
earliest and latest plausible dates) are stored through the API as unit B's prosecutor, and every
page and every export (posted with a recipient and purpose) is read back: no 500, and every XLSX
opens. Examples are bounded and derandomised (CASEWORK_FUZZ_EXAMPLES raises them).
"""

from __future__ import annotations

import datetime as dt
import io
import os
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from casework.api import services as api_services
from casework.core import clock, dates
from tests.api.conftest import ApiClient
from tests.factories import DISCLOSURE
from tests.security.matrix import MATRIX, PUBLIC
from tests.security.test_url_matrix import _url
from tests.security.world import World

EXAMPLES = int(os.environ.get("CASEWORK_FUZZ_EXAMPLES", "2"))
#: Query parameters the pages read (list filters, paging, scopes, search forms).
PARAMETERS = [
    "page", "unit", "q", "stage", "lawyer", "sort", "quarter", "on", "date_from", "date_to", "before",
    "cursor", "area", "status", "show", "rule", "format", "prosecutor", "case", "action", "actor",
    "subject", "scope", "kind", "person", "grade", "year", "within_days", "notice", "fmt", "metric",
]  # fmt: skip
#: Values that broke pages, and their neighbours.
NASTY = [
    "9" * 40, "-1", "0", "2147483648", "9223372036854775808", "1e309", "NaN", "", " ",
    "0001-01-01", "9999-12-31", "31/12/9999", "2026-02-30", "9999Q4", "0000Q1", "2026Q5", "2026-Q0",
    "\x00", "\x0b\x1f", "\u202e", "'; DROP TABLE x; --", "<script>", "../../etc/passwd", "%", "%%", "a" * 3000,
    "eyJub3QiOiAiYSBjdXJzb3IifQ", "W10", "WyIyMDI2LTAxLTAxIiwgOTk5OTk5OTk5OTk5OTk5OTk5OTk5XQ",
]  # fmt: skip
QUERIES = st.dictionaries(
    st.sampled_from(PARAMETERS),
    st.one_of(st.sampled_from(NASTY), st.integers(min_value=-(2**70), max_value=2**70).map(str), st.text(max_size=40)),
    max_size=4,
)
ROLES = ["prosecutor_b", "manager_a", "hq", "admin"]
#: Roles that also get the full sweep of NASTY values (one national, one unit scope).
SWEPT = {"manager_a", "hq"}


def _pages(world: World) -> list[str]:
    return [_url(name, world) for name, probe in MATRIX.items() if probe.kind != PUBLIC]


def _client(world: World, persona: str) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(getattr(world.personas, persona))
    return client


@pytest.mark.parametrize("persona", ROLES)
def test_pages_never_fail_on_generated_query_parameters(world: World, persona: str) -> None:
    client = _client(world, persona)
    problems: list[str] = []

    @hypothesis_settings(
        max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(query=QUERIES)
    def one(query: dict[str, str]) -> None:
        for url in _pages(world):
            response = client.get(url, query)
            if response.status_code >= 500:
                problems.append(f"GET {url} {query!r} as {persona}: {response.status_code}")

    one()
    if persona in SWEPT:
        # And every nasty value in every parameter at once, on every page.
        for url in _pages(world):
            for value in NASTY:
                response = client.get(url, dict.fromkeys(PARAMETERS, value))
                if response.status_code >= 500:
                    problems.append(f"GET {url} (every parameter {value[:40]!r}) as {persona}: {response.status_code}")
    assert problems == [], f"{len(problems)} server errors:\n" + "\n".join(sorted(set(problems))[:80])


# --- stored values ---------------------------------------------------------------------------------

HOSTILE_TEXT = [
    "Op\x01\x0b\x1f\x7f with controls",
    "\u202eevil\u202c right-to-left",
    '=HYPERLINK("http://evil.example","x")',
    "Zalgo ẓ̶̡̢a̵̛l̷̨g̶̢o 🚨 𝕮𝖆𝖘𝖊",
    "<img src=x onerror=alert(1)>",
]


def _store_hostile_values(world: World) -> None:
    """Values the services accept, stored the way a client would: through the API, as unit B."""
    api = ApiClient(api_services.api_token_issue(actor=world.personas.prosecutor_b, name="fuzz").token)
    case_id = world.case_b.pk
    version = api.get(f"/cases/{case_id}").json()["version"]
    # A NUL character cannot be stored (PostgreSQL refuses it): a field error, never a 500.
    refused = api.patch(f"/cases/{case_id}", {"version": version, "operation_name": "Op\x00NUL"})
    assert refused.status_code == 422 and "operation_name" in refused.json()["errors"], refused.content
    for text in HOSTILE_TEXT:
        response = api.patch(
            f"/cases/{case_id}", {"version": version, "operation_name": text[:120], "summary": text * 40}
        )
        assert response.status_code == 200, response.content
        version = response.json()["version"]
        defendant = api.post(f"/cases/{case_id}/defendants", {"first_names": text[:120], "last_name": text[:60]})
        assert defendant.status_code == 201, defendant.content
        api.post(
            f"/defendants/{defendant.json()['id']}/charges", {"offence": text[:250], "classification": "either_way"}
        )
    today = clock.today()
    for day in (dates.EARLIEST, dates.latest(today)):
        instant = dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC).isoformat()
        response = api.post(
            f"/cases/{case_id}/hearings", {"hearing_type": "trial", "starts_at": instant, "court": HOSTILE_TEXT[0]}
        )
        assert response.status_code == 201, response.content


def _exports(world: World) -> list[str]:
    return [
        _url(name, world) + ("?unit=" + str(world.personas.unit_b.pk) if "board" in name or "all" in name else "")
        for name in MATRIX
        if "export" in name or name.endswith(("_csv", "_xlsx"))
    ]


@pytest.mark.parametrize("persona", ["prosecutor_b", "hq", "inspector"])
def test_stored_hostile_values_break_no_page_and_no_export(world: World, persona: str) -> None:
    _store_hostile_values(world)
    client = _client(world, persona)
    problems: list[str] = []
    for url in _pages(world):
        for query in ({}, {"unit": world.personas.unit_b.pk}):
            response = client.get(url, query)
            if response.status_code >= 500:
                problems.append(f"GET {url} {query} as {persona}: {response.status_code}")
    for url in _exports(world):
        for response in (client.get(url), client.post(url, DISCLOSURE)):
            if response.status_code >= 500:
                problems.append(f"{response.request['REQUEST_METHOD']} {url} as {persona}: {response.status_code}")
            elif response.get("Content-Type", "").startswith("application/vnd.openxml"):
                body: Any = b"".join(response.streaming_content) if response.streaming else response.content
                load_workbook(io.BytesIO(body))  # opens: no illegal character slipped through
    assert problems == [], "\n".join(problems)


def test_the_xlsx_writer_survives_control_characters() -> None:
    from casework.core.spreadsheets import Table
    from casework.core.xlsx_stream import tables_to_xlsx

    body = tables_to_xlsx([Table("Unit: a/b [x]?", ["Op\x00"], [["Name\x0b\x1f", 3, None]])])
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet.title == "Unit  a b  x" and sheet.cell(row=2, column=1).value == "Name\ufffd\ufffd"


def test_a_forged_cursor_is_a_clean_422(world: World) -> None:
    client = _client(world, "hq")
    for cursor in ["eyJ4IjoxfQ", "W10", "WyIyMDI2LTAxLTAxIiwgOTk5OTk5OTk5OTk5OTk5OTk5OTk5XQ", "!!!", "\x00"]:
        response = client.get("/api/v1/cases", {"cursor": cursor}, secure=True)
        assert response.status_code in {400, 422} and "cursor" in response.json()["errors"], (cursor, response.content)
