"""WCAG 2.2 AA checks (axe-core) on every page type, as real users reach them."""

from __future__ import annotations

import re

import pytest

from tests.browser.support import (
    a_case_of,
    assert_accessible,
    enter_criterion_and_ccp_direction,
    open_case_edit,
    sign_in,
)

pytestmark = pytest.mark.browser


def test_the_checker_reports_violations(page, server):
    # Guard against a silently passing harness: a page with known WCAG failures must fail.
    page.set_content('<html><body><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></body></html>')
    with pytest.raises(AssertionError, match=r"image-alt[\s\S]*<img"):
        assert_accessible(page, "checker-self-test")


def test_sign_in_page(page, server):
    page.goto("/login/")
    assert_accessible(page, "login")


def test_sign_in_page_with_errors(page, server):
    page.goto("/login/")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page, "login-errors")


@pytest.mark.parametrize("username", ["prosecutor.a", "manager.a", "hq.analyst", "inspector", "police.x", "admin"])
def test_home_page_for_each_role(page, server, username):
    sign_in(page, username)
    page.goto("/")
    assert_accessible(page, f"home-{username}")


def test_case_lists(page, server):
    sign_in(page, "manager.a")
    for link in ("My cases", "Unit cases"):
        page.goto("/")  # the overview; the lists are pages of the Cases section
        page.get_by_role("link", name="Cases", exact=True).first.click()
        page.get_by_role("link", name=link).first.click()
        page.wait_for_load_state()
        assert page.locator("main table").count() >= 1
        assert_accessible(page, f"list-{link.lower().replace(' ', '-')}")


def test_case_page(page, server):
    sign_in(page, "prosecutor.a")
    page.goto(f"/cases/{a_case_of(server.var_dir, 'prosecutor.a')}/")
    assert_accessible(page, "case-page")


def test_case_edit_form_with_errors(page, server):
    sign_in(page, "prosecutor.a")
    page.goto(f"/cases/{a_case_of(server.var_dir, 'prosecutor.a')}/")
    open_case_edit(page)
    assert_accessible(page, "case-edit")
    enter_criterion_and_ccp_direction(page)
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page, "case-edit-errors")


def test_audit_search(page, server):
    sign_in(page, "inspector")
    page.goto("/oversight/samples/")
    page.locator(".moj-sub-navigation__link", has_text="Audit trail").click()
    page.wait_for_load_state()
    assert_accessible(page, "audit-search")


def test_not_found_page(page, server):
    sign_in(page, "police.x")
    response = page.goto(f"/cases/{a_case_of(server.var_dir, 'prosecutor.a')}/")
    assert response is not None and response.status == 404
    assert_accessible(page, "not-found")


# --- Every section and every case sub-page, found by following the links users see -----------
# New pages are covered as soon as they are linked, without editing this file.

SKIPPED_LINK_ENDINGS = (".csv", ".ics", ".json", "/logout/")


def same_site_paths(page, selector: str) -> list[str]:
    hrefs = page.locator(selector).evaluate_all("links => links.map(a => a.getAttribute('href'))")
    paths = []
    for href in hrefs:
        if href and href.startswith("/") and not href.startswith("/admin/") and not href.endswith(SKIPPED_LINK_ENDINGS):
            path = href.split("#", 1)[0]
            if path and path not in paths:
                paths.append(path)
    return paths


def visit_and_check(page, path: str, label: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, f"{path} answered {response and response.status}"
    assert_accessible(page, label)


# Police liaison officers and administrators are covered by the home page test above.
@pytest.mark.parametrize("username", ["prosecutor.a", "manager.a", "unithead.a", "area.a", "hq.analyst", "inspector"])
def test_every_navigation_section(page, server, username):
    sign_in(page, username)
    page.goto("/")
    sections = same_site_paths(page, ".govuk-service-navigation__link")
    assert sections, f"{username} has no navigation"
    checked: list[str] = []
    for section in sections:
        page.goto(section)
        # The section's own pages, from its sub-navigation (none when the section has one page).
        for path in [section, *same_site_paths(page, ".moj-sub-navigation__link")]:
            if path not in checked:
                checked.append(path)
                visit_and_check(page, path, f"section-{username}-{path.strip('/').replace('/', '-') or 'home'}")


def test_each_role_sees_one_current_section(page, server):
    sign_in(page, "manager.a")
    for path in ("/cases/my/", "/quality/", "/oversight/", "/progression/tasks/"):
        page.goto(path)
        assert page.locator(".govuk-service-navigation__item--active").count() == 1, path
        assert page.locator(".moj-sub-navigation__link[aria-current=page]").count() <= 1, path


def test_paralegal_has_no_quality_section(page, server):
    sign_in(page, "paralegal.a")
    labels = page.locator(".govuk-service-navigation__link").all_inner_texts()
    assert "Quality" not in [label.strip() for label in labels]


def test_service_navigation_folds_into_a_menu_on_a_phone(page, server):
    sign_in(page, "manager.a")
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto("/cases/my/")
    menu = page.get_by_role("button", name="Menu")
    assert menu.is_visible()
    assert not page.locator("#navigation").is_visible()
    menu.click()
    assert page.locator("#navigation").is_visible()
    assert_accessible(page, "menu-open")


@pytest.mark.parametrize("page_name", ["help", "contact", "accessibility", "privacy", "feedback"])
def test_pages_about_the_service(page, server, page_name):
    visit_and_check(page, f"/service/{page_name}/", f"service-{page_name}")


def test_the_oversight_page_fits_the_window(page, server):
    sign_in(page, "hq.analyst")
    visit_and_check(page, "/oversight/", "oversight-fit")  # checked at 1280 and 320 px: no sideways scroll


def test_a_success_banner_after_a_save_has_focus_and_is_in_view(page, server):
    sign_in(page, "prosecutor.a")
    case_id = a_case_of(server.var_dir, "prosecutor.a")
    page.goto(f"/cases/{case_id}/reviews/new/")
    page.get_by_label("Type of review").select_option(index=1)
    page.get_by_label("Day").fill("1")
    page.get_by_label("Month").fill("12")
    page.get_by_label("Year").fill("2026")
    page.get_by_label("Findings").fill("File reviewed; nothing outstanding.")
    page.get_by_role("button", name="Record review").click()
    page.wait_for_load_state()
    banner = page.locator(".govuk-notification-banner--success")
    assert banner.is_visible()
    assert page.evaluate("document.activeElement.classList.contains('govuk-notification-banner')")
    assert banner.evaluate("el => el.getBoundingClientRect().top >= 0 && el.getBoundingClientRect().top < innerHeight")


def test_every_page_linked_from_a_case(page, server):
    case_id = a_case_of(server.var_dir, "prosecutor.a")
    sign_in(page, "prosecutor.a")
    # Every section of the case page, and every page linked from one of them.
    page.goto(f"/cases/{case_id}/")
    sections = list(dict.fromkeys([f"/cases/{case_id}/", *same_site_paths(page, ".moj-sub-navigation a")]))
    linked = []
    for section in sections:
        page.goto(section)
        linked += [path for path in same_site_paths(page, "main a") if f"/{case_id}/" in path and path not in sections]
    linked += sections[1:]
    assert linked, "the case page links to no forms or sub-pages"
    # One page per type: /defendants/102/edit/ and /defendants/103/edit/ are the same template.
    by_type = {re.sub(r"\d+", "N", path): path for path in reversed(linked)}
    for path in by_type.values():
        visit_and_check(page, path, "case-" + path.strip("/").replace("/", "-"))
        if path.endswith("/new/"):
            # The error state: sent empty, a form for adding something always has a problem to show.
            page.locator("main form button[type=submit]").last.click()
            page.wait_for_load_state()
            assert page.locator(".govuk-error-summary").is_visible(), f"{path}: no error summary when sent empty"
            assert page.title().startswith("Error: "), path
            assert_accessible(page, "case-errors-" + path.strip("/").replace("/", "-"))


def test_s62_export_page_and_its_errors(page, server):
    # The export form is reached from the audit pages rather than the navigation, so the
    # link-following tests above do not visit it.
    sign_in(page, "inspector")
    page.goto("/oversight/s62/")
    assert_accessible(page, "s62-export")
    page.get_by_role("button", name="Export").click()
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page, "s62-export-errors")


def test_background_export_pages(page, server):
    sign_in(page, "manager.a")
    page.goto("/cases/unit/")
    page.get_by_role("link", name="prepare it in the background").click()
    page.wait_for_load_state()
    assert_accessible(page, "export-background-form")
    page.get_by_label("Excel (XLSX)").check()
    page.get_by_label("Who will receive this file?").fill("Myself, for the unit meeting")
    page.get_by_label("What is it for?").fill("Weekly review of the unit's cases")
    page.get_by_role("button", name="Prepare the file").click()
    page.wait_for_load_state()
    assert page.locator("progress.casework-progress").count() == 1
    assert_accessible(page, "export-background-job")
    page.get_by_role("link", name="Your exports").first.click()
    page.wait_for_load_state()
    assert page.locator("main table").count() == 1
    assert_accessible(page, "export-background-list")
