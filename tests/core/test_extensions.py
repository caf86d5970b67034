"""Apps hook into each other one way: declarations on their AppConfig, read through ExtensionPoint."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

import casework
from casework.core.extensions import ExtensionPoint

SOURCE = Path(casework.__file__).parent
TESTS = Path(__file__).resolve().parents[1]


@pytest.fixture
def point():
    made = ExtensionPoint[object]("test_extension_point", "For these tests.")
    yield made
    made.forget()


def declare(monkeypatch, label: str, value: object) -> None:
    monkeypatch.setattr(apps.get_app_config(label), "test_extension_point", value, raising=False)


def test_contributions_are_resolved_in_installed_apps_order(monkeypatch, point):
    declare(monkeypatch, "resourcing", ("casework.core.clock.today",))
    declare(monkeypatch, "cases", ("casework.core.clock.now", 42))
    from casework.core import clock

    assert point.contributions() == [clock.now, 42, clock.today]
    assert [label for label, _, _ in point.declarations()] == ["cases", "cases", "resourcing"]


def test_a_keyed_point_refuses_one_name_declared_twice(monkeypatch, point):
    declare(monkeypatch, "quality", {"same": "casework.core.clock.now"})
    declare(monkeypatch, "partners", {"same": "casework.core.clock.today"})
    with pytest.raises(ImproperlyConfigured, match=re.escape("'same' is declared by two apps")):
        point.by_key()


def test_a_path_that_does_not_import_names_the_app(monkeypatch, point):
    declare(monkeypatch, "partners", ("casework.nowhere.function",))
    message = "partners.test_extension_point names 'casework.nowhere.function'"
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        point.contributions()


def test_a_declaration_must_be_a_tuple_or_a_mapping(monkeypatch, point):
    declare(monkeypatch, "partners", "casework.core.clock.now")
    with pytest.raises(ImproperlyConfigured, match="must be a tuple or a mapping"):
        point.contributions()


def test_the_projects_hooks_are_declared_where_they_are_read():
    from casework.assurance.rules import EVALUATORS
    from casework.assurance.selectors import FACTS_PROVIDERS
    from casework.assurance.services import blocking_checkpoint_refusal
    from casework.cases.list_options import CASE_LIST_FILTERS, CASE_LIST_ROW_FACTS, sort_options
    from casework.cases.services import TRANSITION_GUARDS
    from casework.cases.templatetags.case_page import CASE_PAGE_SECTIONS, STATUS_SLOT, panels_by_section
    from casework.core.case_changes import CASE_CHANGE_LISTENERS

    assert set(FACTS_PROVIDERS.by_key()) == {"iqa", "rem", "early_advice"}
    assert {"iqa_quota", "iqa_feedback_timely", "rem_record_current", "acceptance_basis"} <= set(EVALUATORS.by_key())
    assert TRANSITION_GUARDS.contributions() == [blocking_checkpoint_refusal]
    assert sorted(f"{fn.__module__}.{fn.__name__}" for fn in CASE_CHANGE_LISTENERS) == [
        "casework.assurance.rechecks.recheck_request",
        "casework.cases.sweep_marks.inputs_changed",
        "casework.resourcing.stored.invalidate",
        "casework.workday.tallies.cases_changed",
    ]
    panels = panels_by_section()
    assert panels["deadlines"] == ["progression/_case_panel_hook.html"]
    assert panels["compliance"] == ["assurance/_case_panel_hook.html"]
    assert panels[STATUS_SLOT] == ["workday/_case_status_row.html"]
    assert "progression/_case_panel_hook.html" in panels["overview"]
    # Every panel goes to a section the case page has.
    assert set(panels) <= {slug for slug, _ in CASE_PAGE_SECTIONS} | {STATUS_SLOT}
    assert {group.name for group in CASE_LIST_FILTERS} == {"ctl", "work"}
    assert set(sort_options()) == {"ctl", "hearing"}
    assert [fn.__name__ for fn in CASE_LIST_ROW_FACTS] == ["add_status"]


def test_every_extension_point_is_documented():
    """docs/development.md lists each point, who reads it and what a contribution is."""
    guide = (TESTS.parent / "docs" / "development.md").read_text(encoding="utf-8")
    names = set()
    for path in SOURCE.rglob("*.py"):
        names.update(re.findall(r'ExtensionPoint\[.*?\]\(\s*"([a-z_]+)"', path.read_text(encoding="utf-8"), re.DOTALL))
    assert names >= {"schedule", "case_change_listeners", "case_stage_guards", "assurance_facts"}
    assert sorted(name for name in names if f"`{name}`" not in guide) == []


# Django's own machinery, not a documented interface: walking the on-commit queue, reading a
# signal's receivers, or the connection's savepoint list.
PRIVATE_DJANGO = ("run_on_commit", "_live_receivers", "savepoint_ids")


@pytest.mark.parametrize("root", [SOURCE, TESTS], ids=["src", "tests"])
def test_no_private_django_apis(root):
    offenders = [
        f"{path.relative_to(root)}: {name}"
        for path in root.rglob("*.py")
        if path.name != "test_extensions.py"
        for name in PRIVATE_DJANGO
        if name in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_apps_do_not_hook_in_through_signals_or_registries_filled_at_import():
    """Signals are only Django's own (sign-in auditing) and the settings-change reset of the points."""
    made_signals, receivers = [], []
    for path in SOURCE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Signal":
                made_signals.append(str(path.relative_to(SOURCE)))
            if isinstance(node, ast.Call) and ast.unparse(node.func) in {"receiver", "case_changed.connect"}:
                receivers.append(str(path.relative_to(SOURCE)))
    assert made_signals == []
    assert sorted(set(receivers)) == ["core/extensions.py", "identity/signals.py"]
