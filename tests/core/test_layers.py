"""The layers of docs/development.md hold: no import cycle between apps, and the import-linter
contracts in pyproject.toml (also run by `make lint`) are kept."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import grimp
from importlinter import configuration
from importlinter.application.use_cases import lint_imports

import casework

SOURCE = Path(casework.__file__).parent
PYPROJECT = SOURCE.parent.parent / "pyproject.toml"


def app_of(module: str) -> str | None:
    """`casework.cases.models` -> `cases`; modules outside an app (and migrations) -> None."""
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != "casework" or "migrations" in parts:
        return None
    return parts[1]


def app_cycles(graph: grimp.ImportGraph) -> list[frozenset[str]]:
    """The groups of apps that import each other, directly or round a loop (strongly connected
    components of the app graph with more than one app), function-level imports included."""
    edges: dict[str, set[str]] = defaultdict(set)
    for module in graph.modules:
        importer = app_of(module)
        if importer is None:
            continue
        for imported_module in graph.find_modules_directly_imported_by(module):
            imported = app_of(imported_module)
            if imported is not None and imported != importer:
                edges[importer].add(imported)

    def reachable(start: str) -> set[str]:
        seen, todo = {start}, [start]
        while todo:
            for nxt in edges[todo.pop()] - seen:
                seen.add(nxt)
                todo.append(nxt)
        return seen

    apps = set(edges) | {app for targets in edges.values() for app in targets}
    found = {frozenset(app for app in reachable(a) if a in reachable(app)) for a in apps}
    return sorted((group for group in found if len(group) > 1), key=sorted)


def test_no_import_cycle_between_apps():
    assert app_cycles(grimp.build_graph("casework")) == []


def test_the_cycle_check_sees_a_cycle_round_three_apps():
    graph = grimp.ImportGraph()
    for importer, imported in [
        ("casework.core.clock", "casework.people.models"),
        ("casework.people.models", "casework.audit.services"),
        ("casework.audit.services", "casework.core.clock"),
        ("casework.cases.models", "casework.core.clock"),
        ("casework.cases.migrations.0001_initial", "casework.api.models"),
        ("casework.api.models", "casework.cases.models"),
    ]:
        graph.add_import(importer=importer, imported=imported)
    assert app_cycles(graph) == [frozenset({"core", "people", "audit"})]


def test_import_contracts_are_kept():
    configuration.configure()  # what the lint-imports command does first
    assert lint_imports(config_filename=str(PYPROJECT), cache_dir=None, no_logo=True)


def test_core_holds_no_sign_in_or_navigation_code():
    assert not (SOURCE / "core" / "navigation.py").exists() and not (SOURCE / "core" / "urls.py").exists()
