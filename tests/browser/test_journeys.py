"""End-to-end journeys through the GOV.UK pages, as the people who use them would take them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.support import (
    CCP_CONFLICT_MESSAGE,
    URN_PATTERN,
    a_case_of,
    case_urn,
    enter_criterion_and_ccp_direction,
    open_case_edit,
    screenshot,
    sign_in,
)

pytestmark = pytest.mark.browser


def open_first_case_in_list(page: Any) -> None:
    page.locator("main table tbody tr a").first.click()
    page.wait_for_load_state()


def test_prosecutor_opens_a_case_from_my_cases(page, server):
    sign_in(page, "prosecutor.a")
    page.get_by_role("link", name="Cases", exact=True).first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().strip().startswith("My cases")  # with the count: "My cases (6)"
    rows = page.locator("main table tbody tr")
    assert rows.count() > 0, "prosecutor.a has no cases in the demo data"
    screenshot(page, "prosecutor-my-cases")

    open_first_case_in_list(page)
    found = re.search(r"/cases/(\d+)/$", page.url)
    assert found, page.url
    urn = case_urn(server.var_dir, int(found.group(1)))
    heading = page.locator("h1").inner_text()
    assert heading.startswith(urn), f"case page heading {heading!r} does not start with the URN {urn}"
    screenshot(page, "prosecutor-case-page")
    # The case page is in sections; Activity holds the plain-language history and the audit timeline.
    page.locator(".moj-sub-navigation").get_by_role("link", name="Activity", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="What happened on this case").count() == 1
    timeline = page.get_by_role("heading", name=re.compile("Timeline", re.IGNORECASE))
    assert timeline.count() >= 1, "case page has no timeline"
    screenshot(page, "prosecutor-case-activity")


def test_case_edit_shows_govuk_errors_then_saves(page, server):
    case_id = a_case_of(server.var_dir, "prosecutor.a")
    sign_in(page, "prosecutor.a")
    page.goto(f"/cases/{case_id}/")
    open_case_edit(page)

    # A listed criterion and a CCP direction together: the server refuses and explains, GOV.UK style.
    enter_criterion_and_ccp_direction(page)
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_load_state()
    assert page.title().startswith("Error:"), page.title()
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.closest('.govuk-error-summary') !== null"), "summary not focused"
    summary_link = summary.get_by_role("link", name=CCP_CONFLICT_MESSAGE)
    field_error = page.locator(".govuk-form-group--error .govuk-error-message", has_text=CCP_CONFLICT_MESSAGE)
    assert field_error.is_visible()
    # The summary link moves focus to the field in error.
    ccp_direction = page.get_by_label("CCP direction")
    summary_link.click()
    assert page.evaluate("document.activeElement.id") == ccp_direction.get_attribute("id")
    screenshot(page, "case-edit-errors")

    new_name = f"Operation Hawthorn {case_id}"
    ccp_direction.fill("")
    page.get_by_label("Operation name").fill(new_name)
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_load_state()
    assert re.search(rf"/cases/{case_id}/$", page.url), page.url
    assert page.locator(".govuk-error-summary").count() == 0
    assert new_name in page.locator("h1").inner_text()
    screenshot(page, "case-edit-saved")


def test_manager_filters_the_unit_list(page, server):
    sign_in(page, "manager.a")
    page.get_by_role("link", name="Cases", exact=True).first.click()
    page.get_by_role("link", name="Unit cases").first.click()
    page.wait_for_load_state()
    rows = page.locator("main table tbody tr")
    unfiltered = rows.count()
    assert unfiltered > 0
    # Filter by stage (the first box of the stage group in the filter panel).
    stages = page.locator("main input[type=checkbox][name=stage]")
    assert stages.count() > 0, "the stage filter offers no stages"
    value = stages.first.get_attribute("value")
    stages.first.check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_load_state()
    assert f"stage={value}" in page.url
    assert page.locator(".moj-filter__tag").count() == 1, "the chosen stage is not shown as a selected filter"
    screenshot(page, "manager-unit-list-filtered")


@pytest.mark.parametrize("username", ["police.x", "police.y", "prosecutor.b"])
def test_outsiders_get_not_found_for_a_unit_a_case(page, server, username):
    case_id = a_case_of(server.var_dir, "prosecutor.a")
    sign_in(page, username)
    response = page.goto(f"/cases/{case_id}/")
    assert response is not None and response.status == 404
    assert "Page not found" in page.locator("h1").inner_text()
    assert not URN_PATTERN.search(page.locator("main").inner_text()), "the 404 page leaks a URN"
    screenshot(page, f"not-found-{username}")
