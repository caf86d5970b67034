"""Case register pages: who reaches which list and case, forms, conflicts, break-glass, query counts."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.audit.models import AuditEvent
from casework.cases import services
from casework.cases.forms import CaseEditForm
from casework.cases.models import AcceptanceCriterion, Case, CaseAccessGrant
from casework.core.forms import sign_loaded_values
from tests.factories import Personas, make_case

LIST_ACCESS = {
    "cases:my": {"prosecutor_a", "paralegal_a", "manager_a", "unithead_a", "prosecutor_b"},
    "cases:unit": {"manager_a", "unithead_a", "area_leader_a"},
    "cases:all": {"hq", "inspector"},
    "cases:access_grants": {"manager_a", "unithead_a"},
    "cases:find": {"prosecutor_a", "paralegal_a", "prosecutor_b"},
    "cases:create": {"prosecutor_a", "paralegal_a", "manager_a", "unithead_a", "prosecutor_b"},
}
PERSONAS = [
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
]


@pytest.mark.parametrize("name", sorted(LIST_ACCESS))
@pytest.mark.parametrize("persona", PERSONAS)
def test_list_pages_allow_only_their_roles(client, personas: Personas, name: str, persona: str) -> None:
    client.force_login(getattr(personas, persona))
    response = client.get(reverse(name))
    assert response.status_code == (200 if persona in LIST_ACCESS[name] else 404)


def test_lists_need_sign_in(client, db) -> None:
    response = client.get(reverse("cases:my"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_my_cases_shows_own_work_only(client, personas: Personas, case_a: Case, case_b: Case) -> None:
    other = make_case(actor=personas.manager_a, operation_name="Operation Other")
    client.force_login(personas.prosecutor_a)
    html = client.get(reverse("cases:my")).content.decode()
    assert case_a.urn in html and "Operation Larch" in html
    assert case_b.urn not in html and other.urn not in html


def test_unit_list_for_area_leader_shows_their_area_unit(client, personas: Personas, case_a, case_b) -> None:
    client.force_login(personas.area_leader_a)
    html = client.get(reverse("cases:unit")).content.decode()
    assert case_a.urn in html and case_b.urn not in html


def test_all_cases_filters_by_unit_stage_and_text(client, personas: Personas, case_a, case_b) -> None:
    client.force_login(personas.hq)
    html = client.get(reverse("cases:all"), {"unit": personas.unit_b.pk}).content.decode()
    assert case_b.urn in html and case_a.urn not in html
    html = client.get(reverse("cases:all"), {"q": "larch"}).content.decode()
    assert case_a.urn in html and case_b.urn not in html
    html = client.get(reverse("cases:all"), {"stage": "trial"}).content.decode()
    assert case_a.urn not in html and "No cases match these filters" in html


def test_unit_list_filters_by_lawyer(client, personas: Personas, case_a) -> None:
    unallocated = make_case(actor=personas.manager_a, operation_name="Operation Ash")
    client.force_login(personas.manager_a)
    html = client.get(reverse("cases:unit"), {"lawyer": personas.prosecutor_a.pk}).content.decode()
    assert case_a.urn in html and unallocated.urn not in html


def test_list_sorting_marks_the_sorted_column(client, personas: Personas, case_a) -> None:
    second = make_case(actor=personas.manager_a, urn="00AA0000001", allocated_lawyer_id=personas.prosecutor_a.pk)
    client.force_login(personas.prosecutor_a)
    html = client.get(reverse("cases:my"), {"sort": "urn"}).content.decode()
    assert html.index(second.urn) < html.index(case_a.urn)
    assert 'aria-sort="ascending"><a class="govuk-link" href="?sort=-urn">URN' in html
    html = client.get(reverse("cases:my"), {"sort": "-urn"}).content.decode()
    assert html.index(case_a.urn) < html.index(second.urn)


def test_list_paginates(client, personas: Personas, monkeypatch) -> None:
    from casework.cases import views

    monkeypatch.setattr(views, "PER_PAGE", 2)
    cases = [make_case(actor=personas.manager_a) for _ in range(3)]
    client.force_login(personas.manager_a)
    first = client.get(reverse("cases:unit")).content.decode()
    assert 'rel="next"' in first and 'href="?page=2"' in first
    second = client.get(reverse("cases:unit"), {"page": 2}).content.decode()
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert sum(case.urn in second for case in cases) == 1


def test_case_list_query_count_does_not_grow(client, personas: Personas, django_assert_max_num_queries) -> None:
    for _ in range(12):
        make_case(actor=personas.manager_a, allocated_lawyer_id=personas.prosecutor_a.pk)
    client.force_login(personas.manager_a)
    # A fixed set per page (the total, the rows, each row fact, the pending re-checks), and 3 (4 on
    # PostgreSQL: the audit append lock) to log the consultation of every case on it in one batch (s.62).
    with django_assert_max_num_queries(24):
        response = client.get(reverse("cases:unit"))
    assert response.content.decode().count("govuk-table__row") == 13  # the header row and 12 cases


# --- the case page ------------------------------------------------------------------------------


def test_case_page_writes_a_consult_event(client, personas: Personas, case_a: Case) -> None:
    client.force_login(personas.prosecutor_a)
    response = client.get(reverse("cases:detail", args=[case_a.pk]))
    assert response.status_code == 200
    event = AuditEvent.objects.filter(action="consult", case_id=case_a.pk).latest("seq")
    assert event.actor_id == personas.prosecutor_a.pk
    assert event.justification == "Prosecutor"
    # The audit timeline (with the consultation just recorded) is in the Activity section.
    html = client.get(reverse("cases:section", args=[case_a.pk, "activity"])).content.decode()
    assert "Audit timeline" in html and "Consultation" in html and "Prosecutor" in html


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("prosecutor_a", 200),
        ("manager_a", 200),
        ("unithead_a", 200),
        ("area_leader_a", 200),
        ("hq", 200),
        ("inspector", 200),
        ("paralegal_a", 404),
        ("prosecutor_b", 404),
        ("police_x", 404),
        ("police_y", 404),
        ("admin", 404),
    ],
)
def test_case_page_access(client, personas: Personas, case_a: Case, persona: str, status: int) -> None:
    client.force_login(getattr(personas, persona))
    response = client.get(reverse("cases:detail", args=[case_a.pk]))
    assert response.status_code == status
    if status == 404:
        assert case_a.urn not in response.content.decode()
        assert not AuditEvent.objects.filter(action="consult", case_id=case_a.pk).exists()


def _add_parts(case: Case, actor, start: int, count: int) -> None:
    for number in range(start, start + count):
        defendant = services.defendant_add(actor=actor, case=case, first_names=f"Ann{number}", last_name="Smith")
        services.charge_add(actor=actor, defendant=defendant, offence="Fraud", classification="either_way")
        services.hearing_add(
            actor=actor, case=case, hearing_type="ptph", starts_at=f"2025-04-0{number + 1}T10:00Z", court="Winchester"
        )
        document = services.document_add(actor=actor, case=case, kind="psd", title=f"PSD {number}", body="v1")
        services.document_revise(actor=actor, document=document, expected_version=document.version, body="v2")
        services.review_add(actor=actor, case=case, kind="initial", reviewed_on="2025-01-02", note="ok")


CASE_SECTIONS = ("overview", "defendants", "hearings", "deadlines", "material", "reviews", "compliance", "activity")


def _case_page_queries(client, case: Case) -> tuple[int, str]:
    """The most queries any section of the case page costs, and every section's page together."""
    most, pages = 0, []
    for section in CASE_SECTIONS:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("cases:section", args=[case.pk, section]))
        assert response.status_code == 200, section
        most, pages = max(most, len(queries)), [*pages, response.content.decode()]
    return most, "".join(pages)


def test_case_page_shows_parts_in_fixed_queries(client, personas: Personas, case_a: Case) -> None:
    client.force_login(personas.prosecutor_a)
    _add_parts(case_a, personas.manager_a, 0, 1)
    with_one, _ = _case_page_queries(client, case_a)
    _add_parts(case_a, personas.manager_a, 1, 3)
    with_four, html = _case_page_queries(client, case_a)
    assert "Ann3 SMITH" in html and "Earlier versions" in html
    # No query per defendant, charge, hearing, document or review: four of each cost what one does.
    assert with_four == with_one
    # The fixed cost (session, user, roles, case, consult event, each section, the panels of other
    # apps, one query deciding which staff names link to person pages) stays bounded.
    assert with_four <= 40


def test_national_readers_see_no_edit_links_and_get_403(client, personas: Personas, case_a: Case) -> None:
    client.force_login(personas.hq)
    html = client.get(reverse("cases:detail", args=[case_a.pk])).content.decode()
    assert reverse("cases:edit", args=[case_a.pk]) not in html
    for name in ("cases:edit", "cases:stage", "cases:defendant_add", "cases:document_add"):
        assert client.get(reverse(name, args=[case_a.pk])).status_code == 403
    response = client.post(reverse("cases:edit", args=[case_a.pk]), {"operation_name": "x", "version": 1})
    assert response.status_code == 403
    case_a.refresh_from_db()
    assert case_a.operation_name == "Operation Larch"


@pytest.mark.parametrize("persona", ["prosecutor_b", "police_x", "admin", "paralegal_a"])
def test_edit_pages_of_invisible_cases_are_404(client, personas: Personas, case_a: Case, persona: str) -> None:
    client.force_login(getattr(personas, persona))
    for name in ("cases:edit", "cases:stage", "cases:hearing_add", "cases:review_add"):
        assert client.get(reverse(name, args=[case_a.pk])).status_code == 404


def _hidden(html: str, name: str) -> str:
    """The value of a hidden input on a page (what the browser would send back)."""
    match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden {name} field"
    return unescape(match.group(1))


def _edit_data(case: Case, **changes) -> dict:
    """What the edit page would post for `case` as loaded now, with the user's changes."""
    data = {
        "operation_name": case.operation_name,
        "summary": case.summary,
        "allocated_lawyer": case.allocated_lawyer_id or "",
        "legal_manager": case.legal_manager_id or "",
        "version": case.version,
        "loaded": sign_loaded_values(case, CaseEditForm(unit=case.unit).record_attnames()),
    }
    data.update(changes)
    return data


def test_edit_saves_and_audits(client, personas: Personas, case_a: Case) -> None:
    client.force_login(personas.prosecutor_a)
    page = client.get(reverse("cases:edit", args=[case_a.pk]))
    assert page.status_code == 200 and 'name="loaded"' in page.content.decode()
    response = client.post(reverse("cases:edit", args=[case_a.pk]), _edit_data(case_a, operation_name="Op Oak"))
    assert response.status_code == 302
    case_a.refresh_from_db()
    assert case_a.operation_name == "Op Oak" and case_a.version == 2
    event = AuditEvent.objects.filter(action="alter", case_id=case_a.pk).latest("seq")
    assert event.changes_dict["operation_name"] == ["Operation Larch", "Op Oak"]
    assert set(event.changes_dict) == {"operation_name"}


def test_edit_shows_field_errors(client, personas: Personas, case_a: Case) -> None:
    client.force_login(personas.prosecutor_a)
    data = _edit_data(
        case_a,
        acceptance_criterion=AcceptanceCriterion.objects.first().pk,
        ccp_direction_reason="Directed",
        accepted_on_day="31",
        accepted_on_month="2",
        accepted_on_year="2025",
    )
    response = client.post(reverse("cases:edit", args=[case_a.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and 'href="#id_ccp_direction_reason"' in html
    assert "Leave the CCP direction empty when you choose a listed criterion" in html
    assert 'id="id_accepted_on-error"' in html and "Accepted on must be a real date" in html
    assert 'href="#id_accepted_on_day"' in html


def test_edit_refuses_forged_loaded_values(client, personas: Personas, case_a: Case) -> None:
    client.force_login(personas.prosecutor_a)
    for broken in ({"loaded": "forged:value"}, {"loaded": ""}, {"version": ""}):
        response = client.post(reverse("cases:edit", args=[case_a.pk]), _edit_data(case_a, **broken))
        html = response.content.decode()
        assert response.status_code == 200 and "This form could not be checked" in html
        assert 'href="#id_loaded"' not in html and 'href="#id_version"' not in html
    other = make_case(actor=personas.manager_a, allocated_lawyer_id=personas.prosecutor_a.pk)
    borrowed = _edit_data(case_a, operation_name="Op Oak", loaded=_edit_data(other)["loaded"])
    response = client.post(reverse("cases:edit", args=[case_a.pk]), borrowed)
    assert response.status_code == 200 and "This form belongs to another record" in response.content.decode()
    case_a.refresh_from_db()
    assert case_a.operation_name == "Operation Larch"


def test_stale_edit_shows_what_the_other_person_changed(client, personas: Personas, case_a: Case) -> None:
    # Both open the edit page at version 1.
    client.force_login(personas.prosecutor_a)
    assert client.get(reverse("cases:edit", args=[case_a.pk])).status_code == 200
    stale = _edit_data(case_a, operation_name="Mine", summary="My summary")
    other = Client()
    other.force_login(personas.manager_a)
    saved = other.post(reverse("cases:edit", args=[case_a.pk]), _edit_data(case_a, operation_name="Theirs"))
    assert saved.status_code == 302

    response = client.post(reverse("cases:edit", args=[case_a.pk]), stale)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else changed this" in html
    assert "Operation name: changed by someone else to Theirs" in html
    assert 'href="#id_operation_name"' in html
    # Only the other person's change is listed: the summary differs from the record only by B's entry.
    assert "Summary: changed by someone else" not in html
    # B's entries are kept, set against the saved version, with freshly signed loaded values.
    assert 'value="Mine"' in html and "My summary" in html
    assert 'name="version" value="2"' in html
    case_a.refresh_from_db()
    assert case_a.operation_name == "Theirs"

    resubmit = {**stale, "version": _hidden(html, "version"), "loaded": _hidden(html, "loaded")}
    assert client.post(reverse("cases:edit", args=[case_a.pk]), resubmit).status_code == 302
    case_a.refresh_from_db()
    assert case_a.operation_name == "Mine" and case_a.version == 3
    event = AuditEvent.objects.filter(action="alter", case_id=case_a.pk).latest("seq")
    assert event.changes_dict["operation_name"] == ["Theirs", "Mine"]


def test_stage_change_offers_allowed_stages(client, personas: Personas, case_a: Case) -> None:
    client.force_login(personas.prosecutor_a)
    html = client.get(reverse("cases:stage", args=[case_a.pk])).content.decode()
    assert 'value="charging_decision"' in html and 'value="trial"' not in html
    response = client.post(
        reverse("cases:stage", args=[case_a.pk]), {"stage": "charging_decision", "reason": "File in", "version": 1}
    )
    assert response.status_code == 302
    case_a.refresh_from_db()
    assert case_a.stage == "charging_decision"
    response = client.post(reverse("cases:stage", args=[case_a.pk]), {"stage": "trial", "version": case_a.version})
    assert response.status_code == 200 and "govuk-error-message" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "data", "check"),
    [
        ("cases:defendant_add", {"first_names": "Ann", "last_name": "Lee", "custody_status": "bail"}, "defendants"),
        (
            "cases:hearing_add",
            {
                "hearing_type": "ptph",
                "starts_at_day": "1",
                "starts_at_month": "4",
                "starts_at_year": "2025",
                "starts_at_time": "10:00",
                "court": "Winchester Crown Court",
            },
            "hearings",
        ),
        ("cases:document_add", {"kind": "psd", "title": "PSD", "body": "Strategy", "rationale": ""}, "documents"),
        (
            "cases:review_add",
            {
                "kind": "initial",
                "reviewed_on_day": "1",
                "reviewed_on_month": "3",
                "reviewed_on_year": "2025",
                "note": "Reviewed",
            },
            "reviews",
        ),
    ],
)
def test_part_forms_add_and_validate(client, personas: Personas, case_a: Case, name, data, check) -> None:
    client.force_login(personas.prosecutor_a)
    url = reverse(name, args=[case_a.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {})
    assert response.status_code == 200 and "govuk-error-summary" in response.content.decode()
    response = client.post(url, data)
    # The section that shows the part just added, at the top (no #fragment), where the banner is.
    section = {"documents": "material"}.get(check, check)
    assert response.status_code == 302 and response["Location"] == f"/cases/{case_a.pk}/{section}/"
    assert getattr(case_a, check).count() == 1


def test_charge_and_revision_forms(client, personas: Personas, case_a: Case) -> None:
    defendant = services.defendant_add(actor=personas.manager_a, case=case_a, first_names="Ann", last_name="Lee")
    document = services.document_add(actor=personas.manager_a, case=case_a, kind="psd", title="PSD", body="one")
    client.force_login(personas.prosecutor_a)
    response = client.post(
        reverse("cases:charge_add", args=[case_a.pk, defendant.pk]),
        {"offence": "Conspiracy to defraud", "classification": "indictable_only"},
    )
    assert response.status_code == 302 and defendant.charges.count() == 1
    url = reverse("cases:document_revise", args=[case_a.pk, document.pk])
    assert "one" in client.get(url).content.decode()
    response = client.post(url, {"body": "two", "rationale": "After PTPH", "version": document.version})
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.current_version_number == 2 and document.versions.count() == 2
    stale = client.post(url, {"body": "three", "version": 1})
    assert stale.status_code == 200 and "Someone else changed this" in stale.content.decode()


def test_sub_records_of_another_case_are_404(client, personas: Personas, case_a: Case) -> None:
    other = make_case(actor=personas.manager_a, allocated_lawyer_id=personas.prosecutor_a.pk)
    defendant = services.defendant_add(actor=personas.manager_a, case=other, first_names="A", last_name="B")
    client.force_login(personas.prosecutor_a)
    assert client.get(reverse("cases:charge_add", args=[case_a.pk, defendant.pk])).status_code == 404


def test_create_case(client, personas: Personas) -> None:
    client.force_login(personas.manager_a)
    response = client.post(reverse("cases:create"), {"urn": "42ab1234526", "operation_name": "Op Elm"})
    case = Case.objects.get(urn="42AB1234526")
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.pk])
    duplicate = client.post(reverse("cases:create"), {"urn": "42AB1234526"})
    assert duplicate.status_code == 200 and "This URN is already recorded." in duplicate.content.decode()


# --- break-glass and its review ---------------------------------------------------------------------


@pytest.fixture
def colleague_case(personas: Personas) -> Case:
    return make_case(
        actor=personas.manager_a, operation_name="Operation Yew", allocated_lawyer_id=personas.manager_a.pk
    )


def test_break_glass_opens_a_colleagues_case(client, personas: Personas, colleague_case: Case) -> None:
    client.force_login(personas.prosecutor_a)
    assert client.get(reverse("cases:detail", args=[colleague_case.pk])).status_code == 404
    response = client.post(
        reverse("cases:find"), {"urn": colleague_case.urn.lower(), "justification": "Covering the PTPH tomorrow"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[colleague_case.pk])
    assert client.get(response["Location"]).status_code == 200
    event = AuditEvent.objects.filter(action="consult", case_id=colleague_case.pk).latest("seq")
    assert event.justification == "Access outside own work: Covering the PTPH tomorrow"
    assert AuditEvent.objects.filter(action="break_glass", case_id=colleague_case.pk).exists()


def test_break_glass_needs_a_reason_and_stays_in_the_unit(client, personas: Personas, colleague_case, case_b) -> None:
    client.force_login(personas.prosecutor_a)
    response = client.post(reverse("cases:find"), {"urn": colleague_case.urn, "justification": "short"})
    assert response.status_code == 200 and "Explain in a few words" in response.content.decode()
    response = client.post(reverse("cases:find"), {"urn": case_b.urn, "justification": "Curious about it, sorry"})
    assert response.status_code == 200 and "No case with that URN is available to you" in response.content.decode()
    assert not CaseAccessGrant.objects.exists()


def test_manager_reviews_break_glass(client, personas: Personas, colleague_case: Case) -> None:
    grant_case = services.case_break_glass(
        actor=personas.prosecutor_a, urn=colleague_case.urn, justification="Covering the PTPH tomorrow"
    )
    grant = CaseAccessGrant.objects.get(case=grant_case)
    client.force_login(personas.manager_a)
    html = client.get(reverse("cases:access_grants")).content.decode()
    assert "Covering the PTPH tomorrow" in html and "Mark reviewed" in html
    url = reverse("cases:access_grant_review", args=[grant.pk])
    refused = client.post(url, {"note": ""})
    assert refused.status_code == 400
    html = refused.content.decode()
    # The error summary links to this grant's note box, which exists on the page.
    assert f'href="#grant-{grant.pk}-note"' in html and f'id="grant-{grant.pk}-note"' in html
    assert f'id="grant-{grant.pk}-note-error"' in html and 'href="#id_note"' not in html
    response = client.post(url, {"note": "Agreed"})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.reviewed_by == personas.manager_a and grant.review_note == "Agreed"


@pytest.mark.parametrize("persona", ["prosecutor_a", "prosecutor_b", "hq", "police_x", "admin"])
def test_grant_review_denied_to_others(client, personas: Personas, colleague_case: Case, persona: str) -> None:
    services.case_break_glass(actor=personas.prosecutor_a, urn=colleague_case.urn, justification="Covering a hearing")
    grant = CaseAccessGrant.objects.get()
    client.force_login(getattr(personas, persona))
    response = client.post(reverse("cases:access_grant_review", args=[grant.pk]), {"note": "fine"})
    assert response.status_code == 404
    grant.refresh_from_db()
    assert grant.reviewed_at is None


def test_unit_b_manager_cannot_review_unit_a_grants(client, personas: Personas, colleague_case: Case) -> None:
    from tests.factories import make_user

    manager_b = make_user("manager.b", "legal_manager", unit=personas.unit_b)
    services.case_break_glass(actor=personas.prosecutor_a, urn=colleague_case.urn, justification="Covering a hearing")
    grant = CaseAccessGrant.objects.get()
    client.force_login(manager_b)
    assert "Covering a hearing" not in client.get(reverse("cases:access_grants")).content.decode()
    assert client.post(reverse("cases:access_grant_review", args=[grant.pk]), {"note": "x"}).status_code == 404


def test_defendant_date_of_birth_must_be_real_and_past(client, personas: Personas, case_a: Case) -> None:
    client.force_login(personas.prosecutor_a)
    url = reverse("cases:defendant_add", args=[case_a.pk])
    data = {"first_names": "Ann", "last_name": "Lee", "custody_status": "bail"}
    html = client.get(url).content.decode()
    assert "govuk-date-input" in html and "For example, 27 3 1986" in html
    dob = {"date_of_birth_day": "30", "date_of_birth_month": "2", "date_of_birth_year": "1990"}
    html = client.post(url, {**data, **dob}).content.decode()
    assert "Date of birth must be a real date" in html and 'href="#id_date_of_birth_day"' in html
    html = client.post(url, {**data, **dob, "date_of_birth_day": "3", "date_of_birth_month": ""}).content.decode()
    assert "Date of birth must include a month" in html and 'href="#id_date_of_birth_month"' in html
    html = client.post(url, {**data, **dob, "date_of_birth_day": "1", "date_of_birth_year": "2999"}).content.decode()
    assert "Date of birth must be in the past" in html
    assert not case_a.defendants.exists()
    response = client.post(url, {**data, **dob, "date_of_birth_day": "28"})
    assert response.status_code == 302
    assert str(case_a.defendants.get().date_of_birth) == "1990-02-28"


# --- the case page in sections ------------------------------------------------------------------


def test_each_case_section_is_its_own_page_in_the_sub_navigation(client, personas: Personas, case_a: Case) -> None:
    client.force_login(personas.prosecutor_a)
    for section in CASE_SECTIONS:
        url = (
            reverse("cases:detail", args=[case_a.pk])
            if section == "overview"
            else reverse("cases:section", args=[case_a.pk, section])
        )
        before = AuditEvent.objects.filter(action="consult", case_id=case_a.pk).count()
        html = client.get(url).content.decode()
        assert 'class="moj-sub-navigation"' in html
        current = re.findall(r'aria-current="page" href="([^"]+)"', html)
        assert current == [url], section
        # Opening any section is a consultation of the case, recorded like the whole page was.
        assert AuditEvent.objects.filter(action="consult", case_id=case_a.pk).count() == before + 1


def test_overview_shows_status_key_dates_and_compliance_not_the_parts(client, personas: Personas, case_a) -> None:
    services.defendant_add(actor=personas.manager_a, case=case_a, first_names="Ann", last_name="Smith")
    client.force_login(personas.prosecutor_a)
    html = client.get(reverse("cases:detail", args=[case_a.pk])).content.decode()
    assert "Status" in html and "Court stage" in html
    assert "Key dates" in html and "Next custody time limit expiry" in html and "Compliance summary" in html
    assert "Ann SMITH" not in html  # defendants have their own section
    defendants = client.get(reverse("cases:section", args=[case_a.pk, "defendants"])).content.decode()
    assert "Ann SMITH" in defendants and "<title>Defendants and charges: Case" in defendants


def test_unknown_section_and_case_out_of_scope_are_404(client, personas: Personas, case_a: Case) -> None:
    client.force_login(personas.prosecutor_a)
    assert client.get(f"/cases/{case_a.pk}/no-such-section/").status_code == 404
    for persona in ("prosecutor_b", "police_x", "paralegal_a"):
        client.force_login(getattr(personas, persona))
        for section in CASE_SECTIONS[1:]:
            response = client.get(reverse("cases:section", args=[case_a.pk, section]))
            assert response.status_code == 404 and case_a.urn not in response.content.decode()
    assert not AuditEvent.objects.filter(action="consult", case_id=case_a.pk).exists()


def test_activity_tells_what_happened_in_plain_words(client, personas: Personas, case_a: Case) -> None:
    services.hearing_add(
        actor=personas.manager_a, case=case_a, hearing_type="ptph", starts_at="2025-04-01T10:00Z", court="Winchester"
    )
    services.document_add(actor=personas.manager_a, case=case_a, kind="psd", title="Strategy", body="v1")
    client.force_login(personas.prosecutor_a)
    client.get(reverse("cases:detail", args=[case_a.pk]))  # a consultation: not activity
    html = unescape(client.get(reverse("cases:section", args=[case_a.pk, "activity"])).content.decode())
    activity = html[html.index("What happened on this case") : html.index("Stage history")]
    assert "Manager Persona added a hearing" in activity
    assert "Manager Persona added a " in activity and "Strategy" in activity
    assert "Manager Persona added the case" in activity
    assert "Prosecutor Persona" not in activity  # opening the case is left to the audit timeline
    # Newest first.
    assert activity.index("added a hearing") < activity.index("added the case")


def test_overview_says_re_checking_while_the_verdicts_are_refreshed(client, personas: Personas, case_a) -> None:
    client.force_login(personas.prosecutor_a)
    # A new case is queued for its first check: the overview's compliance summary says so.
    html = client.get(reverse("cases:detail", args=[case_a.pk])).content.decode()
    summary = html[html.index("Compliance summary") :][:300]
    assert "Re-checking" in summary and "Not yet checked against the assurance rules." in summary
