"""`visible_in_bulk` is `visible_to` in another form: the same cases for every reader, including a
national reader who is reading a restricted case, and nobody else's cases."""

from __future__ import annotations

import datetime as dt

import pytest

from casework.cases.models import Case, RestrictedReading, rows_of_cases
from casework.core import clock
from tests.factories import Personas, make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(personas: Personas) -> dict[str, Case]:
    made = {
        name: make_case(actor=actor, allocated_lawyer_id=actor.pk)
        for name, actor in (("a1", personas.prosecutor_a), ("a2", personas.prosecutor_a), ("b", personas.prosecutor_b))
    }
    Case.objects.filter(pk=made["a1"].pk).update(restricted_at=clock.now())
    Case.objects.filter(pk=made["a2"].pk).update(disposed_at=clock.now())
    return made


def _ids(cases) -> set[int]:
    return set(cases.values_list("pk", flat=True))


def test_every_reader_sees_exactly_their_visible_cases(personas: Personas, register) -> None:
    for name, person in personas.all().items():
        assert _ids(Case.objects.visible_in_bulk(person)) == _ids(Case.objects.visible_to(person)), name


def test_a_national_reader_not_reading_a_restricted_case_gets_the_join_form(personas: Personas, register) -> None:
    bulk = Case.objects.visible_in_bulk(personas.hq)
    assert bulk.query.where == Case.objects.in_normal_work().query.where
    assert "JOIN" in str(rows_of_cases(RestrictedReading.objects.all(), bulk).query)
    assert register["a1"].pk not in _ids(bulk) and register["a2"].pk not in _ids(bulk)


def test_a_national_reader_reading_a_restricted_case_sees_it(personas: Personas, register) -> None:
    RestrictedReading.objects.create(
        case=register["a1"],
        user=personas.hq,
        reason="Checking a complaint",
        opened_at=clock.now(),
        expires_at=clock.now() + dt.timedelta(minutes=30),
    )
    bulk = _ids(Case.objects.visible_in_bulk(personas.hq))
    assert bulk == _ids(Case.objects.visible_to(personas.hq))
    assert register["a1"].pk in bulk  # the restricted case they are reading
