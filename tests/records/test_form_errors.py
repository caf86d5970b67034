"""The records forms answer mistakes the GOV.UK way: the page comes back (400) with an error summary
whose links reach the box to fix, the message beside that box, and nothing changed."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse

from casework.cases import services as case_services
from casework.cases.models import Case
from casework.core.govuk_forms import NOTE_MAX
from casework.records import services
from casework.records.choices import RecordType
from casework.records.models import LegalHold
from tests.frontend.test_every_form import FoundForm, _check_error_page
from tests.records.conftest import make_old_case


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_govuk_error(response, field_id: str, message: str, page: str) -> None:
    body = response.content.decode()
    assert response.status_code == 400
    assert _check_error_page(FoundForm("", page, page, "post", []), "", body, {}) == []
    soup = BeautifulSoup(body, "html.parser")
    summary = soup.find(class_="govuk-error-summary")
    assert summary is not None and summary.find("a", href=f"#{field_id}") is not None
    assert message in summary.get_text()
    field = soup.find(id=field_id)
    assert field is not None and "govuk-textarea--error" in field.get("class", [])
    assert message in soup.find(id=f"{field_id}-error").get_text()


@pytest.fixture
def held(personas, records_a):
    old = make_old_case(personas)
    hold = services.hold_place(
        actor=records_a,
        record_type=RecordType.CASE_FILE,
        record_id=str(old.case.pk),
        reason="Appeal against conviction lodged",
        until=None,
    )
    return old.case, hold


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Enter the reason for lifting the hold"),
        ("x" * (NOTE_MAX + 1), f"Reason for lifting the hold must be {NOTE_MAX:,} characters or less"),
        ("short", "at least 10 characters"),
    ],
)
def test_lifting_a_hold_without_a_good_reason_is_shown_on_the_record(records_a, held, reason, message):
    case, hold = held
    page = reverse("records:review_detail", args=[RecordType.CASE_FILE, case.pk])
    response = client_for(records_a).post(reverse("records:hold_lift", args=[hold.pk]), {"reason": reason})
    assert_govuk_error(response, f"lift-{hold.pk}-reason", message, page)
    assert LegalHold.objects.active().filter(pk=hold.pk).exists()


def test_the_decision_and_hold_forms_link_their_errors_to_their_own_boxes(records_a, held):
    case, _ = held
    url = reverse("records:review_detail", args=[RecordType.CASE_FILE, case.pk])
    response = client_for(records_a).post(url, {"form": "hold", "reason": ""})
    assert_govuk_error(response, "hold-reason", "Enter why the record must be kept", url)


@pytest.fixture
def restricted_case(case_a, records_a):
    case_services.case_restrict(actor=records_a, case_id=case_a.pk, reason="The defendant contests its accuracy")
    return Case.objects.get(pk=case_a.pk)


@pytest.mark.parametrize(
    ("reason", "message"),
    [("", "Enter the reason for lifting the restriction"), ("short", "at least 10 characters")],
)
def test_lifting_a_restriction_without_a_good_reason_is_shown_on_the_list(records_a, restricted_case, reason, message):
    page = reverse("records:restricted")
    url = reverse("records:restriction_lift", args=[restricted_case.pk])
    response = client_for(records_a).post(url, {"reason": reason})
    assert_govuk_error(response, f"lift-{restricted_case.pk}-reason", message, page)
    assert Case.objects.get(pk=restricted_case.pk).restricted_at is not None


def test_opening_a_restricted_case_without_a_reason(records_a, restricted_case):
    url = reverse("records:restricted_open", args=[restricted_case.pk])
    response = client_for(records_a).post(url, {"reason": ""})
    assert_govuk_error(response, "id_reason", "Enter the reason", url)


@pytest.mark.parametrize("name", ["records:review", "records:disposals"])
def test_a_filter_that_is_not_offered_is_summarised(records_a, name):
    url = reverse(name)
    body = client_for(records_a).get(url, {"record_type": "not-a-type"}).content.decode()
    assert _check_error_page(FoundForm("", url, url, "get", []), "", body, {}) == []
    summary = BeautifulSoup(body, "html.parser").find(class_="govuk-error-summary")
    assert summary is not None and "Select one of the options offered for type" in summary.get_text()
