"""Shared helpers for the progression tests: a case with a custody clock and date posting.

(Plain HTTP and uncollected static files are set for every test in tests/conftest.py.)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from casework.cases import services as case_services
from casework.cases.models import Case, Charge
from casework.progression import services
from casework.progression.models import CustodyClock
from tests.api.conftest import api_as  # noqa: F401  (the API tests' client fixture)
from tests.factories import Personas


def date_fields(name: str, value: dt.date | None) -> dict[str, str]:
    """A GOV.UK date input's three boxes, as a browser posts them."""
    if value is None:
        return {f"{name}_day": "", f"{name}_month": "", f"{name}_year": ""}
    return {f"{name}_day": str(value.day), f"{name}_month": str(value.month), f"{name}_year": str(value.year)}


def add_charge(case: Case, actor: Any, offence: str = "Conspiracy to supply class A drugs") -> Charge:
    defendant = case_services.defendant_add(actor=actor, case=case, first_names="Alex", last_name="Mercer")
    return case_services.charge_add(actor=actor, defendant=defendant, offence=offence, classification="indictable_only")


@pytest.fixture
def clock_a(personas: Personas, case_a: Case) -> CustodyClock:
    """A Crown Court clock on case_a, remanded by prosecutor_a on a date that keeps it running."""
    charge = add_charge(case_a, personas.prosecutor_a)
    ctl = services.custody_clock_open(actor=personas.prosecutor_a, charge=charge, initial_regime="crown")
    return ctl
