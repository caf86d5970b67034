"""The load test signs in as real demo people of each role, caseworkers and managers from units A and B."""

from __future__ import annotations

import pytest
from benchmarks.load.accounts import select_accounts

from casework.cases.models import Case
from casework.demo.management.commands.load_demo import demo_password
from tests.factories import Personas, make_case


def test_accounts_by_role_with_caseworkers_who_have_cases(personas: Personas, case_a: Case) -> None:
    make_case(
        actor=personas.manager_a, allocated_lawyer_id=personas.prosecutor_a.pk, paralegal_id=personas.paralegal_a.pk
    )

    selected = select_accounts()

    assert selected["password"] == demo_password()
    assert selected["accounts"] == {
        "prosecutor": ["prosecutor.a"],  # prosecutor.b has no case, so nothing to work on
        "paralegal": ["paralegal.a"],
        "manager": ["manager.a", "unithead.a"],
        "area": ["area.a"],
        "hq": ["hq.analyst"],
        "inspector": ["inspector"],
        "police": ["police.x", "police.y"],
    }


def test_no_caseworker_with_cases_means_no_load_test(personas: Personas) -> None:
    with pytest.raises(SystemExit, match="no demo users for paralegal, prosecutor"):
        select_accounts()
