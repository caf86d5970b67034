"""docs/assurance.md lists every shipped rule and checkpoint (the table is generated from the library)."""

from __future__ import annotations

from pathlib import Path

from casework.assurance.rule_library import CHECKPOINTS, RULES

DOC = Path(__file__).resolve().parents[2] / "docs" / "assurance.md"


def test_every_rule_and_checkpoint_is_documented_with_its_source():
    text = DOC.read_text(encoding="utf-8")
    for rule in RULES:
        assert f"| `{rule.code}` | {rule.title} |" in text and rule.source in text
    for checkpoint in CHECKPOINTS:
        assert f"| `{checkpoint.code}` | {checkpoint.title} |" in text
