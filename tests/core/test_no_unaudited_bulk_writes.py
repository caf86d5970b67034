"""QuerySet.update(), bulk_create() and bulk_update() skip the audit calls that services make.

They are allowed only in modules that write the audit events themselves (services and the demo
and import loaders, which call record_many). This test fails when one appears anywhere else.
"""

from __future__ import annotations

import ast
from pathlib import Path

import casework

BULK_METHODS = {"update", "bulk_create", "bulk_update"}
#: casework.core.row_updates: prepared statements run per row, skipping save() and the services too.
ROW_WRITES = {"insert_rows", "insert_values", "update_rows", "upsert_values"}
SOURCE_ROOT = Path(casework.__file__).parent

#: Module path suffixes allowed to issue bulk writes, because they audit them explicitly.
ALLOWED = (
    "services.py",
    "demo/generator.py",
    "demo/loader.py",
    "demo/workflow.py",
    "progression/sweep.py",
    "assurance/sweep.py",
    "resourcing/demo.py",  # demo REM records and the shaped unit: audited with record_many
    "partners/demo.py",  # a year of past demo referrals: audited with record_many (a collect event each)
    "records/demo.py",  # moves demo case files' finalisation into the past (their records are made by services)
    "audit/versioned.py",  # the audited versioned update itself: one event per row it writes
    "assurance/tallies.py",  # derived counts per unit, rebuilt from audited verdicts; no case data
    "resourcing/stored.py",  # derived complexity bands per case, worked out from audited case data
    "resourcing/summaries.py",  # derived per-unit caseload figures, worked out from audited case data
    "workday/tallies.py",  # derived overview counts per unit and person, and change marks; no case data
    "cases/sweep_marks.py",  # when each sweep last worked a case out; bookkeeping, no case data
    "quality/analytics_store.py",  # derived IQA analytics per scope; one combine event per refresh
)


def bulk_write_calls(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if name in ROW_WRITES:
            lines.append(node.lineno)
            continue
        if not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr not in BULK_METHODS:
            continue
        chain = ast.unparse(node.func.value)
        # dict.update() and similar are fine: only querysets (managers, filter chains) count.
        if ".objects" in chain or "_default_manager" in chain or ".filter(" in chain or ".exclude(" in chain:
            lines.append(node.lineno)
    return lines


def test_bulk_writes_only_in_audited_modules():
    offenders = []
    for path in SOURCE_ROOT.rglob("*.py"):
        relative = path.relative_to(SOURCE_ROOT).as_posix()
        if "/migrations/" in relative or relative.endswith(ALLOWED) or relative == "core/row_updates.py":
            continue
        for line in bulk_write_calls(ast.parse(path.read_text(), filename=str(path))):
            offenders.append(f"{relative}:{line}")
    assert offenders == [], f"unaudited bulk writes: {offenders}"


def test_detector_finds_a_bulk_update():
    sample = ast.parse("Case.objects.filter(unit=1).update(stage='x')\nvalues.update(a=1)\nM.objects.bulk_create([])")
    assert bulk_write_calls(sample) == [1, 3]


def test_detector_finds_row_writes():
    sample = ast.parse(
        "insert_values(M, f, rows)\n"
        "row_updates.update_rows(M, o, f)\n"
        "upsert_values(M, f, r, unique_fields=[], update_fields=[])\n"
        "x = values(1)"
    )
    assert bulk_write_calls(sample) == [1, 2, 3]
