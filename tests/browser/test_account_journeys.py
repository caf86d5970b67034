"""Account journeys in the browser: an invitation e-mail, a password reset e-mail and setting up
an authenticator app, each page checked with axe-core. E-mails are written as JSON files by the
file backend when the worker runs (`casework worker --batch`), and read back from there."""

from __future__ import annotations

import base64
import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from django_otp.oath import totp

from tests.browser.conftest import Server, run_casework, server_environment
from tests.browser.support import DEMO_PASSWORD, assert_accessible, screenshot, sign_in

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a-brand-new-browser-passphrase"
README_LOGINS = ("prosecutor.a", "paralegal.a", "manager.a", "unithead.a", "area.a", "prosecutor.b", "hq.analyst",
                 "inspector", "police.x", "police.y", "admin")  # fmt: skip


def spare_caseworkers(var_dir: Path, count: int) -> list[tuple[int, str, str]]:
    """Demo caseworkers no other browser test signs in as: (id, username, email)."""
    uri = f"file:{var_dir / 'casework.sqlite3'}?mode=ro"
    marks = ",".join("?" * len(README_LOGINS))
    with sqlite3.connect(uri, uri=True) as db:
        rows = db.execute(
            f"SELECT id, username, email FROM people_user WHERE is_active AND email != '' "
            f"AND username NOT IN ({marks}) AND police_force_id IS NULL ORDER BY id DESC LIMIT ?",
            (*README_LOGINS, count + 5),
        ).fetchall()
    return [(int(r[0]), str(r[1]), str(r[2])) for r in rows][-count:]


def deliver_and_read(server: Server, kind: str, to: str) -> dict[str, Any]:
    """Run the worker once (it sends what is queued) and return the newest e-mail of this kind to `to`."""
    run_casework(["worker", "--batch", "--no-schedule"], server_environment(server.var_dir), server.log, timeout=120)
    found = []
    for path in (server.var_dir / "outbox").glob("*.json"):
        message = json.loads(path.read_text())
        if message["kind"] == kind and message["email_address"] == to:
            found.append((path.stat().st_mtime, message))
    assert found, f"no {kind} e-mail to {to} in {server.var_dir / 'outbox'}"
    return max(found, key=lambda item: item[0])[1]


def link_path(message: dict[str, Any]) -> str:
    match = re.search(r"https?://[^/]+(/account/set-password/[^/]+/)", message["personalisation"]["link"])
    assert match, message
    return match.group(1)


def sign_in_as(page: Any, username: str, password: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_invitation_journey(browser, page, server):
    ((person_id, username, email),) = spare_caseworkers(server.var_dir, 1)
    sign_in(page, "admin")
    page.goto("/accounts/")
    page.get_by_label("Search by name, username or email").fill(username)
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state()
    assert_accessible(page, "accounts-list")
    page.locator("main table tbody a").first.click()
    page.wait_for_load_state()
    assert f"/accounts/{person_id}/" in page.url
    assert_accessible(page, "account-detail")
    page.get_by_role("button", name=re.compile("invitation e-mail")).click()
    page.wait_for_load_state()
    assert "Invitation sent" in page.locator("main").inner_text()

    message = deliver_and_read(server, "invitation", email)
    assert message["personalisation"]["username"] == username
    newcomer = browser.new_context(base_url=server.base_url)
    invited = newcomer.new_page()
    invited.goto(link_path(message))
    assert invited.locator("h1").inner_text() == "Create your password"
    assert_accessible(invited, "invitation-set-password")
    invited.get_by_label("Create a password").fill("short")
    invited.get_by_label("Confirm your password").fill("short")
    invited.get_by_role("button", name="Create password").click()
    invited.wait_for_load_state()
    assert invited.title().startswith("Error:")
    assert_accessible(invited, "invitation-set-password-error")
    invited.get_by_label("Create a password").fill(NEW_PASSWORD)
    invited.get_by_label("Confirm your password").fill(NEW_PASSWORD)
    invited.get_by_role("button", name="Create password").click()
    invited.wait_for_load_state()
    assert invited.url.endswith("/login/") and "Your password has been set" in invited.locator("main").inner_text()
    sign_in_as(invited, username, NEW_PASSWORD)
    assert "/login/" not in invited.url
    invited.goto(link_path(message))
    assert "expired or has already been used" in invited.locator("h1").inner_text()
    assert_accessible(invited, "link-used")
    screenshot(invited, "invitation-link-used")
    newcomer.close()


def test_password_reset_journey(page, server):
    _, (_person_id, username, email) = spare_caseworkers(server.var_dir, 2)
    page.goto("/login/")
    page.get_by_role("link", name="I have forgotten my password").click()
    page.wait_for_load_state()
    assert_accessible(page, "password-reset")
    page.get_by_role("button", name="Send me a link").click()
    page.wait_for_load_state()
    assert page.title().startswith("Error:") and "Enter your email address" in page.locator("main").inner_text()
    page.get_by_label("Email address").fill(email.upper())
    page.get_by_role("button", name="Send me a link").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Check your email"
    assert_accessible(page, "password-reset-sent")

    message = deliver_and_read(server, "password_reset", email)
    page.goto(link_path(message))
    assert page.locator("h1").inner_text() == "Choose a new password"
    page.get_by_label("Create a password").fill(NEW_PASSWORD)
    page.get_by_label("Confirm your password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    page.wait_for_load_state()
    sign_in_as(page, username, NEW_PASSWORD)
    assert "/login/" not in page.url


def test_authenticator_journey(page, server):
    _, _, (_person_id, username, _email) = spare_caseworkers(server.var_dir, 3)
    sign_in_as(page, username, DEMO_PASSWORD)
    page.goto("/account/")
    assert_accessible(page, "your-account")
    page.get_by_role("link", name="Set up an authenticator app").click()
    page.wait_for_load_state()
    assert page.locator("img[alt^='QR code']").count() == 1
    page.get_by_text("I cannot scan the QR code").click()
    assert_accessible(page, "set-up-authenticator")
    key = page.locator("#authenticator-key").inner_text().replace(" ", "")
    secret = base64.b32decode(key + "=" * (-len(key) % 8))
    page.get_by_label("Code from your app").fill("000000" if f"{totp(secret):06d}" != "000000" else "111111")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert page.title().startswith("Error:")
    assert_accessible(page, "set-up-authenticator-error")
    page.get_by_label("Code from your app").fill(f"{totp(secret):06d}")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    assert_accessible(page, "recovery-codes")
    screenshot(page, "recovery-codes")
    page.get_by_role("button", name="I have saved my recovery codes").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()

    # The next sign-in asks for the code; a recovery code works too.
    sign_in_as(page, username, DEMO_PASSWORD)
    assert page.url.endswith("/login/code/")
    assert_accessible(page, "sign-in-code")
    page.get_by_label("Security code").fill(codes[0].strip())
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert "/login/" not in page.url
    assert "You used a recovery code" in page.locator("main").inner_text()
