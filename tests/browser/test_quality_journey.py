"""In a real browser: a manager draws a sample, completes and submits an assessment, records the
feedback meeting, and the prosecutor acknowledges it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.support import assert_accessible, sign_in

pytestmark = pytest.mark.browser


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def test_assessment_from_sample_to_acknowledgement(page, server) -> None:
    sign_in(page, "manager.a")
    page.get_by_role("link", name="Quality", exact=True).first.click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Propose a sample").click()
    page.wait_for_load_state()
    page.get_by_label("Prosecutor").select_option(label="Alex Morgan")
    page.get_by_role("button", name="Propose sample").click()
    page.wait_for_load_state()
    assert_accessible(page, "iqa-sample")
    start = page.get_by_role("button", name=re.compile("^Start assessment"))
    assert start.count() >= 1, page.locator("main").inner_text()
    start.first.click()
    page.wait_for_load_state()
    assert re.search(r"/quality/assessments/\d+/edit/$", page.url), page.url
    assert_accessible(page, "iqa-assessment-form")

    radios = page.locator("input[type=radio][value=fully_met]")
    for index in range(radios.count()):
        radios.nth(index).check()
    page.get_by_role("button", name="Submit assessment").click()
    page.wait_for_load_state()
    found = re.search(r"/quality/assessments/(\d+)/$", page.url)
    assert found, page.locator("main").inner_text()
    assessment_url = found.group(0)
    assert_accessible(page, "iqa-assessment")

    # The meeting date is prefilled with the server's today (this test process's clock is frozen).
    assert page.locator("input[name=meeting_on_year]").input_value() != ""
    page.get_by_label("What was discussed").fill("Strong file; discussed the disclosure schedule.")
    page.get_by_role("button", name="Record feedback").click()
    page.wait_for_load_state()
    assert "Feedback recorded" in page.locator("main").inner_text()
    sign_out(page)

    sign_in(page, "prosecutor.a")
    page.goto(assessment_url)
    page.get_by_label("Yes", exact=True).check()
    page.get_by_label("Comments (optional)").fill("Thank you.")
    page.get_by_role("button", name="Acknowledge").click()
    page.wait_for_load_state()
    main = page.locator("main").inner_text()
    assert "acknowledgement is recorded" in main and "Acknowledged" in main
    sign_out(page)

    sign_in(page, "unithead.a")
    for path, name in (("/quality/coverage/", "iqa-coverage"), ("/quality/analytics/", "iqa-analytics")):
        page.goto(path)
        assert_accessible(page, name)
