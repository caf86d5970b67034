"""The pages end to end: sample → start → answer → submit → feedback → acknowledge → close,
swap with a reason, blind second marking, coverage and analytics with exports."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from casework.audit.models import AuditEvent
from casework.quality import selectors
from casework.quality.choices import AssessmentStatus, SampleItemStatus
from casework.quality.models import Assessment, Moderation, QuotaPolicy, SampleDraw
from tests.factories import PASSWORD, make_case
from tests.quality.conftest import all_answers, submitted


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _answer_post(assessment: Assessment, version: int, **extra: str) -> dict[str, str]:
    data = {"version": str(version), "summary": "Solid file."}
    for code, (value, comment) in all_answers(assessment).items():
        data[f"q_{code}"], data[f"c_{code}_{value}"] = value, comment
    data.update(extra)
    return data


def test_from_sample_to_acknowledgement(personas, case_a) -> None:
    make_case(actor=personas.manager_a, allocated_lawyer_id=personas.prosecutor_a.pk)
    manager = _client(personas.manager_a)
    assert manager.get("/quality/sample/").status_code == 200
    response = manager.post("/quality/sample/", {"prosecutor": personas.prosecutor_a.pk, "quarter": "2026-Q2"})
    assert response.status_code == 302
    draw = SampleDraw.objects.get(prosecutor=personas.prosecutor_a)
    items = list(draw.items.all())
    assert len(items) == 2 and draw.size == 2
    page = manager.get("/quality/sample/").content.decode()
    assert items[0].case.urn in page and "Start assessment" in page

    response = manager.post(
        "/quality/assessments/new/", {"case_id": items[0].case_id, "sample_item_id": items[0].pk, "kind": "casework"}
    )
    assessment = Assessment.objects.get()
    assert response["Location"] == f"/quality/assessments/{assessment.pk}/edit/"
    assert manager.get(response["Location"]).status_code == 200

    # a partially met answer without a comment is refused, with the error on the comment box that the
    # answer reveals (and the error summary linking to it)
    bad = _answer_post(assessment, 1, **{"q_rationale": "partially_met", "c_rationale_partially_met": ""}, submit="1")
    response = manager.post(f"/quality/assessments/{assessment.pk}/edit/", bad)
    page = response.content.decode()
    assert response.status_code == 200 and "Enter what was missing" in page
    assert 'href="#id_c_rationale_partially_met"' in page and 'id="id_c_rationale_partially_met"' in page

    response = manager.post(f"/quality/assessments/{assessment.pk}/edit/", _answer_post(assessment, 1, submit="1"))
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED and assessment.sample_item_id == items[0].pk

    response = manager.post(
        f"/quality/assessments/{assessment.pk}/feedback/",
        {
            "version": assessment.version,
            "meeting_on_day": "11",
            "meeting_on_month": "5",
            "meeting_on_year": "2026",
            "notes": "Talked through the file.",
        },
    )
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.FEEDBACK_GIVEN

    prosecutor = _client(personas.prosecutor_a)
    assert "Acknowledge the feedback" in prosecutor.get(f"/quality/assessments/{assessment.pk}/").content.decode()
    prosecutor.post(
        f"/quality/assessments/{assessment.pk}/acknowledge/",
        {"version": assessment.version, "agrees": "yes", "comment_agree": "Thanks."},
    )
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.ACKNOWLEDGED and assessment.prosecutor_comment == "Thanks."

    manager.post(f"/quality/assessments/{assessment.pk}/close/", {"version": assessment.version})
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.CLOSED
    home = prosecutor.get("/quality/").content.decode()
    assert case_a.urn in home or items[0].case.urn in home


def test_stale_form_is_reported_not_applied(personas, case_a) -> None:
    a = submitted(personas.manager_a, case_a)
    manager = _client(personas.manager_a)
    response = manager.post(
        f"/quality/assessments/{a.pk}/feedback/",
        {"version": 1, "meeting_on_day": "11", "meeting_on_month": "5", "meeting_on_year": "2026", "notes": "x"},
    )
    # The page is shown again with the problem at the top and what was typed kept.
    page = response.content.decode()
    assert response.status_code == 200 and "Someone else changed this assessment" in page
    assert "<title>Error: " in page and 'value="11"' in page
    a.refresh_from_db()
    assert a.status == AssessmentStatus.SUBMITTED


def test_swap_needs_a_reason_and_records_it(personas, case_a) -> None:
    other = make_case(actor=personas.manager_a, allocated_lawyer_id=personas.prosecutor_a.pk)
    third = make_case(actor=personas.manager_a, allocated_lawyer_id=personas.prosecutor_a.pk)
    manager = _client(personas.manager_a)
    manager.post("/quality/sample/", {"prosecutor": personas.prosecutor_a.pk, "quarter": "2026-Q2"})
    draw = SampleDraw.objects.get()
    item = draw.items.first()
    assert item is not None
    replacement = next(
        c for c in (case_a, other, third) if c.pk not in set(draw.items.values_list("case_id", flat=True))
    )
    response = manager.post(
        f"/quality/sample/items/{item.pk}/swap/", {"replacement_case": replacement.pk, "reason": ""}
    )
    assert response.status_code == 200
    response = manager.post(
        f"/quality/sample/items/{item.pk}/swap/",
        {"replacement_case": replacement.pk, "reason": "Held the case for one week only."},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == SampleItemStatus.SWAPPED_OUT
    new = draw.items.get(replaces=item)
    assert (new.case_id, new.swap_reason) == (replacement.pk, "Held the case for one week only.")
    event = AuditEvent.objects.filter(subject_type="quality.sampledraw", action="alter").get()
    assert event.changes_dict["swap_reason"] == [None, "Held the case for one week only."]
    # someone else's sample item is a 404
    assert _client(personas.unithead_a).get(f"/quality/sample/items/{item.pk}/swap/").status_code == 404


def test_blind_second_marking_page_hides_first_marks(personas, case_a, team) -> None:
    QuotaPolicy.objects.update(moderation_share=1)
    a = submitted(personas.manager_a, case_a)
    a.answers.filter(question__code="rationale").update(value="fully_met", comment="FIRST-MARKER-NOTE")
    moderation = Moderation.objects.get(assessment=a)
    client = _client(moderation.moderator)
    page = client.get(f"/quality/moderation/{moderation.pk}/").content.decode()
    assert "FIRST-MARKER-NOTE" not in page and "hidden until yours is in" in page
    data = {"version": "1"}
    for code, (value, comment) in all_answers(a).items():
        data[f"q_{code}"], data[f"c_{code}_{value}"] = value, comment
    response = client.post(f"/quality/moderation/{moderation.pk}/", data)
    assert response.status_code == 302
    moderation.refresh_from_db()
    assert moderation.status == "completed" and moderation.agreement == 1
    # another manager cannot open it
    other = team.manager_a2 if moderation.moderator != team.manager_a2 else personas.unithead_a
    assert _client(other).get(f"/quality/moderation/{moderation.pk}/").status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_coverage_export_is_audited_and_formula_safe(personas, case_a, fmt) -> None:
    personas.prosecutor_a.first_name = "=HYPERLINK(1)"
    personas.prosecutor_a.save(update_fields=["first_name"])
    submitted(personas.manager_a, case_a)
    response = _client(personas.unithead_a).get(f"/quality/coverage/export.{fmt}?quarter=2026-Q2")
    assert response.status_code == 200
    if fmt == "csv":
        assert response.streaming  # the event is written first, then the rows stream
        body = b"".join(response.streaming_content).decode()
        assert "'=HYPERLINK(1) Persona" in body
    else:
        assert response.streaming  # the same: the event first, then the workbook in chunks
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert "'=HYPERLINK(1) Persona" in names
        assert all(not str(cell.value).startswith("=") for row in sheet.iter_rows() for cell in row if cell.value)
    event = AuditEvent.objects.filter(action="export", subject_type="quality.coverage").get()
    assert event.justification == "IQA coverage oversight" and fmt.upper() in event.subject_label


def test_coverage_and_analytics_pages(personas, case_a) -> None:
    submitted(personas.manager_a, case_a, value="partially_met")
    client = _client(personas.unithead_a)
    coverage = client.get("/quality/coverage/?quarter=2026-Q2").content.decode()
    assert "Prosecutor Persona" in coverage and "2 per quarter" in coverage
    analytics = client.get("/quality/analytics/").content.decode()
    assert "two-proportion z-test" in analytics and "<svg" in analytics and "Disclosure (CPIA 1996)" in analytics
    response = client.get("/quality/analytics/export.csv")
    assert response.status_code == 200 and "Score by standard" in b"".join(response.streaming_content).decode()
    assert AuditEvent.objects.filter(action="export", subject_type="quality.analytics").exists()
    assert selectors.analytics(user=personas.unithead_a).by_standard[0].value == 0.5
