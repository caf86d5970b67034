"""In a real browser: an inspector draws a file sample, examines one sampled file, sees the answers
in the aggregated results and downloads an evidence pack, whose production is a `disclose` event."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import assert_accessible, case_ids, screenshot, sign_in

pytestmark = pytest.mark.browser

SAMPLE_TITLE = "Browser journey sample"
# One answer per question of the default file-examination set, spread over the scale.
ANSWERS = {
    "acceptance": "fully",
    "case-strategy": "fully",
    "charging": "partially",
    "disclosure": "not_met",
    "ctl": "na",
    "victims": "fully",
    "progression": "partially",
    "sign-off": "fully",
}


def disclose_events(var_dir: Path, case_id: int) -> list[int]:
    return case_ids(
        var_dir,
        "SELECT seq FROM audit_auditevent WHERE action = 'disclose' AND case_id = ? "
        "AND recipient = 'HM Crown Prosecution Service Inspectorate' ORDER BY seq",
        case_id,
    )


def download(page: Any, button_name: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("button", name=button_name).click()
    return Path(info.value.path()).read_bytes()


def test_inspector_samples_examines_and_downloads_an_evidence_pack(page: Any, server: Any) -> None:
    sign_in(page, "inspector")
    page.goto(server.url("/oversight/samples/"))
    assert_accessible(page, "inspection-samples")

    page.get_by_label("Title of the sample").fill(SAMPLE_TITLE)
    page.get_by_label("Draw reference").fill("browser-journey-1")
    page.get_by_label("Files per unit").fill("2")
    page.get_by_role("button", name="Draw sample").click()
    page.wait_for_load_state()
    assert re.search(r"/oversight/samples/\d+/$", page.url), page.locator("main").inner_text()
    assert page.get_by_role("heading", level=1, name=SAMPLE_TITLE).is_visible()
    assert "Sample drawn:" in page.locator("body").inner_text()
    sample_url = page.url
    assert_accessible(page, "inspection-sample")
    screenshot(page, "inspection-sample")

    # Open the first sampled file: the examination page (opening it is a logged consultation).
    page.get_by_role("link", name=re.compile(r"^Examine")).first.click()
    page.wait_for_load_state()
    assert re.search(r"/oversight/samples/\d+/files/\d+/$", page.url), page.url
    urn = page.get_by_role("heading", level=1).inner_text().removeprefix("File examination: ").strip()
    assert_accessible(page, "inspection-examine")

    for code, answer in ANSWERS.items():
        page.locator(f"input[name=answer_{code}][value={answer}]").check()
    page.locator("#id_note_disclosure").fill("No disclosure management document on file.")
    page.get_by_role("button", name="Save answers").click()
    page.wait_for_load_state()
    assert f"answers saved for {urn}" in page.locator("body").inner_text()

    # The aggregated results now hold this file's answers (one file answered: 100% for its answer).
    results = page.locator("table").first
    rows = {
        row.locator("th").inner_text().strip(): [cell.inner_text().strip() for cell in row.locator("td").all()]
        for row in results.locator("tbody tr").all()
    }
    assert rows["The case met the unit's acceptance criteria and the basis was recorded."][:3] == [
        "100.0%",
        "0.0%",
        "0.0%",
    ]
    assert rows["Disclosure obligations were met and the disclosure strategy recorded."][:3] == [
        "0.0%",
        "0.0%",
        "100.0%",
    ]
    assert rows["Custody time limits were correctly calculated, dual-checked and monitored."] == ["–", "–", "–", "1"]
    file_row = page.locator("tr", has_text=urn)
    assert f"{len(ANSWERS)} of {len(ANSWERS)}" in file_row.inner_text()
    screenshot(page, "inspection-results")

    # Evidence pack for the examined case, as a PDF, then for the whole sample as a ZIP.
    file_row.get_by_role("link", name=re.compile(r"^Evidence pack")).click()
    page.wait_for_load_state()
    assert re.search(r"/oversight/cases/\d+/pack/$", page.url), page.url
    case_id = int(page.url.rstrip("/").split("/")[-2])
    assert_accessible(page, "evidence-pack-form")
    before = disclose_events(server.var_dir, case_id)

    page.get_by_label("Why is this being disclosed?").fill("Inspection of complex casework units")
    page.get_by_label("Who will receive it?").fill("HM Crown Prosecution Service Inspectorate")
    page.get_by_label("PDF document, to read").check()
    body = download(page, "Download the evidence pack")
    assert body.startswith(b"%PDF-"), body[:20]
    assert len(disclose_events(server.var_dir, case_id)) == len(before) + 1

    page.goto(sample_url)
    page.get_by_role("link", name="Download an evidence pack for this sample").click()
    page.wait_for_load_state()
    page.get_by_label("Why is this being disclosed?").fill("Inspection of complex casework units")
    page.get_by_label("Who will receive it?").fill("HM Crown Prosecution Service Inspectorate")
    page.get_by_label(re.compile("^ZIP file of the audit events")).check()
    body = download(page, "Download the evidence pack")
    assert body.startswith(b"PK\x03\x04"), body[:20]
    assert len(disclose_events(server.var_dir, case_id)) == len(before) + 2


def test_the_error_pages_of_the_inspection_journey_are_accessible(page: Any, server: Any) -> None:
    """A sample drawn with nothing filled in shows the error summary; it must stay accessible too."""
    sign_in(page, "inspector")
    page.goto(server.url("/oversight/samples/"))
    page.get_by_role("button", name="Draw sample").click()
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").count() == 1
    assert page.title().startswith("Error:")
    assert_accessible(page, "inspection-samples-errors")
