"""Who sees which case through the one access path, Case.objects.visible_to(user)."""

import pytest

from casework.cases.models import Case

SEES_CASE_A = {"prosecutor_a", "manager_a", "unithead_a", "area_leader_a", "hq", "inspector"}


@pytest.mark.parametrize(
    "persona",
    [
        "prosecutor_a",
        "paralegal_a",
        "manager_a",
        "unithead_a",
        "prosecutor_b",
        "area_leader_a",
        "hq",
        "inspector",
        "police_x",
        "police_y",
        "admin",
    ],
)
def test_case_visibility_by_role(personas, case_a, persona):
    user = getattr(personas, persona)
    visible = Case.objects.visible_to(user).filter(pk=case_a.pk).exists()
    assert visible is (persona in SEES_CASE_A)
