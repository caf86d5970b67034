"""Remake the role overview screenshots in docs/screenshots/ from a running demo.

    uv run casework demo --port 8000          # in one terminal (loads the demo data when empty)
    uv run python scripts/screenshots.py      # in another: signs in as each role, saves the PNGs

Each screenshot is the page a role lands on after sign-in, 1280 pixels wide, saved as a palette
PNG so it stays small. Chromium is Debian's (/usr/bin/chromium, CASEWORK_CHROMIUM to change);
the password is the demo's (CASEWORK_DEMO_PASSWORD, default casework-demo-2026).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

REPO_ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = REPO_ROOT / "docs" / "screenshots"
WIDTH = 1280
MAX_HEIGHT = 2400  # long overviews are cut here: the top of the page is what the role sees first

#: (demo login, file name): one per role, as described in docs/workday.md.
ROLES = (
    ("prosecutor.a", "prosecutor"),
    ("paralegal.a", "paralegal"),
    ("manager.a", "legal-manager"),
    ("unithead.a", "unit-head"),
    ("area.a", "area-leadership"),
    ("hq.analyst", "hq-analyst"),
    ("hq.policy", "hq-policy"),
    ("inspector", "inspector"),
    ("police.x", "police-liaison"),
    ("records.a", "records-officer"),
    ("admin", "administrator"),
)


def small_png(raw: bytes) -> bytes:
    """The screenshot as a 256-colour PNG: GOV.UK pages use few colours, so nothing visible is lost."""
    image = Image.open(io.BytesIO(raw)).convert("RGB")
    if image.height > MAX_HEIGHT:
        image = image.crop((0, 0, image.width, MAX_HEIGHT))
    out = io.BytesIO()
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(out, format="PNG", optimize=True)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--chromium", default=os.environ.get("CASEWORK_CHROMIUM", "/usr/bin/chromium"))
    args = parser.parse_args()
    password = os.environ.get("CASEWORK_DEMO_PASSWORD", "casework-demo-2026")
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=args.chromium, args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        try:
            for username, name in ROLES:
                context = browser.new_context(base_url=args.base_url, viewport={"width": WIDTH, "height": 900})
                page = context.new_page()
                page.goto("/login/")
                page.get_by_label("Username").fill(username)
                page.get_by_label("Password").fill(password)
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_load_state("networkidle")
                if "/login/" in page.url:
                    print(f"sign-in as {username} failed: is the demo loaded?", file=sys.stderr)
                    return 1
                png = small_png(page.screenshot(full_page=True))
                target = args.out / f"{name}.png"
                target.write_bytes(png)
                print(
                    f"{target.relative_to(REPO_ROOT) if target.is_relative_to(REPO_ROOT) else target}: "
                    f"{username} lands on {page.url.removeprefix(args.base_url)} ({len(png) // 1024} KB)"
                )
                context.close()
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
