"""The inspection-sample form's "Units": checkboxes (several or none; none is every unit in the
inspector's scope, as the hint says), and units outside that scope refused on the field."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from casework.core.errors import ValidationFailed
from casework.oversight import services
from casework.oversight.models import InspectionSample
from casework.people.models import Unit
from tests.factories import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(personas):
    for i in range(3):
        make_case(actor=personas.manager_a, operation_name=f"A{i}")
        make_case(actor=personas.prosecutor_b, operation_name=f"B{i}")


def _inspector(personas) -> Client:
    client = Client()
    client.force_login(personas.inspector)
    return client


def _draw(client: Client, units: list[int]) -> object:
    return client.post(
        reverse("oversight:samples"), {"title": "Spring", "seed": "2026", "per_unit": "2", "units": units}
    )


def test_units_are_checkboxes_with_a_hint_saying_none_means_every_unit(personas):
    page = _inspector(personas).get(reverse("oversight:samples")).content.decode()
    boxes = re.findall(r'<input[^>]*name="units"[^>]*>', page)
    assert len(boxes) == Unit.objects.count() >= 2
    assert all('type="checkbox"' in box for box in boxes)
    assert 'type="radio"' not in " ".join(boxes)
    assert "govuk-checkboxes" in page and "Select all that apply" in page
    assert "every unit in your inspection scope" in page


def test_two_units_chosen_sample_only_those(personas, register):
    response = _draw(_inspector(personas), [personas.unit_a.pk, personas.unit_b.pk])
    assert response.status_code == 302
    sample = InspectionSample.objects.get()
    assert set(sample.files.values_list("unit_id", flat=True)) == {personas.unit_a.pk, personas.unit_b.pk}


def test_one_unit_chosen_leaves_the_other_out(personas, register):
    assert _draw(_inspector(personas), [personas.unit_b.pk]).status_code == 302
    assert set(InspectionSample.objects.get().files.values_list("unit_id", flat=True)) == {personas.unit_b.pk}


def test_no_unit_chosen_samples_every_unit_in_scope(personas, register):
    assert _draw(_inspector(personas), []).status_code == 302
    sample = InspectionSample.objects.get()
    assert set(sample.files.values_list("unit_id", flat=True)) == {personas.unit_a.pk, personas.unit_b.pk}
    assert sample.files.count() == 4


def test_a_unit_outside_the_scope_is_refused_on_the_field(personas, register):
    response = _draw(_inspector(personas), [personas.unit_a.pk, 987654])
    page = response.content.decode()
    assert response.status_code == 200 and "<title>Error: " in page
    assert 'href="#id_units_0"' in page and "Select only units in your inspection scope" in page
    assert not InspectionSample.objects.exists()


def test_the_service_refuses_units_outside_the_scope_too(personas, register):
    with pytest.raises(ValidationFailed) as refused:
        services.sample_draw(actor=personas.inspector, title="t", seed="s", per_unit=2, unit_ids=[987654])
    assert "units" in refused.value.field_errors
    assert not InspectionSample.objects.exists()


@pytest.mark.parametrize("persona", ["hq", "manager_a", "prosecutor_a", "area_leader_a", "police_x", "admin"])
def test_the_sample_form_is_for_inspectors_only(personas, persona):
    client = Client()
    client.force_login(getattr(personas, persona))
    assert client.get(reverse("oversight:samples")).status_code == 404
    assert _draw(client, [personas.unit_a.pk]).status_code == 404
    assert not InspectionSample.objects.exists()
