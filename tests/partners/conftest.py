"""Shared helpers for the partnership tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from casework.partners import services
from casework.partners.models import Agreement, Referral
from tests.api.conftest import api_as  # noqa: F401  (the API tests' client fixture)
from tests.factories import Personas

ITEMS = {
    "police_reference": "44HX0012345",
    "factual_summary": "A suspected investment fraud with at least forty victims across Hampshire.",
    "lines_of_enquiry": "Bank records completed; phone downloads ongoing; overseas requests contemplated.",
    "expected_results": "Downloads in six weeks.",
    "issues_identified": "Prepared statement denying knowledge.",
    "specific_questions": "Is conspiracy to defraud the right charge?",
    "key_evidence": "Bank statements and two witness statements.",
    "disclosable_material": "Intelligence logs.",
}


def date_fields(name: str, value: dt.date | None) -> dict[str, str]:
    if value is None:
        return {f"{name}_day": "", f"{name}_month": "", f"{name}_year": ""}
    return {f"{name}_day": str(value.day), f"{name}_month": str(value.month), f"{name}_year": str(value.year)}


def submit(officer: Any, kind: str = "early_advice", **overrides: str) -> Referral:
    return services.referral_submit(actor=officer, kind=kind, items={**ITEMS, **overrides}, officer_in_case="DS Roe")


def signed_agreement(manager: Any, force_id: int, signed_on: dt.date, **parameters: int) -> Agreement:
    agreement = services.agreement_create(actor=manager, force_id=force_id, parameters=parameters)
    services.agreement_transition(
        actor=manager, agreement=agreement, expected_version=agreement.version, target="negotiating"
    )
    services.agreement_transition(
        actor=manager,
        agreement=agreement,
        expected_version=agreement.version,
        target="signed",
        cps_signatory="J Whitfield, Unit Head",
        police_signatory="ACC Stone",
        signed_on=signed_on,
    )
    return agreement


@pytest.fixture
def unithead_b(personas: Personas) -> Any:
    """A legal manager of unit B (North East CCU, which serves Durham)."""
    from casework.people.choices import RoleCode
    from tests.factories import make_user

    return make_user("manager.b", RoleCode.LEGAL_MANAGER, unit=personas.unit_b)


@pytest.fixture
def hq_policy(personas: Personas) -> Any:
    """The HQ policy lead: the one role that publishes MoU template versions."""
    from casework.people.choices import RoleCode
    from tests.factories import make_user

    return make_user("hq.policy", RoleCode.HQ_POLICY)
