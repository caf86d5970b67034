"""The Done-means of records management, end to end on a real SQLite database file: after
`casework retention dispose` disposes of a finalised demo case, none of its personal values is left
anywhere in the file's bytes (audit events and verdict facts included), `casework audit verify
--checkpoints DIR` still reports the trail intact, and the erase events are there.

The demo is loaded in a separate process (a file database, not the test's in-memory one); the case's
personal values are first set to strings found nowhere else, so the byte scan can only find them
in that case's records.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MARKERS = ("Zephyrine", "Quattlebaum", "1937-11-23", "Scrimshaw Wharf conspiracy", "Operation Nightingalex")

PREPARE = """
import datetime as dt, json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("load_demo", cases=150, seed=7, verbosity=0)
from casework.cases import services
from casework.cases.models import Case, CaseDocument, Defendant
from casework.people.models import User
manager = User.objects.get(username="manager.a")
closed = ["finalised", "nfa", "discontinued"]
from casework.records.models import LegalHold
held = {int(i) for i in LegalHold.objects.active().filter(record_type="case_file").values_list("record_id", flat=True)}
case = (Case.objects.filter(unit_id=manager.unit_id, stage__in=closed, disposed_at__isnull=True)
        .exclude(pk__in=held).order_by("-pk").first())
services.case_update(actor=manager, case=case, expected_version=case.version,
                     summary="Scrimshaw Wharf conspiracy", operation_name="Operation Nightingalex")
defendant = Defendant.objects.filter(case=case).first()
if defendant is None:
    defendant = services.defendant_add(actor=manager, case=case, first_names="x", last_name="y")
services.defendant_update(actor=manager, defendant=defendant, expected_version=defendant.version,
                          first_names="Zephyrine", last_name="Quattlebaum", date_of_birth=dt.date(1937, 11, 23))
services.document_add(actor=manager, case=case, kind="other", title="Note",
                      body="Zephyrine Quattlebaum, born 1937-11-23")
print(json.dumps({"case_id": case.pk, "urn": case.urn}))
"""


def casework(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "casework.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def file_bytes(directory: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(directory.glob("casework.sqlite3*")))


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="a SQLite file; PostgreSQL is scanned table by table")
def test_no_personal_value_of_a_disposed_demo_case_is_left_in_the_database_file(tmp_path):
    env = {
        **os.environ,
        "CASEWORK_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "",
        "DJANGO_SETTINGS_MODULE": "casework.settings",
        "LOG_LEVEL": "WARNING",
        "CASEWORK_DEMO_PASSWORD": "correct-horse-battery",
    }
    prepared = subprocess.run(
        [sys.executable, "-c", PREPARE], env=env, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False
    )
    assert prepared.returncode == 0, prepared.stderr[-3000:]
    case = json.loads(prepared.stdout.strip().splitlines()[-1])
    assert casework(env, "audit", "checkpoint").returncode == 0
    before = file_bytes(tmp_path)
    assert all(marker.encode() in before for marker in MARKERS)  # the scan finds them while they are there

    disposed = casework(
        env,
        "retention",
        "dispose",
        "--case",
        str(case["case_id"]),
        "--approved-by",
        "records.a",
        "--reason",
        "Retention period over; nothing pending",
    )
    assert disposed.returncode == 0, disposed.stderr
    assert f"Disposed of {case['urn']}" in disposed.stdout

    after = file_bytes(tmp_path)
    assert [marker for marker in MARKERS if marker.encode() in after] == []
    copy = tmp_path / "inspector-copy"
    copy.mkdir()
    for checkpoint in (tmp_path / "audit-checkpoints").glob("checkpoint-*.json"):
        (copy / checkpoint.name).write_bytes(checkpoint.read_bytes())
    assert casework(env, "audit", "checkpoint").returncode == 0
    verified = casework(env, "audit", "verify", "--json", "--checkpoints", str(copy))
    report = json.loads(verified.stdout)
    assert verified.returncode == 0 and report["intact"], report
    assert report["redacted_events"] > 0
    erase = casework(
        env,
        "shell",
        "-c",
        (
            "from casework.audit.models import AuditEvent; "
            f"print(AuditEvent.objects.filter(action='erase', case_id={case['case_id']}).count())"
        ),
    )
    assert erase.stdout.strip().splitlines()[-1] == "1", erase.stderr
