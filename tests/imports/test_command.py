from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from casework.audit.models import AuditEvent
from casework.cases.models import Case
from tests.imports.conftest import standard_files


@pytest.fixture
def files_on_disk(tmp_path):
    paths = []
    for name, data in standard_files(3):
        path = tmp_path / name
        path.write_bytes(data)
        paths.append(str(path))
    return paths


def test_command_imports_with_progress_and_is_idempotent(personas, files_on_disk, capsys):
    call_command("import", *files_on_disk, "--unit", "ccu-wessex", "--batch-size", "2")
    out = capsys.readouterr().out
    assert "committed 2/3 cases" in out and "committed 3/3 cases" in out and "12 created" in out
    assert "3 case(s) wait to be re-checked" in out and "casework assurance_rechecks" in out
    event = AuditEvent.objects.filter(subject_type="cases.case").latest("seq")
    assert event.actor_id is None and event.actor_label == "casework import command" and event.action == "collect"
    call_command("import", *files_on_disk, "--unit", "ccu-wessex")
    assert "0 created, 0 altered, 12 unchanged" in capsys.readouterr().out
    assert Case.objects.filter(urn__startswith="42IM").count() == 3


def test_command_dry_run_and_user(personas, files_on_disk, capsys):
    call_command("import", *files_on_disk, "--unit", "ccu-wessex", "--dry-run", "--user", "admin")
    assert "Trial run: nothing written" in capsys.readouterr().out
    assert not Case.objects.filter(urn__startswith="42IM").exists()


def test_command_reports_rows_and_fails(personas, tmp_path, capsys):
    path = tmp_path / "cases.csv"
    path.write_text("URN,Operation name\nnot valid,Op\n")
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import", str(path), "--unit", "ccu-wessex")
    assert "cases row 2, URN:" in capsys.readouterr().err


def test_command_custom_mapping_toml(personas, tmp_path, capsys):
    mapping = tmp_path / "old-system.toml"
    mapping.write_text(
        'name = "old"\n[sections.cases]\nsheet = "export"\ncolumns = { urn = "Ref", operation_name = "Op" }\n'
    )
    data = tmp_path / "export.csv"
    data.write_text("Ref,Op\n42IM1234567,Operation Oak\n")
    call_command("import", str(data), "--unit", "ccu-wessex", "--mapping", str(mapping))
    assert Case.objects.get(urn="42IM1234567").operation_name == "Operation Oak"


def test_command_bad_mapping_and_unit(personas, tmp_path, files_on_disk):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "x", "sections": {"cases": {"sheet": "c", "columns": {"colour": "C"}}}}))
    with pytest.raises(CommandError, match="unknown fields: colour"):
        call_command("import", *files_on_disk, "--unit", "ccu-wessex", "--mapping", str(bad))
    with pytest.raises(CommandError, match="No unit"):
        call_command("import", *files_on_disk, "--unit", "nowhere")


def test_command_imports_staff_by_kind_and_refuses_a_mapping_of_another_kind(personas, tmp_path, capsys):
    from casework.imports.mapping import DEFAULT_MAPPINGS
    from casework.people.models import User
    from tests.imports.conftest import staff_files

    path = tmp_path / "staff.csv"
    path.write_bytes(staff_files()[0][1])
    call_command("import", str(path), "--kind", "staff", "--batch-size", "1")
    out = capsys.readouterr().out
    assert "committed 1/2 people (1/2 rows, batch 1)" in out and "2 created" in out
    assert not User.objects.get(username="S1001").has_usable_password()
    with pytest.raises(CommandError, match="is for a time import, not staff"):
        call_command("import", str(path), "--kind", "staff", "--mapping", str(DEFAULT_MAPPINGS["time"]))
    with pytest.raises(CommandError, match="Choose the unit"):
        call_command("import", str(path), "--mapping", str(DEFAULT_MAPPINGS["time"]))


def test_a_full_disk_ends_the_command_with_a_message_not_a_traceback(personas, files_on_disk, monkeypatch, capsys):
    """The disk fills after the first batch: the command says what happened, what was kept and
    what to do; the committed batch stays and a re-run finishes the import."""
    from django.db import OperationalError

    from casework.imports import services

    real_commit = services._commit_batch
    calls = {"n": 0}

    def fills_up(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OperationalError("database or disk is full")
        return real_commit(**kwargs)

    monkeypatch.setattr(services, "_commit_batch", fills_up)
    with pytest.raises(CommandError) as stopped:
        call_command("import", *files_on_disk, "--unit", "ccu-wessex", "--batch-size", "2")
    message = str(stopped.value)
    assert message.startswith("The import stopped because the disk is full: 2 of 3 cases were committed")
    assert "run the same command again" in message and "Traceback" not in message
    assert Case.objects.filter(urn__startswith="42IM").count() == 2
    monkeypatch.setattr(services, "_commit_batch", real_commit)
    call_command("import", *files_on_disk, "--unit", "ccu-wessex", "--batch-size", "2")
    assert Case.objects.filter(urn__startswith="42IM").count() == 3


def test_on_commit_database_failures_are_one_log_line_during_an_import():
    import importlib
    import logging

    from django.db import OperationalError

    command = importlib.import_module("casework.imports.management.commands.import")
    try:
        raise OperationalError("database or disk is full")
    except OperationalError:
        import sys

        record = logging.LogRecord("django.db.backends.base", logging.ERROR, "", 0, "Error calling %s", ("x",),
                                   sys.exc_info())  # fmt: skip
    assert command._OneLineDatabaseErrors().filter(record)
    assert record.exc_info is None and record.getMessage().startswith("Error calling x [the nightly sweep")
