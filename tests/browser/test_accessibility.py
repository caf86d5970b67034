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
        page.goto("/")
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
    page.goto("/")
    page.get_by_role("link", name="Audit trail").first.click()
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
    for path in sections:
        visit_and_check(page, path, f"section-{username}-{path.strip('/').replace('/', '-') or 'home'}")


def test_every_page_linked_from_a_case(page, server):
    case_id = a_case_of(server.var_dir, "prosecutor.a")
    sign_in(page, "prosecutor.a")
    page.goto(f"/cases/{case_id}/")
    linked = [
        path for path in same_site_paths(page, "main a") if f"/{case_id}/" in path and path != f"/cases/{case_id}/"
    ]
    assert linked, "the case page links to no forms or sub-pages"
    # One page per type: /defendants/102/edit/ and /defendants/103/edit/ are the same template.
    by_type = {re.sub(r"\d+", "N", path): path for path in reversed(linked)}
    for path in by_type.values():
        visit_and_check(page, path, "case-" + path.strip("/").replace("/", "-"))


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
