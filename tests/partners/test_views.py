"""Pages: the police portal (own force only, every read a disclosure), the CCU's triage and
agreement pages, coverage and its export, and the denial matrix."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse

from casework.audit.models import AuditEvent
from casework.cases.models import AcceptanceCriterion, Case
from casework.partners import services
from casework.partners.models import Referral
from tests.factories import Personas
from tests.partners.conftest import ITEMS, date_fields, signed_agreement, submit

ALL = [
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
POLICE = ["police_x", "police_y"]


@pytest.fixture(autouse=True)
def _fresh_rate_limit() -> None:
    cache.clear()


@pytest.fixture
def referral_x(personas: Personas) -> Referral:
    return submit(personas.police_x, kind="referral")


@pytest.fixture
def agreement_x(personas: Personas):
    return signed_agreement(personas.manager_a, personas.force_x.pk, dt.date(2026, 1, 5))


# --- the denial matrix -----------------------------------------------------------------------------

NON_PORTAL_PAGES = [
    "cases:my",
    "cases:unit",
    "cases:all",
    "cases:create",
    "cases:find",
    "progression:tasks",
    "progression:board",
    "assurance:dashboard",
    "audit:search",
    "quality:home",
    "admin:index",
    "partners:referrals",
    "partners:agreements",
    "partners:templates",
    "partners:coverage",
    "partners:coverage_export",
    "partners:agreement_create",
    "partners:template_publish",
]


@pytest.mark.parametrize("persona", POLICE)
@pytest.mark.parametrize("name", NON_PORTAL_PAGES)
def test_police_get_404_on_every_non_portal_page(client, personas: Personas, persona: str, name: str) -> None:
    client.force_login(getattr(personas, persona))
    assert client.get(reverse(name)).status_code == 404


@pytest.mark.parametrize("persona", POLICE)
def test_police_get_404_on_case_and_partner_detail_pages(
    client, personas, persona, case_a, referral_x, agreement_x
) -> None:
    client.force_login(getattr(personas, persona))
    for url in (
        f"/cases/{case_a.pk}/",
        reverse("partners:referral", args=[referral_x.pk]),
        reverse("partners:agreement", args=[agreement_x.pk]),
        "/api/v1/cases",
        reverse("partners:template", args=[1]),
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(reverse("partners:referral_acknowledge", args=[referral_x.pk]))
    assert response.status_code == 404


PORTAL_PAGES = ["partners:portal", "partners:portal_submit", "partners:portal_agreement"]


@pytest.mark.parametrize("persona", sorted(set(ALL) - set(POLICE)))
@pytest.mark.parametrize("name", PORTAL_PAGES)
def test_cps_staff_and_admin_cannot_use_the_portal(client, personas: Personas, persona: str, name: str) -> None:
    client.force_login(getattr(personas, persona))
    assert client.get(reverse(name)).status_code == 404


def test_prosecutors_cannot_reach_a_portal_referral(client, personas: Personas, referral_x) -> None:
    client.force_login(personas.prosecutor_a)
    assert client.get(reverse("partners:portal_referral", args=[referral_x.pk])).status_code == 404
    response = client.post(reverse("partners:portal_escalate", args=[referral_x.pk]), {"reason": "x" * 20})
    assert response.status_code == 404


def test_police_x_cannot_see_police_y_referral_or_agreement(client, personas: Personas, unithead_b) -> None:
    referral_y = submit(personas.police_y)
    signed_agreement(unithead_b, personas.force_y.pk, dt.date(2026, 1, 5))
    plan = services.action_plan_issue(actor=unithead_b, referral=referral_y, actions="Phone data.")
    client.force_login(personas.police_x)
    assert client.get(reverse("partners:portal_referral", args=[referral_y.pk])).status_code == 404
    assert (
        client.post(
            reverse("partners:portal_escalate", args=[referral_y.pk]), {"reason": "Escalate someone else's"}
        ).status_code
        == 404
    )
    assert (
        client.post(reverse("partners:portal_answer", args=[referral_y.pk, plan.pk]), {"answer": "x"}).status_code
        == 404
    )
    home = client.get(reverse("partners:portal")).content.decode()
    agreement_page = client.get(reverse("partners:portal_agreement")).content.decode()
    assert referral_y.reference not in home
    assert "Durham" not in home + agreement_page
    assert "no agreement with the CCU" in agreement_page
    # The same 404 as an id that does not exist: no existence oracle.
    missing = client.get(reverse("partners:portal_referral", args=[referral_y.pk + 1000]))
    assert missing.status_code == 404


@pytest.mark.parametrize("persona", ["prosecutor_b", "admin"])
def test_outside_staff_get_404_on_unit_a_referral_and_agreement(
    client, personas, persona, referral_x, agreement_x
) -> None:
    client.force_login(getattr(personas, persona))
    assert client.get(reverse("partners:referral", args=[referral_x.pk])).status_code == 404
    assert client.get(reverse("partners:agreement", args=[agreement_x.pk])).status_code == 404


def test_admin_sees_templates_but_no_referrals_or_agreements(client, personas: Personas, referral_x) -> None:
    client.force_login(personas.admin)
    assert client.get(reverse("partners:templates")).status_code == 200
    assert client.get(reverse("partners:template", args=[1])).status_code == 200
    for name in ("partners:referrals", "partners:agreements", "partners:coverage"):
        assert client.get(reverse(name)).status_code == 404


def test_police_requests_are_rate_limited(client, personas: Personas, settings) -> None:
    settings.PARTNERS_POLICE_RATE_PER_MINUTE = 3
    client.force_login(personas.police_x)
    codes = [client.get(reverse("partners:portal")).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


# --- the portal ----------------------------------------------------------------------------------


def test_police_home_is_their_overview_of_the_force_requests(client, personas: Personas) -> None:
    client.force_login(personas.police_x)
    response = client.get(reverse("home"))
    # Police land on their overview of the force's requests, which links to the portal.
    assert response.status_code == 302 and response["Location"] == reverse("workday:overview")


def test_portal_submission_checks_the_eight_items(client, personas: Personas) -> None:
    client.force_login(personas.police_x)
    response = client.post(reverse("partners:portal_submit"), {"kind": "early_advice"})
    html = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in html
    assert "Fill in at least one of the 8 items" in html
    assert not Referral.objects.exists()
    response = client.post(reverse("partners:portal_submit"), {**ITEMS, "kind": "early_advice"})
    referral = Referral.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "partners:portal_referral", args=[referral.pk]
    )
    assert referral.missing_items == [] and referral.completed_on is not None


def test_portal_reads_are_disclosures_to_the_force(client, personas: Personas, referral_x) -> None:
    client.force_login(personas.police_x)
    before = AuditEvent.objects.count()
    assert client.get(reverse("partners:portal_referral", args=[referral_x.pk])).status_code == 200
    event = AuditEvent.objects.order_by("-seq").first()
    assert AuditEvent.objects.count() == before + 1
    assert event.action == "disclose" and event.recipient == str(personas.force_x)
    assert event.subject_id == str(referral_x.pk) and event.justification.startswith("Police portal")


def test_police_answer_action_plans_and_request_escalation(client, personas: Personas, referral_x) -> None:
    plan = services.action_plan_issue(actor=personas.prosecutor_a, referral=referral_x, actions="Phone data.")
    client.force_login(personas.police_x)
    url = reverse("partners:portal_answer", args=[referral_x.pk, plan.pk])
    assert client.post(url, {"answer": ""}).status_code == 422
    assert client.post(url, {"answer": "Requested from the provider."}).status_code == 302
    plan.refresh_from_db()
    assert plan.answer == "Requested from the provider."
    response = client.post(
        reverse("partners:portal_escalate", args=[referral_x.pk]), {"reason": "The decision is needed before bail."}
    )
    assert response.status_code == 302
    page = client.get(reverse("partners:portal_referral", args=[referral_x.pk])).content.decode()
    assert "Level 1 (Officer in the case ↔ Reviewing lawyer)" in page


def test_declined_referral_shows_reason_and_appeal_route(client, personas: Personas, referral_x) -> None:
    services.referral_decline(actor=personas.manager_a, referral=referral_x, reason="Not complex enough for the CCU.")
    client.force_login(personas.police_x)
    page = client.get(reverse("partners:portal_referral", args=[referral_x.pk])).content.decode()
    assert "Not complex enough for the CCU." in page
    assert "Inspector rank or above may appeal" in page


def test_portal_agreement_shows_deviations_and_performance(client, personas: Personas) -> None:
    agreement = services.agreement_create(actor=personas.manager_a, force_id=personas.force_x.pk)
    services.agreement_record_deviation(
        actor=personas.manager_a,
        agreement=agreement,
        clause_code="liaison.2",
        text="Meetings by video every {operational_meeting_weeks} weeks.",
        reason="Rural force",
    )
    client.force_login(personas.police_x)
    page = client.get(reverse("partners:portal_agreement")).content.decode()
    assert "<ins>Meetings by video</ins>" in page and "<del>" in page and "Rural force" in page
    assert "Police action-plan responses on time" in page


# --- CCU side ------------------------------------------------------------------------------------


def test_manager_triages_a_referral_into_a_case(client, personas: Personas, referral_x) -> None:
    client.force_login(personas.manager_a)
    assert referral_x.reference in client.get(reverse("partners:referrals")).content.decode()
    assert client.get(reverse("partners:referral", args=[referral_x.pk])).status_code == 200
    url = reverse("partners:referral_accept", args=[referral_x.pk])
    criterion = AcceptanceCriterion.objects.order_by("pk").first()
    assert client.post(url, {"criterion": "", "urn": ""}).status_code == 422
    response = client.post(url, {"criterion": criterion.pk, "urn": "44HX1234526", "note": ""})
    assert response.status_code == 302
    referral_x.refresh_from_db()
    assert referral_x.status == "accepted" and referral_x.case == Case.objects.get(urn="44HX1234526")


def test_referral_list_is_the_units_own(client, personas: Personas, referral_x) -> None:
    client.force_login(personas.prosecutor_b)
    assert referral_x.reference not in client.get(reverse("partners:referrals")).content.decode()


def test_prosecutor_cannot_accept_but_can_advise(client, personas: Personas) -> None:
    referral = submit(personas.police_x)
    client.force_login(personas.prosecutor_a)
    response = client.post(
        reverse("partners:referral_accept", args=[referral.pk]),
        {"criterion": AcceptanceCriterion.objects.first().pk, "urn": "44HX1234527"},
    )
    assert response.status_code == 403
    response = client.post(
        reverse("partners:referral_advise", args=[referral.pk]),
        {"advice": "Pursue the financial lines first."},
    )
    assert response.status_code == 302


def test_agreement_page_lifecycle_and_deviation(client, personas: Personas) -> None:
    client.force_login(personas.manager_a)
    response = client.post(reverse("partners:agreement_create"), {"force": personas.force_x.pk})
    assert response.status_code == 302
    agreement = personas.force_x.agreements.get()
    url = reverse("partners:agreement_deviation", args=[agreement.pk])
    response = client.post(url, {"clause_code": "referral.1", "omitted": "on", "reason": "x"})
    assert response.status_code == 422 and "required by the HQ template" in response.content.decode()
    client.post(url, {"clause_code": "progression.4", "omitted": "on", "reason": "No trial reviews locally"})
    client.post(
        reverse("partners:agreement_transition", args=[agreement.pk]),
        {"version": agreement.version, "target": "negotiating"},
    )
    agreement.refresh_from_db()
    assert agreement.status == "negotiating"
    response = client.post(
        reverse("partners:agreement_sign", args=[agreement.pk]),
        {
            "version": agreement.version,
            "cps_signatory": "Jo Whitfield",
            "police_signatory": "ACC Stone",
            **date_fields("signed_on", dt.date(2026, 1, 5)),
            **date_fields("effective_from", None),
        },
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == "signed" and agreement.review_due_on == dt.date(2027, 1, 5)
    page = client.get(reverse("partners:agreement", args=[agreement.pk])).content.decode()
    assert "Left out" in page and "No trial reviews locally" in page


def test_stale_version_is_an_edit_conflict_on_the_page(client, personas: Personas) -> None:
    agreement = services.agreement_create(actor=personas.manager_a, force_id=personas.force_x.pk)
    client.force_login(personas.manager_a)
    url = reverse("partners:agreement_transition", args=[agreement.pk])
    assert client.post(url, {"version": agreement.version, "target": "negotiating"}).status_code == 302
    response = client.post(url, {"version": agreement.version, "target": "draft"})
    assert response.status_code == 422 and "Someone else changed this agreement" in response.content.decode()


def test_coverage_chart_table_and_audited_formula_safe_export(client, personas: Personas, agreement_x) -> None:
    client.force_login(personas.hq)
    page = client.get(reverse("partners:coverage")).content.decode()
    assert "1 of 43 forces" in page and "<svg" in page and "Wessex" in page
    response = client.get(reverse("partners:coverage_export"))
    body = b"".join(response.streaming_content).decode()
    assert response.status_code == 200 and body.splitlines()[0].startswith("Force,Areas,Status")
    assert "Hampshire" in body and "No agreement" in body
    assert AuditEvent.objects.filter(action="export", subject_type="partners.coverage").count() == 1


def test_csv_cells_are_formula_safe() -> None:
    from casework.core.spreadsheets import spreadsheet_safe

    assert spreadsheet_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"


def test_template_publish_page_for_the_hq_policy_lead_only(client, personas: Personas, hq_policy) -> None:
    for persona in ("manager_a", "hq", "admin"):
        client.force_login(getattr(personas, persona))
        assert client.get(reverse("partners:template_publish")).status_code == 404
    client.force_login(hq_policy)
    assert client.get(reverse("partners:template_publish")).status_code == 200
    page = client.get(reverse("partners:template", args=[1])).content.decode()
    assert "Added clause referral.1" in page


def _duplicate_ids(html: str) -> list[str]:
    import collections
    import re

    counts = collections.Counter(re.findall(r'\sid="([^"]+)"', html))
    return [name for name, n in counts.items() if n > 1]


def test_pages_with_several_forms_have_unique_ids(client, personas: Personas, referral_x) -> None:
    agreement = services.agreement_create(actor=personas.manager_a, force_id=personas.force_x.pk)
    services.action_plan_issue(actor=personas.prosecutor_a, referral=referral_x, actions="One.")
    services.action_plan_issue(actor=personas.prosecutor_a, referral=referral_x, actions="Two.")
    client.force_login(personas.manager_a)
    for url in (reverse("partners:referral", args=[referral_x.pk]), reverse("partners:agreement", args=[agreement.pk])):
        assert _duplicate_ids(client.get(url).content.decode()) == [], url
    client.force_login(personas.police_x)
    page = client.get(reverse("partners:portal_referral", args=[referral_x.pk])).content.decode()
    assert _duplicate_ids(page) == []


def test_performance_export_is_audited_and_limited_to_the_unit(client, personas, unithead_b):
    import csv
    import io

    from django.urls import reverse

    from casework.audit.models import AuditEvent
    from tests.partners.conftest import signed_agreement

    agreement = signed_agreement(personas.manager_a, personas.force_x.pk, dt.date(2026, 1, 5))
    url = reverse("partners:agreement_performance_export", args=[agreement.pk])
    for outsider in (personas.prosecutor_b, personas.police_x, personas.police_y, personas.admin):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.force_login(personas.manager_a)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert (
        rows[0] == ["Referral outcomes"]
        and ["Met on time", "Met late", "Breached (open)", "Running", "% on time"] in rows
    )
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.subject_type, event.actor_id) == ("export", "partners.agreement", personas.manager_a.pk)
    assert "Hampshire" in event.justification


def test_a_refused_disagreement_outcome_leads_to_that_rows_fields(client, personas: Personas) -> None:
    agreement = signed_agreement(personas.manager_a, personas.force_x.pk, dt.date(2026, 1, 5))
    first, second = (
        services.disagreement_record(
            actor=personas.manager_a,
            force_id=personas.force_x.pk,
            subject=subject,
            cps_position="Not met",
            police_position="Met",
        )
        for subject in ("Charging threshold", "File quality")
    )
    client.force_login(personas.manager_a)
    url = reverse("partners:agreement_resolve_disagreement", args=[agreement.pk])
    response = client.post(url, {"disagreement_id": second.pk, "outcome": "", "note": ""})
    assert response.status_code == 422
    html = response.content.decode()
    assert "govuk-error-summary" in html and "<title>Error: " in html
    assert f'href="#disagreement-{second.pk}-note"' in html and f'id="disagreement-{second.pk}-note-error"' in html
    # The other row's form is untouched and keeps its own ids.
    assert f'id="disagreement-{first.pk}-note"' in html and f'id="disagreement-{first.pk}-note-error"' not in html
    second.refresh_from_db()
    assert second.outcome == "open"
