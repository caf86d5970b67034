"""In a real browser: a legal manager builds a what-if scenario (one more Senior Crown Prosecutor),
saves it, and reads the comparison of the baseline with the scenario."""

from __future__ import annotations

import re

import pytest

from tests.browser.support import assert_accessible, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_manager_builds_a_scenario_and_compares_it_with_the_baseline(page, server) -> None:
    sign_in(page, "manager.a")
    page.goto(server.url("/resourcing/scenarios/"))
    assert page.get_by_role("heading", name="What-if scenarios", level=1).is_visible()
    assert_accessible(page, "resourcing-scenarios")

    page.get_by_label("Name", exact=True).fill("One more Senior Crown Prosecutor")
    page.get_by_label("Staff change 1: grade").select_option(label="Senior Crown Prosecutor")
    page.get_by_label("Staff change 1: FTE to add (negative to remove)").fill("1")
    page.get_by_role("button", name="Save and compare").click()
    page.wait_for_load_state()

    assert re.search(r"/resourcing/scenarios/\d+/$", page.url), page.locator("main").inner_text()
    main = page.locator("main")
    assert page.get_by_role("heading", name="One more Senior Crown Prosecutor", level=1).is_visible()
    assert "Add 1 FTE senior-crown-prosecutor" in main.inner_text()
    table = page.get_by_role("table", name="Capacity by grade: baseline and scenario side by side")
    assert table.is_visible()
    senior = table.get_by_role("row", name=re.compile("^Senior Crown Prosecutor"))
    cells = senior.get_by_role("cell").all_inner_texts()
    baseline_fte, scenario_fte = (float(v) for v in cells[0].split(" → "))
    assert scenario_fte == pytest.approx(baseline_fte + 1)
    # More senior hours for the same points: the scenario uses less of the grade's capacity.
    baseline_used, scenario_used = (float(v.rstrip("%").split()[0]) for v in cells[3:5])
    assert scenario_used < baseline_used
    assert table.get_by_role("row", name=re.compile("^All grades")).is_visible()
    assert_accessible(page, "resourcing-scenario-comparison")
    screenshot(page, "resourcing-scenario-comparison")

    # The saved scenario is listed for coming back to.
    page.goto(server.url("/resourcing/scenarios/"))
    assert page.get_by_role("link", name="One more Senior Crown Prosecutor").first.is_visible()


def test_hq_reads_capacity_by_grade_for_areas_and_the_nation(page, server) -> None:
    sign_in(page, "hq.analyst")
    page.goto(server.url("/resourcing/"))
    page.get_by_role("link", name="Capacity by grade per Area and nationally").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Capacity by grade: Areas and nation", level=1).is_visible()
    national = page.get_by_role("table", name="National figures by grade")
    assert national.get_by_role("row", name=re.compile("^All grades")).is_visible()
    assert_accessible(page, "resourcing-grades")

    page.get_by_label("Grade", exact=True).select_option(label="Senior Crown Prosecutor")
    page.get_by_label("Sort by", exact=True).select_option(label="Capacity used, highest first")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_load_state()
    areas = page.get_by_role("table", name="Area figures by grade")
    grades = {text.strip() for text in areas.locator("tbody th").all_inner_texts()}
    assert grades == {"Senior Crown Prosecutor"}
    used = [
        int(text.rstrip("%"))
        for text in areas.locator("tbody tr td:nth-of-type(7)").all_inner_texts()
        if text.endswith("%")
    ]
    assert used == sorted(used, reverse=True) and used
    screenshot(page, "resourcing-grades")


def test_timesheet_upload_page_is_accessible(page, server) -> None:
    sign_in(page, "manager.a")
    page.goto(server.url("/resourcing/"))
    page.get_by_role("link", name=re.compile("Wessex")).first.click()
    page.wait_for_load_state()
    unit_path = page.url.split("/resourcing/units/")[1].split("/")[0]
    page.goto(server.url(f"/resourcing/units/{unit_path}/timesheet/"))
    assert page.get_by_label("Timesheet file (CSV)").is_visible()
    assert page.locator("input.govuk-file-upload[type=file]").count() == 1
    assert_accessible(page, "resourcing-timesheet")
