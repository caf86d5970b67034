"""`casework audit export` and the standalone verifier (plain python3, no Django)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command

from casework.audit import standalone_verify
from casework.audit.checkpoints import checkpoint_create
from casework.audit.models import AuditEvent

VERIFIER = Path(standalone_verify.__file__)


def export(out: Path, *extra: str) -> None:
    call_command(
        "audit", "export", "--out", str(out), "--justification", "ICO request ref 123", "--recipient",
        "Information Commissioner's Office", *extra,
    )  # fmt: skip


def run_verifier(*args: str) -> subprocess.CompletedProcess[str]:
    """The verifier as an inspector would run it: a bare interpreter, isolated from this project."""
    return subprocess.run(
        [sys.executable, "-I", str(VERIFIER), *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_export_records_the_disclosure_and_verifies_standalone(make_events, tmp_path, personas):
    make_events(30)
    checkpoint_create()
    make_events(5)
    out = tmp_path / "export.jsonl"
    export(out, "--actor", personas.inspector.username)
    disclosure = AuditEvent.objects.order_by("-seq").first()
    assert disclosure.action == "disclose"
    assert disclosure.justification == "ICO request ref 123"
    assert disclosure.recipient == "Information Commissioner's Office"
    assert disclosure.actor_id == personas.inspector.pk
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines[0]["type"] == "header"
    assert sum(1 for line in lines if line["type"] == "event") == disclosure.seq - 1
    result = run_verifier(str(out), "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["intact"] is True
    assert report["checkpoints"][0]["root_checked"] is True


def test_the_verifier_needs_neither_django_nor_cryptography(make_events, tmp_path):
    make_events(3)
    checkpoint_create()
    out = tmp_path / "export.jsonl"
    export(out)
    code = (
        "import runpy, sys\n"
        "sys.modules['cryptography'] = None  # as on a machine without it: the pure-Python Ed25519 is used\n"
        f"sys.argv = ['verify', {str(out)!r}]\n"
        "try:\n"
        f"    runpy.run_path({str(VERIFIER)!r}, run_name='__main__')\n"
        "except SystemExit as exit_:\n"
        "    assert exit_.code == 0, exit_.code\n"
        "assert 'django' not in sys.modules and 'casework' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_a_tampered_export_fails_with_the_broken_seq(make_events, tmp_path):
    make_events(10)
    checkpoint_create()
    out = tmp_path / "export.jsonl"
    export(out)
    lines = out.read_text().splitlines()
    doctored = []
    for line in lines:
        document = json.loads(line)
        if document.get("type") == "event" and document["seq"] == 4:
            document["subject_label"] = "doctored"
        doctored.append(json.dumps(document, ensure_ascii=False))
    out.write_text("\n".join(doctored) + "\n")
    result = run_verifier(str(out), "--json")
    assert result.returncode == 1
    assert json.loads(result.stdout)["first_broken_seq"] == 4


def test_a_consistently_rewritten_export_fails_the_signed_root(make_events, tmp_path):
    make_events(10)
    checkpoint_create()
    out = tmp_path / "export.jsonl"
    export(out)
    documents = [json.loads(line) for line in out.read_text().splitlines()]
    prev = standalone_verify.GENESIS_HASH
    for document in documents:  # rewrite event 2 and re-chain everything after it
        if document["type"] != "event":
            continue
        if document["seq"] == 2:
            document["subject_label"] = "rewritten"
            document["commitment"] = standalone_verify.commitment(document["salt"], document)
        document["prev_hash"] = prev
        document["hash"] = standalone_verify.expected_hash(prev, document)
        prev = document["hash"]
    out.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in documents))
    result = run_verifier(str(out), "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["failing_checkpoint"] == 10
    assert report["first_broken_seq"] == 1  # no earlier checkpoint still matches, so nothing before 2 is vouched for


def test_a_pinned_public_key_must_match(make_events, tmp_path):
    make_events(3)
    checkpoint = checkpoint_create()
    out = tmp_path / "export.jsonl"
    export(out)
    assert run_verifier(str(out), "--public-key", checkpoint.public_key).returncode == 0
    assert run_verifier(str(out), "--public-key", "ab" * 32).returncode == 1


def test_a_date_range_export_holds_only_leaf_hashes_outside_the_range(make_events, tmp_path):
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC), tick=False):
        make_events(4)
    with time_machine.travel(dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC), tick=False):
        make_events(3)
    with time_machine.travel(dt.datetime(2026, 3, 3, 12, tzinfo=dt.UTC), tick=False):
        make_events(2)
        checkpoint_create()
    out = tmp_path / "export.jsonl"
    export(out, "--from", "2026-03-02", "--to", "2026-03-02")
    documents = [json.loads(line) for line in out.read_text().splitlines()]
    assert [d["seq"] for d in documents if d["type"] == "event"] == [5, 6, 7]
    assert [d["seq"] for d in documents if d["type"] == "leaf"] == [1, 2, 3, 4, 8, 9]
    assert all("subject_label" not in d for d in documents if d["type"] == "leaf")
    result = run_verifier(str(out), "--json")
    assert result.returncode == 0, result.stdout
    assert json.loads(result.stdout)["checkpoints"][0]["root_checked"] is True


def test_export_requires_a_recipient(make_events, tmp_path):
    make_events(1)
    with pytest.raises(CommandError):
        call_command("audit", "export", "--out", str(tmp_path / "x.jsonl"), "--justification", "why")


def test_export_never_overwrites_a_file(make_events, tmp_path):
    make_events(1)
    out = tmp_path / "export.jsonl"
    out.write_text("keep me")
    with pytest.raises(CommandError):
        export(out)
    assert out.read_text() == "keep me"
    assert not AuditEvent.objects.filter(action="disclose").exists()


def test_unreadable_export_exits_2(tmp_path):
    path = tmp_path / "nonsense.jsonl"
    path.write_text("hello\n")
    assert run_verifier(str(path)).returncode == 2


def test_pure_python_ed25519_agrees_with_the_cryptography_library():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    for message in (b"", b"tree head", b"x" * 1000):
        key = Ed25519PrivateKey.generate()
        public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        signature = key.sign(message)
        assert standalone_verify.ed25519_verify_pure(public, message, signature)
        assert not standalone_verify.ed25519_verify_pure(public, message + b"!", signature)
        forged = bytes([signature[0] ^ 1]) + signature[1:]
        assert not standalone_verify.ed25519_verify_pure(public, message, forged)


# --- the directory form -----------------------------------------------------------------------


def test_a_directory_export_holds_events_proofs_checkpoints_and_the_key(make_events, tmp_path, personas):
    make_events(6)
    checkpoint = checkpoint_create()
    out = tmp_path / "for-inspector"
    export(out, "--actor", personas.inspector.username)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "checkpoints/checkpoint-000000000000006.json",
        "events.jsonl",
        "manifest.json",
        "proofs.jsonl",
        "public-key.txt",
    ]
    assert (out / "public-key.txt").read_text().split() == [checkpoint.public_key]
    proofs = [json.loads(line) for line in (out / "proofs.jsonl").read_text().splitlines()]
    assert [p["seq"] for p in proofs] == [1, 2, 3, 4, 5, 6]
    assert {p["root_hash"] for p in proofs} == {checkpoint.root_hash}
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["files"]) == {"checkpoints/checkpoint-000000000000006.json", "events.jsonl", "proofs.jsonl",
                                      "public-key.txt"}  # fmt: skip
    disclosure = AuditEvent.objects.order_by("-seq").first()
    assert (disclosure.action, disclosure.recipient, disclosure.actor_id) == (
        "disclose",
        "Information Commissioner's Office",
        personas.inspector.pk,
    )
    result = run_verifier(str(out), "--json")
    assert result.returncode == 0, result.stdout
    assert json.loads(result.stdout)["proofs_checked"] == 6


def test_a_directory_export_for_one_case_discloses_only_its_events(case_a, case_b, tmp_path):
    checkpoint_create()
    out = tmp_path / "case-a"
    export(out, "--case", case_a.urn)
    documents = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    events = [d for d in documents if d["type"] == "event"]
    assert events and {d["case_id"] for d in events} == {case_a.pk}
    assert any(d["type"] == "leaf" for d in documents)  # case B's events: hashes only
    assert documents[0]["case_urn"] == case_a.urn
    result = run_verifier(str(out), "--json")
    assert result.returncode == 0, result.stdout
    report = json.loads(result.stdout)
    assert report["checkpoints"][0]["root_checked"] is True
    assert report["proofs_checked"] == len(events)
    assert AuditEvent.objects.order_by("-seq").first().case_id == case_a.pk


def test_since_limits_a_directory_export(make_events, tmp_path):
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC), tick=False):
        make_events(3)
    with time_machine.travel(dt.datetime(2026, 3, 5, 12, tzinfo=dt.UTC), tick=False):
        make_events(2)
        checkpoint_create()
    out = tmp_path / "since"
    export(out, "--since", "2026-03-04")
    documents = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    assert [d["seq"] for d in documents if d["type"] == "event"] == [4, 5]
    assert run_verifier(str(out)).returncode == 0


def test_a_directory_export_never_writes_into_a_non_empty_directory(make_events, tmp_path):
    make_events(1)
    out = tmp_path / "taken"
    out.mkdir()
    (out / "other.txt").write_text("keep me")
    with pytest.raises(CommandError):
        export(out)
    assert [p.name for p in out.iterdir()] == ["other.txt"]
    assert not AuditEvent.objects.filter(action="disclose").exists()


def test_case_needs_the_directory_form_and_a_real_case(make_events, tmp_path):
    make_events(1)
    with pytest.raises(CommandError, match="directory form"):
        export(tmp_path / "x.jsonl", "--case", "1")
    with pytest.raises(CommandError, match="No case"):
        export(tmp_path / "dir", "--case", "NOSUCHURN")
    assert not (tmp_path / "dir").exists()
