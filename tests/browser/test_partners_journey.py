"""Browser journey: police.x submits a referral in the portal, a CCU manager triages it into a
case, and police.y cannot see it. Runs against the shared browser-test server (demo data)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.support import assert_accessible, screenshot, sign_in
from tests.partners.conftest import ITEMS

pytestmark = pytest.mark.browser

LABELS = {
    "police_reference": "1. Unique reference number",
    "factual_summary": "2. Factual summary",
    "lines_of_enquiry": "3. Lines of enquiry completed, ongoing and contemplated",
    "expected_results": "4. Expected results and timescales",
    "issues_identified": "5. Issues identified, including the suspect's account",
    "specific_questions": "6. The specific questions",
    "key_evidence": "7. Key evidential material",
    "disclosable_material": "8. Potentially disclosable material",
}


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def test_referral_from_portal_to_triage_and_other_force_denied(page) -> None:
    sign_in(page, "police.x")
    assert page.url.endswith("/overview/")  # the force's overview, then its portal
    page.get_by_role("link", name="Police portal", exact=True).first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/partners/portal/")
    assert_accessible(page, "police-portal-home")
    page.get_by_role("link", name="Make a referral or advice request").click()
    page.get_by_label("Case referral").check()
    page.get_by_label(LABELS["police_reference"]).fill("44HXBROWSER1")
    page.get_by_role("button", name="Send request").click()
    page.wait_for_load_state()
    found = re.search(r"/partners/portal/referrals/(\d+)/$", page.url)
    assert found, page.url
    main = page.locator("main").inner_text()
    assert "Still missing" in main and "2. Factual summary" in main
    assert_accessible(page, "police-portal-incomplete")
    for name, label in LABELS.items():
        if name != "police_reference":
            page.get_by_label(label).fill(ITEMS[name])
    page.get_by_role("button", name="Send these items").click()
    page.wait_for_load_state()
    assert "Complete since" in page.locator("main").inner_text()
    reference = page.locator("h1").inner_text().strip()
    assert reference.startswith("REF-HAMP-")
    screenshot(page, "police-portal-referral")
    sign_out(page)

    sign_in(page, "manager.a")
    page.get_by_role("link", name="Partnership").first.click()
    page.get_by_role("link", name=reference).click()
    page.wait_for_load_state()
    assert_accessible(page, "ccu-referral-triage")
    page.get_by_text("Accept into the CCU").click()
    page.get_by_label("Listed criterion the case meets").select_option(index=1)
    page.get_by_label("URN for the case register").fill("44HX9999926")
    page.get_by_role("button", name="Accept and record the case").click()
    page.wait_for_load_state()
    assert "/allocate/" in page.url  # straight on to allocating the new case
    assert "Now allocate a lawyer" in page.locator("main").inner_text()
    assert_accessible(page, "ccu-allocate-after-accept")
    sign_out(page)

    sign_in(page, "police.y")
    response = page.goto(f"/partners/portal/referrals/{found.group(1)}/")
    assert response is not None and response.status == 404
    assert reference not in page.locator("main").inner_text()
    page.goto("/partners/portal/")
    assert reference not in page.locator("main").inner_text()
