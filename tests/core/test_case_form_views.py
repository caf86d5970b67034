"""One view shape for changing a case: every page that changes part of a case is a
`casework.cases.form_view.CaseFormView`, and each declares the case page section it belongs to."""

from __future__ import annotations

import inspect
import pathlib

from django.urls import URLPattern, URLResolver, get_resolver

import casework
from casework.assurance import views as assurance_views
from casework.cases import views as case_views
from casework.cases.form_view import CaseFormView
from casework.cases.templatetags.case_page import CASE_PAGE_SECTIONS
from casework.progression import views as progression_views

#: Routes that name a case but are not forms changing a part of it, and why.
NOT_CASE_FORMS = {
    "cases:detail": "the case page",
    "cases:section": "the case page's sections",
    "progression:case": "the progression page (the same content as the Deadlines and CTL log section)",
    "progression:recalculate": "a one-button action that shows what moved",
    "assurance:recheck": "a one-button action",
    "assurance:history": "a page",
    "assurance:panel": "a page",
    "assurance:panel_register": "a one-button action",
    "assurance:panel_action_done": "a one-button action",
    "resourcing:case": "a page",
    "oversight:pack_case": "an evidence pack export (a disclosure, not a change)",
    "records:restricted_open": "opening a restricted case through the records app's own access path",
    "records:restriction_lift": "a one-button action on the records list",
}


def routes(patterns=None, prefix="", namespace=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace or "") if part)
            yield from routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield prefix + str(pattern.pattern), name, pattern.callback


def case_page_routes():
    """Every page route that names a case (the API has its own shape: schemas and error mapping)."""
    return [(route, name, view) for route, name, view in routes() if "case_id" in route and not route.startswith("api")]


def test_every_case_form_route_is_the_one_generic_view() -> None:
    found = case_page_routes()
    assert len(found) > 30
    strays = [
        name
        for _route, name, view in found
        if name not in NOT_CASE_FORMS and not issubclass(getattr(view, "view_class", type(None)), CaseFormView)
    ]
    assert strays == []
    # A route listed as "not a form" that became a form view should leave the list.
    assert [name for _r, name, view in found if name in NOT_CASE_FORMS and hasattr(view, "view_class")] == []


def test_routed_case_forms_cover_every_app_that_changes_a_case() -> None:
    forms = {name.split(":")[0] for _r, name, view in case_page_routes() if hasattr(view, "view_class")}
    assert forms == {"cases", "progression", "assurance", "resourcing"}


def all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from all_subclasses(sub)


def test_every_case_form_declares_its_section() -> None:
    case_page_routes()  # the URL conf imports every app's views
    sections = dict(CASE_PAGE_SECTIONS)
    concrete = [cls for cls in all_subclasses(CaseFormView) if not inspect.isabstract(cls)]
    assert len(concrete) >= 25
    undeclared = [cls.__qualname__ for cls in concrete if "section" not in vars(cls)]
    assert undeclared == []
    unknown = [(cls.__qualname__, cls.section) for cls in concrete if cls.section not in sections]
    assert unknown == []


def test_the_former_base_views_are_gone() -> None:
    assert not hasattr(case_views, "CasePartView")
    assert not hasattr(assurance_views, "CaseActionView")
    # progression imports the generic view under its own name; it must be that one, not a copy.
    assert getattr(progression_views, "CaseFormView", CaseFormView) is CaseFormView
    source = pathlib.Path(casework.__file__).parent
    bases = [
        str(path.relative_to(source))
        for path in source.rglob("*.py")
        for line in path.read_text().splitlines()
        if line.startswith(("class CasePartView", "class CaseActionView", "class CaseFormView"))
    ]
    assert bases == ["cases/form_view.py"]
