"""Inspection samples: reproducible draws, answers per file and question, aggregated results, and
who may reach them (inspectors their own samples; everyone else 404)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from casework.audit.models import AuditEvent
from casework.core.errors import NotFound, ValidationFailed
from casework.oversight import selectors, services
from casework.oversight.models import SampledFile
from tests.factories import make_case, make_user
from tests.oversight.conftest import NO_DASHBOARD

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(personas):
    a = [make_case(actor=personas.manager_a, operation_name=f"A{i}") for i in range(6)]
    b = [make_case(actor=personas.prosecutor_b, operation_name=f"B{i}") for i in range(4)]
    return a, b


def test_a_draw_is_reproducible_from_its_seed(personas, register):
    first = services.sample_draw(actor=personas.inspector, title="Wessex and North East", seed="2026-Q1", per_unit=3)
    again = services.sample_draw(actor=personas.inspector, title="Again", seed="2026-Q1", per_unit=3)
    files = lambda s: list(s.files.values_list("case_id", flat=True).order_by("case_id"))  # noqa: E731
    assert files(first) == files(again)
    assert SampledFile.objects.filter(sample=first, unit=personas.unit_a).count() == 3
    assert SampledFile.objects.filter(sample=first, unit=personas.unit_b).count() == 3
    event = AuditEvent.objects.filter(subject_type="oversight.inspectionsample", subject_id=str(first.pk)).get()
    assert event.action == "combine" and event.actor_id == personas.inspector.pk


def test_only_units_asked_for_are_sampled(personas, register):
    sample = services.sample_draw(
        actor=personas.inspector, title="Wessex", seed="x", per_unit=10, unit_ids=[personas.unit_a.pk]
    )
    assert set(sample.files.values_list("unit_id", flat=True)) == {personas.unit_a.pk}
    assert sample.files.count() == 6  # all six, never more than exist


@pytest.mark.parametrize("persona", ["hq", "manager_a", "unithead_a", "area_leader_a", "prosecutor_a", "police_x"])
def test_only_inspectors_draw_samples(personas, register, persona):
    with pytest.raises(NotFound):
        services.sample_draw(actor=getattr(personas, persona), title="t", seed="s", per_unit=2)


def test_answers_aggregate_per_unit_and_question(personas, register):
    sample = services.sample_draw(actor=personas.inspector, title="T", seed="s", per_unit=2)
    files = list(sample.files.order_by("unit__name", "position"))
    answers = [("fully", ""), ("partially", "Late review"), ("not_met", ""), ("na", "")]
    for sampled, answer in zip(files, answers, strict=True):
        services.answers_record(actor=personas.inspector, sampled_file=sampled, answers={"disclosure": answer})
    result = selectors.results(sample)
    disclosure = next(q for q in result["questions"] if q["code"] == "disclosure")
    assert (disclosure["fully"], disclosure["partially"], disclosure["not_met"], disclosure["na"]) == (
        33.3,
        33.3,
        33.3,
        1,
    )
    per_unit = {block["unit"]: next(r for r in block["rows"] if r["code"] == "disclosure") for block in result["units"]}
    assert per_unit[personas.unit_b.name]["fully"] == 50.0  # North East sorts first: fully + partially
    assert per_unit[personas.unit_a.name]["not_met"] == 100.0  # not met + n/a


def test_answers_are_validated_and_audited(personas, register):
    sample = services.sample_draw(actor=personas.inspector, title="T", seed="s", per_unit=1)
    sampled = sample.files.first()
    with pytest.raises(ValidationFailed):
        services.answers_record(actor=personas.inspector, sampled_file=sampled, answers={"disclosure": ("maybe", "")})
    services.answers_record(actor=personas.inspector, sampled_file=sampled, answers={"ctl": ("fully", "")})
    services.answers_record(actor=personas.inspector, sampled_file=sampled, answers={"ctl": ("not_met", "")})
    events = AuditEvent.objects.filter(subject_type="oversight.sampledfile").order_by("seq")
    assert [e.action for e in events] == ["collect", "alter"]
    assert events.last().case_id == sampled.case_id
    other = make_user("inspector.two", "inspector")
    with pytest.raises(NotFound):
        services.answers_record(actor=other, sampled_file=sampled, answers={"ctl": ("fully", "")})


def test_inspector_draws_examines_and_sees_results_in_the_browser_flow(client_as, personas, register):
    client = client_as("inspector")
    response = client.post(reverse("oversight:samples"), {"title": "Visit", "seed": "abc", "per_unit": 2})
    assert response.status_code == 302
    sample = personas.inspector and selectors.samples_for(personas.inspector).get()
    sampled = sample.files.first()
    url = reverse("oversight:examine", args=[sample.pk, sampled.pk])
    assert client.get(url).status_code == 200
    consult = AuditEvent.objects.filter(action="consult", case_id=sampled.case_id).last()
    assert consult.justification == "Inspection file examination: Visit"
    assert client.post(url, {"answer_ctl": "partially", "note_ctl": "=1+1"}).status_code == 302
    page = client.get(reverse("oversight:sample", args=[sample.pk]))
    assert page.status_code == 200 and b"100.0%" in page.content


@pytest.mark.parametrize("persona", [p for p in NO_DASHBOARD] + ["hq", "manager_a", "area_leader_a"])
def test_samples_are_404_for_everyone_but_their_inspector(client_as, personas, register, persona):
    sample = services.sample_draw(actor=personas.inspector, title="T", seed="s", per_unit=1)
    sampled = sample.files.first()
    client = client_as(persona)
    assert client.get(reverse("oversight:samples")).status_code == 404
    assert client.get(reverse("oversight:sample", args=[sample.pk])).status_code == 404
    assert client.get(reverse("oversight:examine", args=[sample.pk, sampled.pk])).status_code == 404
    assert client.get(reverse("oversight:pack_sample", args=[sample.pk])).status_code == 404


def test_another_inspector_cannot_see_the_sample(client, personas, register):
    sample = services.sample_draw(actor=personas.inspector, title="T", seed="s", per_unit=1)
    client.force_login(make_user("inspector.two", "inspector"))
    assert client.get(reverse("oversight:sample", args=[sample.pk])).status_code == 404
