"""Pure sampling and scoring rules, table-driven."""

from __future__ import annotations

import pytest

from casework.oversight.rules import Candidate, allocate, answer_percentages, draw_sample


@pytest.mark.parametrize(
    ("sizes", "total", "expected"),
    [
        ({"a": 6, "b": 3, "c": 1}, 5, {"a": 3, "b": 2, "c": 0}),
        ({"a": 2, "b": 2}, 3, {"a": 2, "b": 1}),  # tie broken by name
        ({"a": 1, "b": 1}, 10, {"a": 1, "b": 1}),  # never more than there are
        ({"a": 4}, 0, {"a": 0}),
    ],
)
def test_allocation_is_proportional_by_largest_remainder(sizes, total, expected):
    assert allocate(sizes, total) == expected


def test_same_seed_same_files_and_a_different_seed_differs():
    register = [
        Candidate(u, s, u * 1000 + k * 10 + i)
        for u in (1, 2)
        for k, s in enumerate(("drugs", "fraud"))
        for i in range(8)
    ]
    first = draw_sample(register, seed="HMCPSI-2026", per_unit=4)
    assert first == draw_sample(list(reversed(register)), seed="HMCPSI-2026", per_unit=4)  # input order irrelevant
    assert first != draw_sample(register, seed="another", per_unit=4)
    assert [c.unit_id for c in first].count(1) == 4 and [c.unit_id for c in first].count(2) == 4
    assert {c.stratum for c in first if c.unit_id == 1} == {"drugs", "fraud"}  # both strata represented


def test_adding_a_unit_does_not_change_another_units_files():
    register = [Candidate(1, "fraud", i) for i in range(20)]
    alone = draw_sample(register, seed="s", per_unit=5)
    with_other = draw_sample(register + [Candidate(2, "fraud", 100 + i) for i in range(20)], seed="s", per_unit=5)
    assert [c for c in with_other if c.unit_id == 1] == alone


def test_percentages_exclude_not_applicable():
    assert answer_percentages({"fully": 2, "partially": 1, "not_met": 1, "na": 6}) == {
        "fully": 50.0,
        "partially": 25.0,
        "not_met": 25.0,
    }
    assert answer_percentages({"na": 3}) == {"fully": None, "partially": None, "not_met": None}
