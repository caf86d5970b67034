"""Stored denial of service: a hearing dated 01/01/0001 or 31/12/9999 was accepted, and afterwards
"Recalculate" answered 500 and the nightly sweep stopped. Every service now bounds the dates it
stores (casework.core.dates) and refuses an implausible one with a field message, through the
page, the API and the service alike, so nothing breaks later."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from casework.api import services as api_services
from casework.assurance import services as assurance_services
from casework.cases import services as case_services
from casework.cases.models import Hearing
from casework.core import dates
from casework.core.errors import ValidationFailed
from casework.people.models import Grade
from casework.progression import services as progression_services
from casework.resourcing import services as resourcing_services
from tests.api.conftest import ApiClient
from tests.factories import Personas

TODAY = dt.date(2026, 3, 2)
FIRST = dt.date(1, 1, 1)
LAST = dt.date(9999, 12, 31)
INSTANT_FIRST = dt.datetime(1, 1, 1, 10, 0, tzinfo=dt.UTC)
INSTANT_LAST = dt.datetime(9999, 12, 31, 10, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "value,problem",
    [
        (dt.date(1899, 12, 31), "on or after 1 January 1900"),
        (dt.date(1900, 1, 1), None),
        (TODAY, None),
        (dt.date(2036, 3, 2), None),
        (dt.date(2036, 3, 3), "on or before 2 March 2036"),
        (FIRST, "on or after"),
        (LAST, "on or before"),
        (INSTANT_LAST, "on or before"),
        (None, None),
        ("not a date", None),
    ],
)
def test_the_plausible_range(value, problem):
    found = dates.date_problem("due_on", value, today=TODAY)
    assert (found is None) if problem is None else (problem in found)


def test_past_only_dates_and_leap_day():
    assert dates.date_problem("date_of_birth", TODAY + dt.timedelta(days=1), today=TODAY, past_only=True)
    assert dates.latest(dt.date(2028, 2, 29)) == dt.date(2038, 2, 28)


# --- every service that stores a date ----------------------------------------------------------

Call = Callable[[Personas, Any, Any], Any]


def _hearing(p: Personas, case: Any, when: Any) -> Any:
    return case_services.hearing_add(actor=p.manager_a, case=case, hearing_type="ptph", starts_at=when, court="C")


def _defendant(p: Personas, case: Any, day: Any) -> Any:
    return case_services.defendant_add(actor=p.manager_a, case=case, first_names="A", last_name="B", date_of_birth=day)


def _charge(p: Personas, case: Any, day: Any) -> Any:
    defendant = case_services.defendant_add(actor=p.manager_a, case=case, first_names="C", last_name="D")
    return case_services.charge_add(
        actor=p.manager_a, defendant=defendant, offence="Fraud", classification="either_way", charged_on=day
    )


def _review(p: Personas, case: Any, day: Any) -> Any:
    return case_services.review_add(actor=p.manager_a, case=case, kind="initial", reviewed_on=day, note="Done")


def _accepted(p: Personas, case: Any, day: Any) -> Any:
    return case_services.case_update(actor=p.manager_a, case=case, expected_version=case.version, accepted_on=day)


def _clock_event(p: Personas, case: Any, day: Any) -> Any:
    defendant = case_services.defendant_add(actor=p.manager_a, case=case, first_names="E", last_name="F")
    charge = case_services.charge_add(
        actor=p.manager_a, defendant=defendant, offence="X", classification="indictable_only"
    )
    clock = progression_services.custody_clock_open(actor=p.manager_a, charge=charge, initial_regime="crown")
    return progression_services.clock_event_record(actor=p.manager_a, clock=clock, kind="remanded", occurred_on=day)


def _ctl_log(p: Personas, case: Any, day: Any) -> Any:
    return progression_services.ctl_log_add(actor=p.manager_a, case=case, entry_on=day, note="Checked")


def _direction(p: Personas, case: Any, day: Any) -> Any:
    return progression_services.direction_add(
        actor=p.manager_a, case=case, title="Serve", due_on=day, owner_id=p.prosecutor_a.pk, reason="PTPH order"
    )


def _task(p: Personas, case: Any, day: Any) -> Any:
    return progression_services.task_create(
        actor=p.manager_a, title="Chase", due_on=day, case=case, assignee_id=p.prosecutor_a.pk
    )


def _waiver(p: Personas, case: Any, day: Any) -> Any:
    return assurance_services.waiver_grant(
        actor=p.manager_a,
        case=case,
        rule_code="review.current",
        reason="A reason of at least twenty letters",
        expires_on=day,
    )


def _time(p: Personas, case: Any, day: Any) -> Any:
    return resourcing_services.time_entry_record(
        actor=p.manager_a, case=case, week_starting=day, activity="casework", hours=Decimal("1")
    )


def _vacancy(p: Personas, case: Any, day: Any) -> Any:
    grade = Grade.objects.get(code="senior-crown-prosecutor")
    return resourcing_services.vacancy_record(
        actor=p.manager_a, unit=p.unit_a, grade=grade, fte=Decimal("1"), since=day, reason="Left"
    )


SERVICES: list[tuple[str, Call, str, bool]] = [
    ("hearing", _hearing, "starts_at", True),
    ("defendant", _defendant, "date_of_birth", False),
    ("charge", _charge, "charged_on", False),
    ("review", _review, "reviewed_on", False),
    ("case", _accepted, "accepted_on", False),
    ("clock event", _clock_event, "occurred_on", False),
    ("CTL log", _ctl_log, "entry_on", False),
    ("direction", _direction, "due_on", False),
    ("task", _task, "due_on", False),
    ("waiver", _waiver, "expires_on", False),
    ("time record", _time, "week_starting", False),
    ("vacancy", _vacancy, "since", False),
]


@pytest.mark.parametrize("name,call,field,instant", SERVICES, ids=[s[0] for s in SERVICES])
@pytest.mark.parametrize("extreme", ["first", "last"])
def test_every_service_refuses_an_implausible_date(personas, case_a, name, call, field, instant, extreme):
    value = (
        {"first": INSTANT_FIRST, "last": INSTANT_LAST}[extreme] if instant else {"first": FIRST, "last": LAST}[extreme]
    )
    with pytest.raises(ValidationFailed) as refused:
        call(personas, case_a, value)
    assert field in refused.value.field_errors
    assert refused.value.field_errors[field][0].split(" must ")[1].startswith(("be on or", "be in the past"))


# --- through the page and the API --------------------------------------------------------------


@pytest.mark.parametrize("year", ["0001", "9999"])
def test_hearing_form_refuses_year_with_a_field_message(client, personas, case_a, year):
    client.force_login(personas.manager_a)
    response = client.post(
        reverse("cases:hearing_add", args=[case_a.pk]),
        {
            "hearing_type": "ptph",
            "starts_at_day": "31" if year == "9999" else "1",
            "starts_at_month": "12" if year == "9999" else "1",
            "starts_at_year": year,
            "starts_at_time": "10:00",
            "court": "Winchester",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and "The date of the hearing must be on or" in html
    assert not Hearing.objects.filter(case=case_a).exists()


@pytest.mark.parametrize("starts_at", ["0001-01-01T10:00:00+00:00", "9999-12-31T10:00:00+00:00"])
def test_api_refuses_an_implausible_hearing(personas, case_a, starts_at):
    client = ApiClient(api_services.api_token_issue(actor=personas.manager_a, name="t").token)
    response = client.post(
        f"/cases/{case_a.pk}/hearings", {"hearing_type": "ptph", "starts_at": starts_at, "court": "C"}
    )
    assert response.status_code == 422
    assert "starts_at" in response.json()["errors"]
    assert not Hearing.objects.filter(case=case_a).exists()


def test_recalculate_answers_after_a_refused_extreme_date(client, personas, case_a):
    client.force_login(personas.manager_a)
    with pytest.raises(ValidationFailed):
        _hearing(personas, case_a, INSTANT_LAST)
    response = client.post(reverse("progression:recalculate", args=[case_a.pk]))
    assert response.status_code < 500
