"""The load scenario reads the real pages as a browser does: sign-in, case links, the edit form.

The locust file itself is never imported here (locust patches the standard library with gevent);
its page names and URLs are checked from its source instead.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from benchmarks.load import scenario
from django.test import Client
from django.urls import Resolver404, resolve

from casework.cases.choices import Stage
from casework.cases.models import Case
from tests.factories import PASSWORD, Personas, make_case

LOCUSTFILE = Path(scenario.__file__).with_name("locustfile.py").read_text()


@pytest.fixture
def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


def sign_in(client: Client, username: str) -> None:
    token = scenario.csrf_token(client.get("/login/").content.decode())
    assert token
    response = client.post("/login/", {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]


def test_sign_in_with_the_token_read_from_the_page(personas: Personas, csrf_client: Client) -> None:
    sign_in(csrf_client, "prosecutor.a")
    assert csrf_client.get("/cases/my/").status_code == 200


def test_case_ids_come_from_the_users_own_list(personas: Personas, case_a: Case, csrf_client: Client) -> None:
    other = make_case(actor=personas.manager_a, allocated_lawyer_id=personas.manager_a.pk)
    sign_in(csrf_client, "prosecutor.a")

    assert scenario.case_ids(csrf_client.get("/cases/my/").content.decode()) == [case_a.pk]
    unit_page = csrf_client.get("/cases/unit/")  # not a prosecutor's page: no case links leak from it
    assert other.pk not in scenario.case_ids(unit_page.content.decode())


def test_the_edit_form_round_trip_saves_then_a_stale_copy_is_a_conflict(
    personas: Personas, case_a: Case, csrf_client: Client
) -> None:
    sign_in(csrf_client, "prosecutor.a")
    url = f"/cases/{case_a.pk}/edit/"
    detail = csrf_client.get(f"/cases/{case_a.pk}/").content.decode()
    assert f'href="{url}"' in detail  # how the load test learns the case is editable

    form = scenario.post_form(csrf_client.get(url).content.decode(), with_field="version")
    assert form is not None
    assert {"csrfmiddlewaretoken", "version", "loaded", "summary", "allocated_lawyer"} <= set(form.fields)
    assert form.fields["allocated_lawyer"] == str(personas.prosecutor_a.pk)  # the selected option
    data = dict(form.fields)
    data["summary"] = scenario.edited_summary(data["summary"], 1)

    saved = csrf_client.post(url, data)
    result = scenario.edit_outcome(status=saved.status_code, location=saved.get("Location", ""), body="")
    assert result == scenario.EditResult(scenario.OUTCOME_OK)
    case_a.refresh_from_db()
    assert case_a.summary.endswith("[load check 1]")
    assert case_a.allocated_lawyer_id == personas.prosecutor_a.pk  # unchanged fields went back as loaded

    data["summary"] = scenario.edited_summary(data["summary"], 2)  # the same, now stale, version
    stale = csrf_client.post(url, data)
    outcome = scenario.edit_outcome(
        status=stale.status_code, location=stale.get("Location", ""), body=stale.content.decode()
    )
    assert outcome.outcome == scenario.OUTCOME_CONFLICT


def test_filter_choices_are_read_from_the_list_page(personas: Personas, csrf_client: Client) -> None:
    sign_in(csrf_client, "hq.analyst")
    html = csrf_client.get("/cases/all/").content.decode()
    assert str(personas.unit_a.pk) in scenario.select_options(html, "unit")
    assert scenario.select_options(html, "stage") == list(Stage.values)


@pytest.mark.parametrize(
    ("status", "location", "body", "expected"),
    [
        (302, "/cases/12/", "", scenario.OUTCOME_OK),
        (200, "", '<div class="govuk-inset-text casework-conflict">', scenario.OUTCOME_CONFLICT),
        (200, "", '<div class="govuk-error-summary">', scenario.OUTCOME_ERROR),
        (302, "/login/?next=/cases/12/edit/", "", scenario.OUTCOME_ERROR),
        (404, "", "", scenario.OUTCOME_ERROR),
        (500, "", "", scenario.OUTCOME_ERROR),
    ],
)
def test_edit_outcome(status: int, location: str, body: str, expected: str) -> None:
    assert scenario.edit_outcome(status=status, location=location, body=body).outcome == expected


def test_edited_summary_replaces_its_mark_rather_than_stacking() -> None:
    once = scenario.edited_summary("Fraud on a pension scheme.", 7)
    assert once == "Fraud on a pension scheme. [load check 7]"
    assert scenario.edited_summary(once, 8) == "Fraud on a pension scheme. [load check 8]"
    assert scenario.edited_summary("", 1) == "[load check 1]"


def test_form_reader_submits_what_a_browser_would() -> None:
    html = """
    <form method="post" action="">
      <input type="hidden" name="csrfmiddlewaretoken" value="tok">
      <input type="text" name="name" value="A &amp; B">
      <input type="checkbox" name="ticked" checked><input type="checkbox" name="unticked">
      <input type="radio" name="choice" value="x"><input type="radio" name="choice" value="y" checked>
      <select name="first"><option value="">None</option><option value="3">Three</option></select>
      <select name="chosen"><option value="1">One</option><option value="2" selected>Two</option></select>
      <textarea name="notes">\nline one</textarea>
      <button type="submit" name="go">Save</button>
    </form>"""
    form = scenario.post_form(html, with_field="csrfmiddlewaretoken")
    assert form is not None
    assert form.fields == {
        "csrfmiddlewaretoken": "tok",
        "name": "A & B",
        "ticked": "on",
        "choice": "y",
        "first": "",
        "chosen": "2",
        "notes": "line one",
    }
    # A select's options, and a checkbox group's values (the filter panel's choices).
    assert form.options == {"ticked": ["on"], "unticked": ["on"], "first": ["", "3"], "chosen": ["1", "2"]}


def test_every_request_name_in_the_locustfile_is_a_known_page_type() -> None:
    names = set(re.findall(r'name="([^"]+)"', LOCUSTFILE))
    names |= set(re.findall(r'\.(?:page|list_cases)\([^,]+, "([^"]+)"', LOCUSTFILE))
    assert len(names) > 10
    assert names <= set(scenario.PAGE_TYPES), names - set(scenario.PAGE_TYPES)
    # And every page type is requested somewhere: no dead rows in the report's table.
    assert set(scenario.PAGE_TYPES) <= names, set(scenario.PAGE_TYPES) - names


def test_every_path_in_the_locustfile_resolves() -> None:
    def fill(match: re.Match[str]) -> str:  # an id in the path is a number; a query string goes away
        return "" if re.search("query|sort", match.group(0)) else "1"

    paths = {re.sub(r"\{[^}]*\}", fill, p) for p in re.findall(r'f?"(/[a-z0-9/_.{}\[\]()-]*)', LOCUSTFILE)}
    assert len(paths) > 10
    unresolved = []
    for path in sorted(paths):
        try:
            resolve(path.split("?")[0])
        except Resolver404:
            unresolved.append(path)
    assert unresolved == []
