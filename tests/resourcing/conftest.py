from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from casework.cases import services as case_services
from casework.cases.choices import CustodyStatus, Stage
from casework.cases.models import Case
from casework.core import clock
from casework.resourcing.services import rem_record_save
from tests.api.conftest import ApiClient
from tests.factories import Personas, make_case

NOW = dt.datetime(2026, 5, 11, 9, 0, tzinfo=dt.UTC)  # a Monday


@pytest.fixture(autouse=True)
def _frozen(time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def api_as(personas: Personas):
    from casework.api import services as api_services

    def make(persona: str) -> ApiClient:
        return ApiClient(api_services.api_token_issue(actor=getattr(personas, persona), name="tests").token)

    return make


@pytest.fixture
def register(personas: Personas) -> dict[str, Case]:
    """Cases of every band in both units, one restricted, one disposed and one closed."""
    m, b = personas.manager_a, personas.prosecutor_b
    cases = {
        "plain": make_case(actor=m, allocated_lawyer_id=personas.prosecutor_a.pk, paralegal_id=personas.paralegal_a.pk),
        "heavy": make_case(actor=m, allocated_lawyer_id=personas.prosecutor_a.pk, trial_estimate_days=30),
        "custody": make_case(actor=m, allocated_lawyer_id=m.pk, deputy_lawyer_id=personas.prosecutor_a.pk),
        "restricted": make_case(actor=m, allocated_lawyer_id=personas.prosecutor_a.pk, trial_estimate_days=12),
        "disposed": make_case(actor=m, allocated_lawyer_id=personas.prosecutor_a.pk),
        "closed": make_case(actor=m, allocated_lawyer_id=personas.prosecutor_a.pk, trial_estimate_days=40),
        "north": make_case(actor=b, allocated_lawyer_id=b.pk, trial_estimate_days=25),
    }
    rem_record_save(actor=m, case=cases["heavy"], expected_version=None, victims=30, witnesses=150)
    for _ in range(3):
        case_services.defendant_add(
            actor=m, case=cases["custody"], first_names="Sam", last_name="Doe", custody_status=CustodyStatus.IN_CUSTODY
        )
    now = clock.now()
    Case.objects.filter(pk=cases["restricted"].pk).update(restricted_at=now)
    Case.objects.filter(pk=cases["disposed"].pk).update(disposed_at=now)
    Case.objects.filter(pk=cases["closed"].pk).update(stage=Stage.FINALISED)
    return cases
