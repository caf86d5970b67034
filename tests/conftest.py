from __future__ import annotations

import pytest

from casework.cases.models import Case
from tests.factories import Personas, make_case, make_personas


@pytest.fixture
def personas(db: None) -> Personas:
    return make_personas()


@pytest.fixture
def case_a(personas: Personas) -> Case:
    """A case in unit A allocated to prosecutor.a, managed by manager.a."""
    return make_case(
        actor=personas.manager_a,
        operation_name="Operation Larch",
        allocated_lawyer_id=personas.prosecutor_a.pk,
        legal_manager_id=personas.manager_a.pk,
    )


@pytest.fixture
def case_b(personas: Personas) -> Case:
    """A case in unit B allocated to prosecutor.b."""
    return make_case(
        actor=personas.prosecutor_b, operation_name="Operation Rowan", allocated_lawyer_id=personas.prosecutor_b.pk
    )
