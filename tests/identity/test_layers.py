"""Sign-in, accounts and the role navigation live above core: core imports no app for them, and the
lower layers this work added (notifications, identity) import nothing above them."""

from __future__ import annotations

import ast
from pathlib import Path

import casework

SOURCE = Path(casework.__file__).parent
#: core modules that still reach up for reasons outside sign-in (tracked with the layering work).
CORE_KNOWN_DEBTS = {"admin_audit.py", "health.py", "command_options.py", "tasks.py"}
ABOVE = {
    "core": ("people", "audit", "notifications", "identity", "cases", "progression", "assurance", "quality",
             "resourcing", "partners", "oversight", "imports", "api", "demo"),
    "notifications": ("identity", "cases", "progression", "assurance", "quality", "resourcing", "partners",
                      "oversight", "imports", "api", "demo"),
    "identity": ("cases", "progression", "assurance", "quality", "resourcing", "partners", "oversight",
                 "imports", "api", "demo"),
}  # fmt: skip


def imported_apps(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        found |= {name.split(".")[1] for name in names if name.startswith("casework.") and name.count(".") >= 1}
    return found


def offenders(app: str, skip: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    problems = []
    for path in sorted((SOURCE / app).rglob("*.py")):
        relative = path.relative_to(SOURCE / app).as_posix()
        if "migrations/" in relative or relative in skip:
            continue
        upward = imported_apps(path) & set(ABOVE[app])
        if upward:
            problems.append(f"{app}/{relative} imports {sorted(upward)}")
    return problems


def test_core_holds_no_sign_in_or_navigation_code():
    assert not (SOURCE / "core" / "navigation.py").exists() and not (SOURCE / "core" / "urls.py").exists()
    assert offenders("core", CORE_KNOWN_DEBTS) == []


def test_notifications_and_identity_import_nothing_above_them():
    assert offenders("notifications") == [] and offenders("identity") == []


def test_the_check_sees_an_upward_import(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("from casework.people.choices import RoleCode\nimport casework.audit.services\n")
    assert imported_apps(sample) == {"people", "audit"}
