"""In a real browser: a manager runs a custody time limit from the first remand to the dual check
and finds it on the progression board; a manager follows the assurance dashboard to a failing case;
a prosecutor requests a sign-off and the manager approves it from "My approvals"."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from typing import Any

import pytest

from tests.browser.support import assert_accessible, case_ids, screenshot, sign_in

pytestmark = pytest.mark.browser


def fill_date(page: Any, name: str, day: dt.date) -> None:
    page.locator(f"input[name={name}_day]").fill(str(day.day))
    page.locator(f"input[name={name}_month]").fill(str(day.month))
    page.locator(f"input[name={name}_year]").fill(str(day.year))


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def a_charge_without_a_clock(server: Any) -> tuple[int, int]:
    """A unit A case after charge whose legal manager is manager.a, and one of its charges with no clock."""
    rows = case_ids(
        server.var_dir,
        "SELECT ch.id FROM cases_charge ch JOIN cases_defendant d ON d.id = ch.defendant_id "
        "JOIN cases_case c ON c.id = d.case_id JOIN people_unit u ON u.id = c.unit_id "
        "WHERE u.code = 'ccu-wessex' AND c.stage IN ('charged', 'ptph', 'trial_preparation') "
        "AND ch.id NOT IN (SELECT charge_id FROM progression_custodyclock) ORDER BY ch.id LIMIT 1",
    )
    assert rows, "the demo data has no charged unit A case without a custody clock"
    charge_id = rows[0]
    (case_id,) = case_ids(
        server.var_dir,
        "SELECT d.case_id FROM cases_charge ch JOIN cases_defendant d ON d.id = ch.defendant_id WHERE ch.id = ?",
        charge_id,
    )
    return case_id, charge_id


def clock_expiry(server: Any, charge_id: int) -> dt.date:
    uri = f"file:{server.var_dir / 'casework.sqlite3'}?mode=ro"
    with sqlite3.connect(uri, uri=True) as db:
        (value,) = db.execute(
            "SELECT expires_on FROM progression_custodyclock WHERE charge_id = ?", (charge_id,)
        ).fetchone()
    return dt.date.fromisoformat(value)


def test_manager_runs_a_custody_time_limit_and_finds_it_on_the_board(page, server) -> None:
    case_id, charge_id = a_charge_without_a_clock(server)
    today = dt.date.today()
    sent_on = today - dt.timedelta(days=170)  # 182 days from sending: expires in about 12 days

    sign_in(page, "manager.a")
    page.goto(server.url(f"/progression/cases/{case_id}/"))
    assert_accessible(page, "progression-case")
    page.get_by_role("link", name="Start a custody time limit clock on a charge").click()
    page.get_by_label("Charge").select_option(str(charge_id))
    page.get_by_label("Sent to the Crown Court (182 days less magistrates' custody)").check()
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()

    for kind in ("Remanded in custody", "Sent to the Crown Court"):
        page.get_by_role("link", name=re.compile("^Record event")).first.click()
        page.get_by_label(kind, exact=True).check()
        fill_date(page, "occurred_on", sent_on)
        page.locator("main form button[type=submit]").last.click()
        page.wait_for_load_state()
        assert page.locator(".govuk-error-summary").count() == 0, page.locator("main").inner_text()

    expires = clock_expiry(server, charge_id)
    main = page.locator("main").inner_text()
    # The rule's reference is under "How this was worked out"; the date is written in full.
    assert "ctl.crown" in page.content() and f"{expires.day} {expires:%B %Y}" in main, main
    screenshot(page, "progression-clock")

    # The dual check is a second person's (the one who recorded the events may not do it).
    sign_out(page)

    sign_in(page, "unithead.a")
    page.goto(server.url(f"/progression/cases/{case_id}/"))
    page.get_by_role("link", name=re.compile("^Check expiry")).first.click()
    fill_date(page, "confirmed_expiry", expires)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert "Checked" in page.locator("main").inner_text(), page.locator("main").inner_text()
    sign_out(page)

    sign_in(page, "manager.a")
    page.get_by_role("link", name="Tasks", exact=True).first.click()
    page.get_by_role("link", name="Progression board", exact=True).first.click()
    page.wait_for_load_state()
    assert_accessible(page, "progression-board")
    ctl_table = page.locator("#ctl + .casework-scroll-x table")
    urn = case_ids(server.var_dir, "SELECT urn FROM cases_case WHERE id = ?", case_id)
    row = ctl_table.get_by_role("row").filter(has_text=str(urn[0]))
    assert row.count() >= 1, page.locator("main").inner_text()
    assert "Checked" in row.first.inner_text()
    screenshot(page, "progression-board")
    row.first.get_by_role("link").first.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/progression/cases/{case_id}/")


def test_manager_follows_the_dashboard_to_a_failing_case(page, server) -> None:
    sign_in(page, "manager.a")
    page.get_by_role("link", name="Assurance", exact=True).first.click()
    page.get_by_role("link", name="Assurance dashboard", exact=True).first.click()
    page.wait_for_load_state()
    assert_accessible(page, "assurance-dashboard")
    failing = page.locator("main table a[href*='/assurance/dashboard/rules/']")
    assert failing.count() >= 1, "the demo unit shows no failing rule"
    failing.first.click()
    page.wait_for_load_state()
    assert_accessible(page, "assurance-failing-cases")
    page.locator("main table a[href^='/cases/']").first.click()
    page.wait_for_load_state()
    assert re.search(r"/cases/\d+/(compliance/)?(#assurance-heading)?$", page.url), page.url
    assert "Not met" in page.locator("main").inner_text()
    screenshot(page, "assurance-failing-case")


def test_prosecutor_requests_a_sign_off_and_the_manager_approves_it(page, server) -> None:
    """prosecutor.a's case, managed by manager.a, so the request is routed to manager.a."""
    candidates = case_ids(
        server.var_dir,
        "SELECT c.id FROM cases_case c JOIN people_user l ON l.id = c.allocated_lawyer_id "
        "JOIN people_user m ON m.id = c.legal_manager_id WHERE l.username = 'prosecutor.a' "
        "AND m.username = 'manager.a' ORDER BY c.id",
    )
    assert candidates, "the demo gives prosecutor.a no case managed by manager.a"
    case_id = candidates[0]
    (urn,) = [str(u) for u in case_ids(server.var_dir, "SELECT urn FROM cases_case WHERE id = ?", case_id)]
    # A checkpoint with no pending or approved sign-off yet on this case.
    open_checkpoints = case_ids(
        server.var_dir,
        "SELECT k.id FROM assurance_checkpoint k WHERE k.effective_to IS NULL AND k.id NOT IN ("
        "SELECT checkpoint_id FROM assurance_signoffrequest WHERE case_id = ? AND status IN ('pending', 'approved')) "
        "ORDER BY k.code",
        case_id,
    )
    assert open_checkpoints, "every checkpoint already has a sign-off on this case"

    sign_in(page, "prosecutor.a")
    page.goto(server.url(f"/cases/{case_id}/compliance/"))
    page.get_by_role("link", name="Request a sign-off").click()
    page.wait_for_load_state()
    assert_accessible(page, "assurance-signoff-request")
    page.locator(f"input[name=checkpoint][value='{_checkpoint_code(server, open_checkpoints[0])}']").check()
    page.get_by_label("Note for the approver").fill("Ready for your review.")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").count() == 0, page.locator("main").inner_text()
    sign_out(page)

    sign_in(page, "manager.a")
    page.get_by_role("link", name="Assurance", exact=True).first.click()
    page.wait_for_load_state()
    assert_accessible(page, "assurance-approvals")
    row = page.locator("main table tr").filter(has_text=urn)
    assert row.count() >= 1, page.locator("main").inner_text()
    row.first.get_by_role("link", name=re.compile("^Decide")).click()
    page.wait_for_load_state()
    page.get_by_label("Approve", exact=True).check()
    page.get_by_label("Rationale").fill("The strategy and the decision are sound.")
    page.get_by_role("button", name="Save decision").click()
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").count() == 0, page.locator("main").inner_text()
    screenshot(page, "assurance-approved")
    assert case_ids(
        server.var_dir,
        "SELECT s.id FROM assurance_signoffrequest s WHERE s.case_id = ? AND s.checkpoint_id = ? "
        "AND s.status = 'approved'",
        case_id,
        open_checkpoints[0],
    ), "the sign-off was not recorded as approved"


def _checkpoint_code(server: Any, checkpoint_id: int) -> str:
    uri = f"file:{server.var_dir / 'casework.sqlite3'}?mode=ro"
    with sqlite3.connect(uri, uri=True) as db:
        (code,) = db.execute("SELECT code FROM assurance_checkpoint WHERE id = ?", (checkpoint_id,)).fetchone()
    return str(code)
