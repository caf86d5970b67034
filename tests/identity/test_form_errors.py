"""The sign-in forms a signed-in crawl cannot reach (the second sign-in step, the password reset
request and the one-time link from an e-mail) answer mistakes the GOV.UK way: an error summary whose
links reach the box to fix, the message beside that box, and "Error: " in the page title."""

from __future__ import annotations

import datetime as dt

import pytest
from bs4 import BeautifulSoup

from casework.identity import services
from tests.factories import PASSWORD
from tests.frontend.test_every_form import FoundForm, _check_error_page
from tests.identity.conftest import link_in
from tests.identity.test_second_factor import enrol


def assert_govuk_error(response, field_id: str, message: str, page: str) -> None:
    body = response.content.decode()
    assert _check_error_page(FoundForm("", page, page, "post", []), "", body, {}) == []
    soup = BeautifulSoup(body, "html.parser")
    summary = soup.find(class_="govuk-error-summary")
    assert summary is not None and summary.find("a", href=f"#{field_id}") is not None
    assert message in summary.get_text()
    assert soup.find(id=field_id) is not None
    assert message in soup.find(id=f"{field_id}-error").get_text()


def test_the_security_code_step(client, personas, time_machine):
    time_machine.move_to(dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC), tick=False)
    enrol(client, "admin")
    client.post("/logout/")
    time_machine.shift(60)
    assert client.post("/login/", {"username": "admin", "password": PASSWORD})["Location"] == "/login/code/"
    response = client.post("/login/code/", {"code": ""})
    assert_govuk_error(response, "id_code", "Enter", "/login/code/")


@pytest.mark.parametrize(
    ("email", "message"), [("", "Enter"), ("not an address", "Enter an email address in the correct format")]
)
def test_the_password_reset_request(client, db, email, message):
    response = client.post("/password-reset/", {"email": email})
    assert_govuk_error(response, "id_email", message, "/password-reset/")


def test_the_one_time_link_to_set_a_password(client, addressed):
    services.password_reset_request(email="prosecutor.a@example.test")
    path = link_in("password_reset", "prosecutor.a@example.test")
    response = client.post(path, {"new_password1": "", "new_password2": ""})
    assert_govuk_error(response, "id_new_password1", "Enter", path)
