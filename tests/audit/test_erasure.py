"""Erasure keeps the trail provable: personal values leave old events, the erase event is logged
without the erased content, `audit verify` and the standalone verifier still pass, checkpoints
signed before the erasure stay valid, and every way of faking an erasure is caught."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from casework.audit import chain, services, standalone_verify
from casework.audit.checkpoints import checkpoint_create
from casework.audit.erasure import erase_case_events
from casework.audit.models import AuditEvent
from casework.audit.services import SYSTEM_ACTOR, PendingEvent, iter_chain_rows
from casework.audit.verification import verify_all, verify_chain
from casework.core.errors import ValidationFailed
from tests.audit.conftest import drop_append_only_triggers, raw

VERIFIER = Path(standalone_verify.__file__)


def case_events(case_id: int, *, name: str = "Alex SMITH", count: int = 3) -> None:
    events = [
        PendingEvent(
            action="alter",
            subject_type="cases.defendant",
            subject_id=str(case_id * 100 + i),
            subject_label=name,
            case_id=case_id,
            changes={"last_name": ["Smith", name], "date_of_birth": [None, "1981-02-03"]},
        )
        for i in range(count)
    ] + [
        PendingEvent(
            action="consult",
            subject_type="cases.case",
            subject_id=str(case_id),
            subject_label="01TS0000001",
            case_id=case_id,
            justification=f"Checking {name}",
        )
    ]
    services.record_many(actor=SYSTEM_ACTOR, events=events)


def erase(case_id: int = 7) -> int:
    return erase_case_events(
        actor=None, case_id=case_id, subject_label="01TS0000007", justification="Retention period ended"
    ).erase_seq


def test_erasure_blanks_the_personal_values_and_logs_one_erase_event(make_events):
    make_events(3)
    case_events(7)
    case_events(8, name="Jo BLOGGS")
    result = erase_case_events(actor=None, case_id=7, subject_label="01TS0000007", justification="Retention ended")
    assert result.redacted == 4
    redacted = AuditEvent.objects.filter(case_id=7).exclude(action="erase")
    assert {(e.subject_label, e.changes, e.justification, e.salt, e.erased_by) for e in redacted} == {
        ("", "", "", None, result.erase_seq)
    }
    erase_event = AuditEvent.objects.get(seq=result.erase_seq)
    assert (erase_event.action, erase_event.case_id, erase_event.changes) == ("erase", 7, "")
    assert erase_event.justification == "Retention ended"
    assert "SMITH" not in json.dumps(list(AuditEvent.objects.filter(case_id=7).values()), default=str)
    assert AuditEvent.objects.filter(case_id=8, subject_label="Jo BLOGGS").count() == 3  # other cases untouched
    report = verify_chain()
    assert report.intact, report
    assert report.redacted_events == 4


def test_checkpoints_signed_before_the_erasure_stay_valid(make_events, audit_paths):
    case_events(7)
    checkpoint_create()
    case_events(9)
    before = checkpoint_create()
    erase()
    checkpoint_create()
    report = verify_all()
    assert report.intact, report.as_dict()
    assert [check.tree_size for check in report.checkpoints][:2] == [4, before.tree_size]
    assert all(check.ok for check in report.checkpoints)


def test_the_standalone_verifier_accepts_an_export_after_erasure(make_events, audit_paths):
    case_events(7)
    case_events(8, name="Jo BLOGGS")
    checkpoint_create()
    erase()
    checkpoint_create()
    out = audit_paths / "export"
    call_command(
        "audit", "export", "--out", str(out), "--justification", "ICO", "--recipient", "ICO", stdout=StringIO()
    )
    result = subprocess.run(
        [sys.executable, "-I", str(VERIFIER), str(out), "--json"], capture_output=True, text=True, check=False
    )
    report = json.loads(result.stdout)
    assert result.returncode == 0, report
    assert report["redacted_events"] == 4
    assert "SMITH" not in (out / "events.jsonl").read_text()


def test_a_case_export_carries_the_erase_event_that_redacted_it(make_events, audit_paths):
    from tests.factories import make_case  # noqa: F401  (the case register is not needed: events carry the id)

    case_events(7)
    erase()
    case_events(8)
    checkpoint_create()
    out = audit_paths / "export"
    from casework.audit.exports import export_directory

    export_directory(actor=None, out=out, justification="SAR", recipient="Data subject", date_from=None)
    lines = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    assert any(line["type"] == "event" and line["action"] == "erase" for line in lines)
    assert standalone_verify.verify_export(str(out), set())["intact"]


def test_the_database_refuses_a_blanking_without_an_erase_event(make_events):
    case_events(7)
    with pytest.raises(DatabaseError), transaction.atomic():
        raw(
            "UPDATE audit_auditevent SET subject_label = '', changes = '', justification = '', salt = NULL,"
            " erased_by = 4 WHERE seq = 1"
        )


def test_the_database_refuses_an_erasure_that_changes_anything_else(make_events):
    case_events(7)
    erase_seq = erase()
    case_events(7)  # new events about the case after its erasure
    with pytest.raises(DatabaseError), transaction.atomic():
        raw(
            "UPDATE audit_auditevent SET subject_label = '', changes = '', justification = '', salt = NULL,"
            " erased_by = %s WHERE seq = %s",
            [erase_seq, erase_seq + 1],  # after the erasure: not covered by it
        )
    case_events(8)
    with pytest.raises(DatabaseError), transaction.atomic():
        last = AuditEvent.objects.filter(case_id=8).order_by("seq").first().seq
        raw(
            "UPDATE audit_auditevent SET subject_label = '', changes = '', justification = '', salt = NULL,"
            " erased_by = %s WHERE seq = %s",
            [erase_seq, last],  # another case's event
        )
    with pytest.raises(DatabaseError), transaction.atomic():
        raw("UPDATE audit_auditevent SET actor_label = 'someone' WHERE seq = 1")


def test_a_blanking_by_hand_is_caught_as_an_alteration(make_events):
    case_events(7)
    drop_append_only_triggers()
    raw("UPDATE audit_auditevent SET changes = '', subject_label = '' WHERE seq = 2")
    report = verify_chain()
    assert (report.intact, report.first_broken_seq) == (False, 2)
    assert "altered" in report.reason


def test_a_redaction_not_made_by_a_covering_erasure_is_named(make_events):
    case_events(7)
    case_events(8)
    erase_seq = erase(7)
    drop_append_only_triggers()
    raw(
        "UPDATE audit_auditevent SET subject_label = '', changes = '', justification = '', salt = NULL,"
        " erased_by = %s WHERE seq = 6",
        [erase_seq],
    )
    report = verify_chain()
    assert (report.intact, report.first_broken_seq) == (False, 6)
    assert "not an erasure that covers it" in report.reason


# --- events written before erasure existed (format 1) ------------------------------------------

V1_INSERT = (
    f"INSERT INTO audit_auditevent ({', '.join(chain.CANONICAL_FIELDS)}, prev_hash, hash)"
    f" VALUES ({', '.join(['%s'] * (len(chain.CANONICAL_FIELDS) + 2))})"
)


def legacy_events(case_id: int, count: int, *, start: int = 1) -> None:
    """Events as the product wrote them before format 2 (format null, personal values hashed as they are)."""
    prev = chain.GENESIS_HASH if start == 1 else AuditEvent.objects.get(seq=start - 1).hash
    for seq in range(start, start + count):
        values = [
            seq,
            "2026-01-05 10:00:00.000000",
            None,
            "system",
            "system",
            "",
            "alter",
            "cases.defendant",
            str(seq),
            "Alex SMITH",
            case_id,
            '{"last_name":["Smith","SMITH"]}',
            "",
            "",
            "",
            "",
            "cli",
        ]
        digest = chain.event_hash(prev, values)
        if connection.vendor == "postgresql":
            values[1] = "2026-01-05 10:00:00+00"
        raw(V1_INSERT, [*values, prev, digest])
        prev = digest


def test_format_1_events_can_be_erased_and_stay_verifiable(db, audit_paths):
    legacy_events(7, 3)
    checkpoint_create()
    case_events(7)
    result = erase_case_events(actor=None, case_id=7, subject_label="01TS0000007", justification="Retention ended")
    assert (result.redacted, result.legacy_redacted) == (7, 3)
    assert AuditEvent.objects.get(seq=result.erase_seq).erasure_seal
    report = verify_all()
    assert report.intact, report.as_dict()
    assert AuditEvent.objects.filter(subject_label="Alex SMITH").count() == 0


def test_what_remains_of_a_redacted_format_1_event_is_sealed(db):
    legacy_events(7, 3)
    erase()
    drop_append_only_triggers()
    raw("UPDATE audit_auditevent SET actor_label = 'someone else' WHERE seq = 2")
    for database_encoding in (True, False):
        report = verify_chain(use_database_encoding=database_encoding)
        assert (report.intact, report.first_broken_seq) == (False, 1), report
        assert "seal" in report.reason


def test_an_event_that_does_not_match_its_hash_is_never_erased(db):
    legacy_events(7, 3)
    drop_append_only_triggers()
    raw("UPDATE audit_auditevent SET subject_label = 'Forged' WHERE seq = 2")
    with pytest.raises(ValidationFailed, match="event 2 does not match its hash"):
        erase()
    assert AuditEvent.objects.filter(action="erase").count() == 0


def test_an_existing_trail_gets_a_sealed_format_transition(db):
    legacy_events(7, 4)
    migration = importlib.import_module("casework.audit.migrations.0005_redaction_only_updates")
    migration.record_transition(connection)
    transition = AuditEvent.objects.get(seq=5)
    assert (transition.format, transition.action, transition.subject_type) == (2, "config_change", "audit.format")
    assert "from seq 5" in transition.subject_label
    assert verify_chain().intact


# --- verify never crashes and says what it found (issue findings) -----------------------------


def test_a_blob_written_into_a_text_column_is_reported_not_a_crash(make_events):
    if connection.vendor != "sqlite":
        pytest.skip("only SQLite lets a column hold a value of another type")
    make_events(5)
    drop_append_only_triggers()
    raw("UPDATE audit_auditevent SET actor_label = X'00ff' WHERE seq = 3")
    for database_encoding in (True, False):
        report = verify_chain(use_database_encoding=database_encoding)
        assert (report.intact, report.first_broken_seq) == (False, 3)
        assert "bytes" in report.reason


def test_an_inserted_event_is_named_without_a_checkpoint_before_it(make_events, capsys):
    make_events(6)
    checkpoint_create()
    drop_append_only_triggers()
    rows = [list(row) for row in iter_chain_rows()]
    for seq in range(6, 3, -1):
        raw("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [seq + 1, seq])
    forged = list(rows[3][:-2])
    forged[chain.STORED_FIELDS.index("actor_label")] = "intruder"
    insert = (
        f"INSERT INTO audit_auditevent ({', '.join(chain.STORED_FIELDS)}, prev_hash, hash)"
        f" VALUES ({', '.join(['%s'] * (len(chain.STORED_FIELDS) + 2))})"
    )
    raw(insert, [*forged, rows[2][-1], chain.stored_row_hash(rows[2][-1], [*forged, "", ""])])
    code = 0
    try:
        call_command("audit", "verify", "--json")
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert report["first_broken_seq"] == 4, report  # not 1, although the only checkpoint now fails
    assert "inserted" in report["reason"]


def test_events_after_the_last_checkpoint_are_reported_unsealed(make_events, capsys):
    make_events(5)
    checkpoint_create()
    make_events(3)
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert "3 events after the last checkpoint (seq 6 to 8), unsealed" in out
    assert verify_all().as_dict()["unsealed_events"] == 3


def test_a_missing_checkpoint_file_is_reported_and_restored(make_events, settings, capsys):
    make_events(4)
    checkpoint = checkpoint_create()
    make_events(2)
    checkpoint_create()
    path = Path(settings.AUDIT_CHECKPOINT_DIR) / f"checkpoint-{checkpoint.tree_size:015d}.json"
    path.unlink()
    report = verify_all()
    assert not report.intact
    assert [m["tree_size"] for m in report.missing_files] == [4]
    with pytest.raises(SystemExit):
        call_command("audit", "verify")
    assert "MISSING: checkpoint file checkpoint-000000000000004.json" in capsys.readouterr().out
    call_command("audit", "checkpoint", stdout=StringIO())
    assert path.exists()
    assert verify_all().intact
