"""The cheap parts of the fault drills: the generated import files import cleanly with the
expected counts, and the report marks a scenario failed unless every check passed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from faults.csvgen import write_import_files
from faults.pg import database_name, with_database
from faults.report import ScenarioResult, merge_reports, write_report

from casework.audit.models import AuditEvent
from casework.cases.models import Case
from casework.imports.mapping import load_mapping
from casework.imports.services import import_run


@pytest.mark.django_db
def test_generated_files_import_one_record_and_one_collect_event_per_row(personas, tmp_path: Path) -> None:
    files = write_import_files(tmp_path, count=4, prefix="42TT")
    run = import_run(
        actor=personas.admin,
        files=[(path.name, path.read_bytes()) for path in files.paths],
        mapping=load_mapping(),
        unit=personas.unit_a,
        batch_size=2,
    )
    assert run.status == "completed", list(run.problems.values_list("reason", flat=True))
    assert files.total_rows == 16 and run.created_count == 16
    case_ids = Case.objects.filter(urn__in=files.urns).values_list("pk", flat=True)
    assert len(case_ids) == 4
    assert AuditEvent.objects.filter(case_id__in=case_ids, action="collect").count() == files.total_rows


def test_a_scenario_passes_only_with_checks_all_ok() -> None:
    empty = ScenarioResult(name="x", backend="sqlite")
    assert not empty.passed  # no evidence is not a pass
    result = ScenarioResult(name="x", backend="sqlite")
    result.check("first", True)
    assert result.passed
    result.check("second", False, "detail")
    assert not result.passed
    crashed = ScenarioResult(name="y", backend="sqlite", error="boom")
    crashed.check("first", True)
    assert not crashed.passed


def test_merge_fails_when_a_phase_report_is_missing(tmp_path: Path) -> None:
    ok = ScenarioResult(name="a", backend="sqlite")
    ok.check("fine", True)
    write_report(tmp_path / "sqlite.json", [ok], phase="sqlite")
    merged = merge_reports([tmp_path / "sqlite.json", tmp_path / "postgresql.json"], tmp_path / "report.json")
    assert merged["missing_phases"] == ["postgresql.json"] and not merged["passed"]
    assert json.loads((tmp_path / "report.json").read_text())["summary"] == {"a[sqlite]": "PASS"}
    both = merge_reports([tmp_path / "sqlite.json"], tmp_path / "report.json")
    assert both["passed"]


def test_database_urls_are_swapped_by_name() -> None:
    url = "postgres://casework@127.0.0.1:5433/casework"
    assert with_database(url, "faults_1") == "postgres://casework@127.0.0.1:5433/faults_1"
    assert database_name(url) == "casework"
