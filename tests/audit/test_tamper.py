"""Tampering with the trail, with the append-only triggers dropped (inside the test transaction,
so the rollback restores them), is caught by `casework audit verify` and names the first broken seq."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from casework.audit import chain
from casework.audit.checkpoints import checkpoint_create
from casework.audit.services import iter_chain_rows
from tests.audit.conftest import drop_append_only_triggers, raw


def run_verify(capsys) -> tuple[int, dict]:
    code = 0
    try:
        call_command("audit", "verify", "--json")
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, json.loads(capsys.readouterr().out)


def test_an_untouched_trail_verifies(make_events, capsys):
    make_events(20)
    checkpoint_create()
    code, report = run_verify(capsys)
    assert code == 0
    assert report["intact"] is True
    assert report["events_checked"] == 20
    assert report["first_broken_seq"] is None
    assert report["events_per_second"] > 0
    assert [c["tree_size"] for c in report["checkpoints"]] == [20]
    assert report["checkpoints"][0]["ok"] is True


def test_an_edited_event_is_named(make_events, capsys):
    make_events(10)
    drop_append_only_triggers()
    raw("UPDATE audit_auditevent SET subject_label = 'Nothing to see' WHERE seq = 6")
    code, report = run_verify(capsys)
    assert code == 1
    assert report["intact"] is False
    assert report["first_broken_seq"] == 6
    assert "altered" in report["reason"]


def test_a_deleted_event_is_named(make_events, capsys):
    make_events(10)
    drop_append_only_triggers()
    raw("DELETE FROM audit_auditevent WHERE seq = 4")
    code, report = run_verify(capsys)
    assert code == 1
    assert report["first_broken_seq"] == 4


def test_an_event_inserted_with_a_wrong_prev_hash_is_named(make_events, capsys):
    make_events(5)
    values = [
        6,
        "2026-01-01 00:00:00.000000",
        None,
        "intruder",
        "",
        "",
        "alter",
        "",
        "",
        "",
        None,
        "",
        "",
        "",
        "",
        "",
        "",
    ]
    forged_prev = "f" * 64
    raw(
        "INSERT INTO audit_auditevent (seq, occurred_at, actor_id, actor_label, actor_role, actor_unit, action,"
        " subject_type, subject_id, subject_label, case_id, changes, justification, recipient, request_id,"
        " client_address, channel, prev_hash, hash) VALUES (" + ", ".join(["%s"] * 19) + ")",
        [*values, forged_prev, chain.event_hash(forged_prev, values)],
    )
    code, report = run_verify(capsys)
    assert code == 1
    assert report["first_broken_seq"] == 6
    assert "prev_hash" in report["reason"]


def test_an_event_inserted_out_of_order_is_named(make_events, capsys):
    make_events(5)
    last_hash = list(iter_chain_rows())[-1][-1]
    values = [
        8,
        "2026-01-01 00:00:00.000000",
        None,
        "intruder",
        "",
        "",
        "alter",
        "",
        "",
        "",
        None,
        "",
        "",
        "",
        "",
        "",
        "",
    ]
    raw(
        "INSERT INTO audit_auditevent (seq, occurred_at, actor_id, actor_label, actor_role, actor_unit, action,"
        " subject_type, subject_id, subject_label, case_id, changes, justification, recipient, request_id,"
        " client_address, channel, prev_hash, hash) VALUES (" + ", ".join(["%s"] * 19) + ")",
        [*values, last_hash, chain.event_hash(last_hash, values)],
    )
    code, report = run_verify(capsys)
    assert code == 1
    assert report["first_broken_seq"] == 6  # seq 6 and 7 are missing: the gap starts at 6


def rewrite_history_from(seq: int, label: str) -> None:
    """What a database administrator could do: edit an event and recompute every later hash
    (and, for the edited event, its commitment)."""
    drop_append_only_triggers()
    rows = [list(row) for row in iter_chain_rows()]
    prev_hash = rows[seq - 2][-1] if seq > 1 else chain.GENESIS_HASH
    at = {name: i for i, name in enumerate(chain.STORED_FIELDS)}
    for row in rows[seq - 1 :]:
        if row[0] == seq:
            row[at["subject_label"]] = label
            if row[at["format"]] == chain.FORMAT_2:
                personal = [row[at[name]] for name in chain.PERSONAL_FIELDS]
                row[at["commitment"]] = chain.commitment(row[at["salt"]], *personal)
        digest = chain.stored_row_hash(prev_hash, row)
        raw(
            "UPDATE audit_auditevent SET subject_label = %s, commitment = %s, prev_hash = %s, hash = %s WHERE seq = %s",
            [row[at["subject_label"]], row[at["commitment"]], prev_hash, digest, row[0]],
        )
        prev_hash = digest


def test_a_rewritten_history_passes_the_chain_but_fails_the_external_checkpoint(make_events, capsys):
    make_events(12)
    checkpoint_create()
    make_events(4)
    checkpoint_create()
    rewrite_history_from(7, "Rewritten")
    code, report = run_verify(capsys)
    assert code == 1
    assert report["chain_intact"] is True  # the chain alone cannot tell
    assert report["first_broken_seq"] == 1  # no earlier checkpoint still matches
    assert report["failing_checkpoint"] == "checkpoint-000000000000012.json"
    assert "history was rewritten" in report["checkpoints"][0]["problem"]
    assert report["checkpoints"][1]["ok"] is False


def test_deleting_the_tail_after_a_checkpoint_is_caught(make_events, capsys):
    make_events(8)
    checkpoint_create()
    drop_append_only_triggers()
    raw("DELETE FROM audit_auditevent WHERE seq > 5")
    code, report = run_verify(capsys)
    assert code == 1
    assert report["chain_intact"] is True  # what is left is a valid chain
    assert report["first_broken_seq"] == 6  # the first missing event
    assert "deleted" in report["checkpoints"][0]["problem"]


def test_verify_text_output_names_the_broken_seq(make_events, capsys):
    make_events(4)
    drop_append_only_triggers()
    raw("UPDATE audit_auditevent SET actor_label = 'someone else' WHERE seq = 3")
    with pytest.raises(SystemExit) as exit_:
        call_command("audit", "verify")
    assert exit_.value.code == 1
    assert "breaks at seq 3" in capsys.readouterr().out
