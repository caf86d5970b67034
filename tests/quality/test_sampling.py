"""Sampling through the service: quota-sized, reproducible, never the assessor's own cases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from casework.audit.models import AuditEvent
from casework.core.errors import NotFound
from casework.people.models import Absence
from casework.quality import rules, selectors, services
from casework.quality.models import SampleDraw
from tests.factories import make_case


@pytest.fixture
def many_cases(personas):
    cases = [make_case(actor=personas.manager_a, allocated_lawyer_id=personas.prosecutor_a.pk) for _ in range(6)]
    cases[0].deputy_lawyer = personas.manager_a  # the assessor works on this one
    cases[0].save(update_fields=["deputy_lawyer"])
    return cases


def test_same_seed_same_sample_and_own_cases_excluded(personas, many_cases) -> None:
    first = services.sample_propose(
        actor=personas.manager_a, prosecutor_id=personas.prosecutor_a.pk, quarter="2026-Q2", seed="fixed"
    )
    second = services.sample_propose(
        actor=personas.manager_a, prosecutor_id=personas.prosecutor_a.pk, quarter="2026-Q2", seed="fixed"
    )
    ids = list(first.items.values_list("case_id", flat=True))
    assert ids == list(second.items.values_list("case_id", flat=True)) and len(ids) == 2
    for seed in range(15):
        draw = services.sample_propose(
            actor=personas.manager_a, prosecutor_id=personas.prosecutor_a.pk, quarter="2026-Q2", seed=str(seed)
        )
        assert many_cases[0].pk not in set(draw.items.values_list("case_id", flat=True))
    event = AuditEvent.objects.filter(subject_type="quality.sampledraw", action="collect").first()
    assert event is not None and "seed" in event.changes_dict


def test_default_seed_is_stable_per_prosecutor_and_quarter(personas, many_cases) -> None:
    a = services.sample_propose(actor=personas.manager_a, prosecutor_id=personas.prosecutor_a.pk, quarter="2026-Q2")
    b = services.sample_propose(actor=personas.manager_a, prosecutor_id=personas.prosecutor_a.pk, quarter="2026-q2")
    assert a.seed == b.seed and list(a.items.values_list("case_id", flat=True)) == list(
        b.items.values_list("case_id", flat=True)
    )


def test_sample_size_follows_part_time_and_absence(personas, many_cases) -> None:
    prosecutor = personas.prosecutor_a
    prosecutor.fte = Decimal("0.5")
    prosecutor.save(update_fields=["fte"])
    draw = services.sample_propose(actor=personas.manager_a, prosecutor_id=prosecutor.pk, quarter="2026-Q2")
    assert draw.size == 1
    Absence.objects.create(
        person=prosecutor,
        kind="sickness",
        starts_on=dt.date(2026, 4, 1),
        ends_on=dt.date(2026, 6, 1),
        reason="Long-term sickness",
    )
    quota = selectors.quota_for_person(
        person=prosecutor, quarter=rules.Quarter(2026, 2), policy=selectors.policy_on(dt.date(2026, 4, 1))
    )
    assert quota.expected == 0 and "29/91 days available" in quota.explanation


def test_only_managers_of_the_unit_draw_samples(personas, many_cases) -> None:
    for actor in (personas.prosecutor_a, personas.hq, personas.prosecutor_b):
        with pytest.raises(NotFound):
            services.sample_propose(actor=actor, prosecutor_id=personas.prosecutor_a.pk, quarter="2026-Q2")
    assert not SampleDraw.objects.exists()
