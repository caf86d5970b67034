"""Signed Merkle checkpoints, kept in the database and in the external store, and inclusion proofs."""

from __future__ import annotations

import json
import stat

import pytest
from django.core.management import call_command

from casework.audit import merkle, signing
from casework.audit.checkpoints import checkpoint_create, checkpoint_dir, prove, root_over
from casework.audit.models import AuditCheckpoint
from casework.audit.services import iter_chain_rows
from casework.audit.tasks import audit_checkpoint_task
from casework.audit.verification import verify_all
from casework.core.errors import NotFound, ValidationFailed


def stored_hashes() -> list[bytes]:
    return [row[-1].encode() for row in iter_chain_rows()]


def test_checkpoint_signs_the_root_over_every_event(make_events, settings):
    make_events(37)
    checkpoint = checkpoint_create()
    assert checkpoint.tree_size == 37
    assert checkpoint.root_hash == merkle.root(stored_hashes()).hex() == root_over(37)
    document = json.loads((checkpoint_dir() / "checkpoint-000000000000037.json").read_text())
    assert document["root_hash"] == checkpoint.root_hash
    message = signing.signed_head_bytes(
        tree_size=37, root_hash=document["root_hash"], created_at=document["created_at"]
    )
    assert signing.verify(public_key=document["public_key"], signature=document["signature"], message=message)
    assert AuditCheckpoint.objects.get().tree_size == 37


def test_the_signing_key_is_generated_once_with_private_permissions(make_events, settings, caplog):
    make_events(1)
    checkpoint_create()
    key_file = settings.AUDIT_SIGNING_KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "Generated a new audit signing key" in caplog.text
    first_key = key_file.read_bytes()
    make_events(1)
    second = checkpoint_create()
    assert key_file.read_bytes() == first_key
    assert second.public_key == signing.public_key_hex(signing.load_or_create_private_key())


def test_no_new_events_means_no_new_checkpoint(make_events):
    make_events(3)
    first = checkpoint_create()
    assert checkpoint_create().pk == first.pk
    assert AuditCheckpoint.objects.count() == 1


def test_an_existing_checkpoint_file_is_never_overwritten(make_events):
    make_events(3)
    checkpoint = checkpoint_create()
    path = checkpoint_dir() / "checkpoint-000000000000003.json"
    path.write_text('{"forged": true}')
    with pytest.raises(FileExistsError):
        checkpoint_create()
    assert path.read_text() == '{"forged": true}'
    assert AuditCheckpoint.objects.get().pk == checkpoint.pk


def test_an_empty_trail_cannot_be_checkpointed(db):
    with pytest.raises(ValidationFailed):
        checkpoint_create()


def test_successive_checkpoints_are_checked_for_consistency(make_events):
    for batch in (5, 8, 1, 16):
        make_events(batch)
        checkpoint_create()
    report = verify_all()
    assert report.intact
    assert [c.tree_size for c in report.checkpoints] == [5, 13, 14, 30]
    assert [c.consistent_with_previous for c in report.checkpoints] == [None, True, True, True]


def test_a_checkpoint_signed_with_another_key_fails(make_events):
    make_events(4)
    checkpoint_create()
    path = checkpoint_dir() / "checkpoint-000000000000004.json"
    document = json.loads(path.read_text())
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    other = Ed25519PrivateKey.generate()
    message = signing.signed_head_bytes(tree_size=4, root_hash=document["root_hash"], created_at=document["created_at"])
    document.update(signature=signing.sign(other, message), public_key=signing.public_key_hex(other))
    path.write_text(json.dumps(document))
    report = verify_all()
    assert not report.intact
    assert report.failing_checkpoint is not None
    assert "does not trust" in report.failing_checkpoint.problem


def test_a_forged_root_fails_the_signature(make_events):
    make_events(4)
    checkpoint_create()
    path = checkpoint_dir() / "checkpoint-000000000000004.json"
    document = json.loads(path.read_text())
    document["root_hash"] = "0" * 64
    path.write_text(json.dumps(document))
    failing = verify_all().failing_checkpoint
    assert failing is not None and "signature" in failing.problem


def test_an_unreadable_checkpoint_file_is_reported(make_events):
    make_events(2)
    checkpoint_create()
    (checkpoint_dir() / "checkpoint-000000000000009.json").write_text("not json")
    failing = verify_all().failing_checkpoint
    assert failing is not None and "unreadable" in failing.problem


@pytest.mark.parametrize("seq", [1, 6, 13, 21])
def test_prove_returns_a_verifying_audit_path(make_events, seq):
    make_events(21)
    checkpoint = checkpoint_create()
    make_events(3)  # events after the checkpoint do not change the proof
    proof = prove(seq)
    assert proof.verified
    assert proof.tree_size == 21
    assert merkle.verify_inclusion(
        leaf_data=proof.event_hash.encode(),
        index=seq - 1,
        size=21,
        proof=[bytes.fromhex(node) for node in proof.audit_path],
        root_hash=bytes.fromhex(checkpoint.root_hash),
    )


def test_prove_refuses_events_after_the_latest_checkpoint(make_events):
    make_events(3)
    checkpoint_create()
    make_events(1)
    with pytest.raises(NotFound):
        prove(4)


def test_prove_command_prints_json(make_events, capsys):
    make_events(5)
    call_command("audit", "checkpoint")
    capsys.readouterr()
    call_command("audit", "prove", "3", "--json")
    output = json.loads(capsys.readouterr().out)
    assert output["seq"] == 3 and output["verified"] is True and output["tree_size"] == 5


def test_the_worker_task_creates_a_checkpoint(make_events):
    make_events(6)
    result = audit_checkpoint_task.call()
    assert result["tree_size"] == 6
    assert AuditCheckpoint.objects.get().tree_size == 6


def test_the_worker_task_does_nothing_on_an_empty_trail(db):
    assert audit_checkpoint_task.call() == {"tree_size": 0, "root_hash": None}


def test_prove_does_not_vouch_for_a_forged_checkpoint_row(make_events):
    from django.db import connection

    make_events(5)
    checkpoint = checkpoint_create()
    forged_root = merkle.root([b"forged"] * 5).hex()
    with connection.cursor() as cursor:  # checkpoint rows are not append-only: the files are the witness
        cursor.execute("UPDATE audit_auditcheckpoint SET root_hash = %s WHERE id = %s", [forged_root, checkpoint.pk])
    proof = prove(2)
    assert proof.signature_valid is False
    assert proof.verified is False
