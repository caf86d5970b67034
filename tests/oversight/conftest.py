from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from casework.assurance.models import AssuranceRule, VerdictPeriod
from casework.cases.models import AcceptanceCriterion, Case, Charge, Defendant
from casework.core import clock
from casework.progression.models import CustodyClock, Deadline
from tests.factories import Personas, make_case

#: Roles that reach the oversight dashboard, and those that must get a 404.
DASHBOARD_ROLES = ["manager_a", "unithead_a", "area_leader_a", "hq", "inspector"]
NO_DASHBOARD = ["prosecutor_a", "paralegal_a", "prosecutor_b", "police_x", "police_y", "admin"]
FORMULA = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture
def client_as(personas: Personas):
    def make(persona: str) -> Client:
        client = Client()
        client.force_login(getattr(personas, persona))
        return client

    return make


def _stamp() -> dict:
    now = clock.now()
    return {"created_at": now, "updated_at": now}


def deadline(case: Case, key: str, status: str, due: dt.date, **extra) -> Deadline:
    return Deadline.objects.create(case=case, key=key, title=key, due_on=due, status=status, **extra, **_stamp())


def custody_clock(case: Case, status: str, expires: dt.date | None) -> CustodyClock:
    defendant = Defendant.objects.create(case=case, first_names="Ann", last_name=f"Accused{case.pk}", **_stamp())
    charge = Charge.objects.create(defendant=defendant, offence="Fraud", classification="indictable", **_stamp())
    return CustodyClock.objects.create(
        charge=charge, case=case, initial_regime="indictable", status=status, expires_on=expires, **_stamp()
    )


def verdict(case: Case, code: str, outcome: str, *, start: dt.datetime, end: dt.datetime | None = None) -> None:
    rule = AssuranceRule.objects.get(code=code, version=1)
    VerdictPeriod.objects.create(
        case=case, rule=rule, rule_code=code, outcome=outcome, reason="r", valid_from=start, valid_to=end
    )


@pytest.fixture
def known(personas: Personas):
    """Hand-counted fixture. Unit A: cases one, two, three (all open); unit B: case b.

    Deadlines  A: met 1, missed 2, overdue 1 (one more open, not yet due)   B: met 1
    CTL        A: running 2 (one expiring in 10 days, one past expiry), 1 expired -> expiring 1, expired 2
    Verdicts   A: applicable 4, not met 2 (50%)                                B: applicable 2, not met 2
    Case mix (criterion X: one, two, b; none: three): X rate 3/5, none rate 1/1
      A expected = 3 * 0.6 + 1 * 1.0 = 2.8 (observed 2, ratio 0.71); B expected 1.2 (observed 2, ratio 1.67)
    """
    today, now = clock.today(), clock.now()
    start = now - dt.timedelta(minutes=1)
    criterion = AcceptanceCriterion.objects.order_by("pk").first()
    lawyer = personas.prosecutor_a.pk
    one = make_case(actor=personas.manager_a, operation_name="One", allocated_lawyer_id=lawyer)
    two = make_case(actor=personas.manager_a, operation_name=FORMULA, allocated_lawyer_id=lawyer)
    three = make_case(actor=personas.manager_a, operation_name="Three")
    b = make_case(actor=personas.prosecutor_b, operation_name="Bee", allocated_lawyer_id=personas.prosecutor_b.pk)
    Case.objects.filter(pk__in=[one.pk, two.pk, b.pk]).update(acceptance_criterion=criterion)

    deadline(one, "d1", "met", today - dt.timedelta(days=5), met_on=today - dt.timedelta(days=6))
    deadline(one, "d2", "missed", today - dt.timedelta(days=4), missed_reason="internal")
    deadline(one, "d3", "open", today - dt.timedelta(days=1))
    deadline(two, "d1", "open", today + dt.timedelta(days=1))
    deadline(two, "d2", "missed", today - dt.timedelta(days=9), missed_reason="police_delay")
    deadline(b, "d1", "met", today - dt.timedelta(days=2), met_on=today - dt.timedelta(days=2))

    custody_clock(one, "running", today + dt.timedelta(days=10))
    custody_clock(two, "running", today - dt.timedelta(days=1))
    custody_clock(three, "expired", today - dt.timedelta(days=3))

    verdict(one, "acceptance.basis", "met", start=now - dt.timedelta(days=90), end=start)  # history only
    verdict(one, "acceptance.basis", "not_met", start=start)
    verdict(one, "psd.present", "met", start=start)
    verdict(two, "acceptance.basis", "met", start=start)
    verdict(two, "psd.present", "na", start=start)
    verdict(three, "acceptance.basis", "not_met", start=start)
    verdict(b, "acceptance.basis", "not_met", start=start)
    verdict(b, "psd.present", "not_met", start=start)
    return {"one": one, "two": two, "three": three, "b": b}


@pytest.fixture
def api_as(personas: Personas):
    from casework.api import services
    from tests.api.conftest import ApiClient

    def make(persona: str) -> ApiClient:
        return ApiClient(services.api_token_issue(actor=getattr(personas, persona), name="tests").token)

    return make
