"""The five kinds of tampering, each done through raw SQL with the append-only triggers dropped
(inside the test transaction, so the rollback restores them), each caught by
`casework audit verify --checkpoints DIR` and, from a directory export of the tampered database,
by the standalone verifier, both naming the first bad seq (8 in every case here).

Checkpoints are signed at 7 and 12 events, so even a fully recomputed chain is pinned to event 8.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from casework.audit import chain, standalone_verify
from casework.audit.checkpoints import checkpoint_create
from casework.audit.services import iter_chain_rows
from tests.audit.conftest import drop_append_only_triggers, raw
from tests.audit.test_tamper import rewrite_history_from

VERIFIER = Path(standalone_verify.__file__)
INSERT_SQL = (
    f"INSERT INTO audit_auditevent ({', '.join(chain.STORED_FIELDS)}, prev_hash, hash)"
    f" VALUES ({', '.join(['%s'] * (len(chain.STORED_FIELDS) + 2))})"
)


def edit_event() -> None:
    drop_append_only_triggers()
    raw("UPDATE audit_auditevent SET subject_label = 'Nothing to see' WHERE seq = 8")


def delete_event() -> None:
    drop_append_only_triggers()
    raw("DELETE FROM audit_auditevent WHERE seq = 8")


def insert_event() -> None:
    """A forged event slipped in as seq 8, correctly hashed onto seq 7; the later events move up
    one place, keeping their stored hashes (recomputing them is the fifth kind)."""
    drop_append_only_triggers()
    rows = list(iter_chain_rows())
    for seq in range(len(rows), 7, -1):  # highest first, so seq stays unique at every step
        raw("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [seq + 1, seq])
    at = {name: i for i, name in enumerate(chain.STORED_FIELDS)}
    values = list(rows[7][:-2])
    values[at["subject_label"]] = "Forged entry"
    values[at["commitment"]] = chain.commitment(values[at["salt"]], *(values[at[n]] for n in chain.PERSONAL_FIELDS))
    prev_hash = rows[6][-1]
    raw(INSERT_SQL, [*values, prev_hash, chain.stored_row_hash(prev_hash, [*values, prev_hash, ""])])


def truncate_tail() -> None:
    drop_append_only_triggers()
    raw("DELETE FROM audit_auditevent WHERE seq >= 8")


def recompute_chain() -> None:
    rewrite_history_from(8, "Rewritten")


TAMPERING: dict[str, Callable[[], None]] = {
    "edited event": edit_event,
    "deleted event": delete_event,
    "inserted event": insert_event,
    "truncated tail": truncate_tail,
    "fully recomputed chain": recompute_chain,
}


@pytest.fixture
def signed_trail(make_events, audit_paths: Path, settings) -> Path:
    """12 events with checkpoints at 7 and 12; returns an inspector's copy of the checkpoint files."""
    make_events(7)
    checkpoint_create()
    make_events(5)
    checkpoint_create()
    copy = audit_paths / "inspector-copy"
    shutil.copytree(settings.AUDIT_CHECKPOINT_DIR, copy)
    return copy


def verify_json(*args: str) -> tuple[int, dict]:
    out = StringIO()
    code = 0
    try:
        call_command("audit", "verify", "--json", *args, stdout=out)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, json.loads(out.getvalue())


def export_directory(out: Path) -> None:
    call_command(
        "audit", "export", "--out", str(out), "--justification", "Inspection", "--recipient", "HMCPSI",
        stdout=StringIO(),
    )  # fmt: skip


def run_verifier(*args: str) -> tuple[int, dict]:
    result = subprocess.run(
        [sys.executable, "-I", str(VERIFIER), *args, "--json"], capture_output=True, text=True, timeout=120, check=False
    )
    return result.returncode, json.loads(result.stdout) if result.stdout.strip() else {}


def test_the_untouched_trail_verifies_from_a_checkpoint_copy_and_from_an_export(signed_trail, tmp_path, settings):
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "empty-store"
    code, report = verify_json("--checkpoints", str(signed_trail))
    assert (code, report["intact"], report["first_broken_seq"]) == (0, True, None)
    assert [c["tree_size"] for c in report["checkpoints"]] == [7, 12]
    assert all(c["file"].startswith(str(signed_trail)) for c in report["checkpoints"])
    settings.AUDIT_CHECKPOINT_DIR = signed_trail
    export_directory(tmp_path / "export")
    code, standalone = run_verifier(str(tmp_path / "export"))
    assert code == 0, standalone
    assert standalone["proofs_checked"] == 12
    assert standalone["key_source"] == "public-key.txt in the export"


@pytest.mark.parametrize("tamper", TAMPERING.values(), ids=TAMPERING.keys())
def test_verify_with_a_checkpoint_copy_names_the_first_bad_seq(tamper, signed_trail, tmp_path, settings):
    tamper()
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "wiped-store"  # only the inspector's copy is left
    code, report = verify_json("--checkpoints", str(signed_trail))
    assert code == 1
    assert report["intact"] is False
    assert report["first_broken_seq"] == 8, report


@pytest.mark.parametrize("tamper", TAMPERING.values(), ids=TAMPERING.keys())
def test_the_standalone_verifier_names_the_first_bad_seq_from_an_export(tamper, signed_trail, tmp_path):
    tamper()
    export_directory(tmp_path / "export")
    code, report = run_verifier(str(tmp_path / "export"))
    assert code == 1, report
    assert report["intact"] is False
    assert report["first_broken_seq"] == 8, report
