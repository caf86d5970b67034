"""Helpers shared by the browser tests: signing in, screenshots, axe-core, known demo cases."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts"
AXE_SCRIPT = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
# The fixture sets this password for every demo account (CASEWORK_DEMO_PASSWORD).
DEMO_PASSWORD = "casework-demo-browser-tests"
# WCAG 2.2 AA, as axe-core tags it.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
URN_PATTERN = re.compile(r"\b\d{2}[A-Z]{2}\d{7,8}\b")


def sign_in(page: Any, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/login/" not in page.url, f"sign-in as {username} failed: {page.locator('main').inner_text()}"


def open_case_edit(page: Any) -> None:
    """From a case page, follow "Change case details" (a link styled as a button)."""
    page.get_by_role("button", name="Change case details").click()
    page.wait_for_load_state()
    assert re.search(r"/cases/\d+/edit/$", page.url), page.url


CCP_CONFLICT_MESSAGE = "Leave the CCP direction empty when you choose a listed criterion"


def enter_criterion_and_ccp_direction(page: Any) -> None:
    """On the case edit form, choose a listed criterion and also type a CCP direction (invalid)."""
    criterion = page.get_by_label("Acceptance criterion")
    values = [value for value in criterion.locator("option").evaluate_all("os => os.map(o => o.value)") if value]
    assert values, "no acceptance criteria to choose from"
    criterion.select_option(values[0])
    page.get_by_label("CCP direction").fill("The Chief Crown Prosecutor directed it here.")


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS_DIR / f"{name}.png"), full_page=True)


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact')}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"][:5]:
            lines.append(f"    {', '.join(node['target'])}: {node.get('failureSummary', '').splitlines()[-1:]}")
            lines.append(f"      {node['html'][:200]}")
    return "\n".join(lines)


#: Each page is checked as a desktop (1280 px) and as the smallest phone (320 px: WCAG reflow).
WIDTHS = (1280, 320)


def _axe(page: Any, name: str) -> list[dict[str, Any]]:
    # Evaluated through the DevTools protocol, so the page's own CSP (script-src 'self') does
    # not block it and the page is checked exactly as users get it.
    page.evaluate(AXE_SCRIPT.read_text())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    violations = _without_known_govuk_exception(result["violations"])
    if violations:
        screenshot(page, f"a11y-{name}")
        (ARTIFACTS_DIR / f"a11y-{name}.json").write_text(json.dumps(violations, indent=2))
    return violations


def _is_govuk_conditional_radio(node: dict[str, Any]) -> bool:
    """GOV.UK Frontend's conditional reveal puts aria-expanded on a radio: invalid under ARIA 1.2, kept on
    purpose by the Design System team because screen readers announce it (govuk-frontend issue 979,
    listed as a known axe finding). Only that exact case is set aside."""
    messages = [check.get("message", "") for check in node.get("any", []) + node.get("all", []) + node.get("none", [])]
    return (
        "govuk-radios__input" in node.get("html", "")
        and 'aria-controls="conditional-' in node.get("html", "")
        and bool(messages)
        and all(message.startswith("ARIA attribute is not allowed: aria-expanded") for message in messages)
    )


def _without_known_govuk_exception(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    kept = []
    for violation in violations:
        if violation["id"] == "aria-allowed-attr":
            nodes = [node for node in violation["nodes"] if not _is_govuk_conditional_radio(node)]
            if not nodes:
                continue
            violation = {**violation, "nodes": nodes}
        kept.append(violation)
    return kept


def page_overflow(page: Any) -> int:
    """How many pixels the page is wider than the window (0 when nothing spills sideways)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def assert_accessible(page: Any, name: str) -> None:
    """Run axe-core against the current page for WCAG 2.2 AA at each width; fail listing every
    violation. At each width the page itself must not scroll sideways (wide tables scroll inside
    their own region)."""
    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing: run `npm ci` (axe-core is a devDependency)")
    problems = []
    original = page.viewport_size or {"width": 1280, "height": 900}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": original["height"]})
        violations = _axe(page, f"{name}-{width}")
        if violations:
            problems.append(f"at {width} px:\n{format_violations(violations)}")
        overflow = page_overflow(page)
        if overflow > 0:
            screenshot(page, f"overflow-{name}-{width}")
            problems.append(f"at {width} px the page is {overflow} px wider than the window")
    page.set_viewport_size(original)
    assert not problems, f"accessibility problems on {name} ({page.url}):\n" + "\n".join(problems)


def case_ids(var_dir: Path, sql: str, *params: Any) -> list[int]:
    """Read ids straight from the server's SQLite file (read-only), to aim at known cases."""
    uri = f"file:{var_dir / 'casework.sqlite3'}?mode=ro"
    with sqlite3.connect(uri, uri=True) as db:
        return [row[0] for row in db.execute(sql, params)]


def a_case_of(var_dir: Path, username: str) -> int:
    """A case that is this caseworker's own work (allocated, deputy or paralegal)."""
    ids = case_ids(
        var_dir,
        "SELECT c.id FROM cases_case c JOIN people_user u "
        "ON u.id IN (c.allocated_lawyer_id, c.deputy_lawyer_id, c.paralegal_id) "
        "WHERE u.username = ? ORDER BY c.id LIMIT 1",
        username,
    )
    assert ids, f"the demo data gives {username} no case of their own"
    return ids[0]


def case_urn(var_dir: Path, case_id: int) -> str:
    uri = f"file:{var_dir / 'casework.sqlite3'}?mode=ro"
    with sqlite3.connect(uri, uri=True) as db:
        row = db.execute("SELECT urn FROM cases_case WHERE id = ?", (case_id,)).fetchone()
    assert row, f"no case {case_id}"
    return str(row[0])
