"""docs/progression.md lists every shipped time-limit rule with its effective date and source,
and states the counting conventions the engine uses."""

from __future__ import annotations

from pathlib import Path

from casework.progression.rule_tables import RULES

DOC = Path(__file__).resolve().parents[2] / "docs" / "progression.md"


def test_every_rule_is_documented_with_its_effective_date_and_source():
    text = DOC.read_text(encoding="utf-8")
    for rule in RULES:
        row = next((line for line in text.splitlines() if line.startswith(f"| `{rule.code}` | {rule.title} |")), "")
        assert row, rule.code
        assert f"{rule.effective_from:%-d %B %Y}" in row and rule.source in row


def test_the_counting_conventions_are_written_down():
    text = DOC.read_text(encoding="utf-8")
    for convention in (
        "The first remand day is not counted; a re-remand day is.",
        "Days used before bail = bail date − remand date",
        "After a re-remand on day R with L days left: expiry = R + L − 1",
        "the earlier expiry",
    ):
        assert convention in text
